import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// `likeness embed` on loose image files stores them unlabelled, and `likeness enroll` counts
/// an image enrolled twice (in one call or two) once, by the digest of its pixels.
@Suite("likeness command line: unlabelled embeddings, repeated enrolments", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct EnrolDuplicatesCommandLineTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"
    let images = repositoryRoot + "/Datasets/sample/image-folder"

    /// An untrained embedding model over the sample's classes, saved as `model.h5` in `folder`.
    /// Returns the sample's labels and class names, as `embed --dataset` stores them.
    func saveModel(in folder: String) throws -> (labels: [Int], classNames: [String]) {
        let loaded = try DatasetSource(parsing: sample).load(imageSize: ImageSize(height: 28, width: 28), channels: 1)
        let dataset = loaded.dataset
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 16), channels: 1, height: 28, width: 28)
        try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: dataset.classNames)
            .save(to: folder + "/model.h5")
        return (dataset.labels(loaded.selection), dataset.classNames)
    }

    /// The first two PNG files of the sample's Sandal folder.
    func sandals() throws -> [String] {
        let folder = images + "/5-Sandal"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".png") }.sorted()
        try #require(names.count >= 2)
        return names.prefix(2).map { folder + "/" + $0 }
    }

    @Test func imageFilesAreEmbeddedUnlabelledAndADatasetKeepsItsLabels() throws {
        let dir = try TemporaryFolder()
        let dataset = try saveModel(in: dir.path)
        let pngs = try sandals()
        try runLikeness(["embed", "--model", "model.h5", "-o", "loose.h5"] + pngs, in: dir.path)
        let loose = try EmbeddingStore.open(dir.path + "/loose.h5")
        let rows = try loose.readAll()
        #expect(rows.labels == [-1, -1])
        #expect(rows.ids == pngs)
        #expect(loose.classNames.isEmpty)

        try runLikeness(["embed", "--model", "model.h5", "--dataset", sample, "-o", "labelled.h5"], in: dir.path)
        let labelled = try EmbeddingStore.open(dir.path + "/labelled.h5")
        #expect(try labelled.readAll().labels == dataset.labels)
        #expect(labelled.classNames == dataset.classNames)

        // Unlabelled rows append to a labelled store, keeping its classes.
        try runLikeness(["embed", "--model", "model.h5", "--append", "-o", "labelled.h5", pngs[0]], in: dir.path)
        let appended = try EmbeddingStore.open(dir.path + "/labelled.h5")
        #expect(try appended.readAll().labels == dataset.labels + [-1])
        #expect(appended.classNames == dataset.classNames)
    }

    @Test func anImageEnrolledTwiceCountsOnce() throws {
        let dir = try TemporaryFolder()
        _ = try saveModel(in: dir.path)
        let pngs = try sandals()
        let copy = dir.path + "/copy.png"
        try FileManager.default.copyItem(atPath: pngs[0], toPath: copy)
        let enroll = ["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "Sandal"]
        func shots() throws -> Int { try #require(try Gallery.load(dir.path + "/gallery.h5")["Sandal"]).shotCount }

        let twice = try runLikeness(enroll + [pngs[0], pngs[0]], in: dir.path)
        #expect(twice.out.contains("enrolled Sandal from 1 image (1 in all)"), "\(twice.out)")
        #expect(twice.err.contains("enroll: \(pngs[0]) is already enrolled in Sandal (same content); skipped"), "\(twice.err)")
        #expect(try shots() == 1)

        // Again in a later run, and under another name with the same content.
        let again = try runLikeness(enroll + [pngs[0], "copy.png"], in: dir.path)
        #expect(again.err.contains("enroll: \(pngs[0]) is already enrolled in Sandal (same content); skipped"), "\(again.err)")
        #expect(again.err.contains("enroll: copy.png is already enrolled in Sandal (same content); skipped"), "\(again.err)")
        #expect(again.out.contains("enrolled Sandal from 0 images (1 in all)"), "\(again.out)")
        #expect(try shots() == 1)

        let other = try runLikeness(enroll + [pngs[1]], in: dir.path)
        #expect(!other.err.contains("skipped"), "\(other.err)")
        #expect(try shots() == 2)

        // The same image is a shot of another class all the same.
        try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "Other", pngs[0]], in: dir.path)
        #expect(try Gallery.load(dir.path + "/gallery.h5")["Other"]?.shotCount == 1)
    }

    @Test func aGalleryWithoutDigestsStillLoadsAndEnrols() throws {
        let dir = try TemporaryFolder()
        _ = try saveModel(in: dir.path)
        let pngs = try sandals()
        let path = dir.path + "/gallery.h5"
        try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "Sandal", pngs[0]], in: dir.path)
        // Make it a version 1 gallery, as written before galleries kept their shots' digests.
        let file = try HDF5File(openingAt: path, mode: .readWrite)
        try file.removeObject(at: "/shot_digests")
        try file.removeObject(at: "/shot_digest_classes")
        try file.attributes.write(1, named: "format_version")
        try file.close()
        #expect(try Gallery.load(path)["Sandal"]?.shotDigests == [])

        // Nothing is known to skip: the same image is enrolled again, and its digest kept from now on.
        let enrolled = try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "Sandal", pngs[0]],
                                       in: dir.path)
        #expect(enrolled.out.contains("(2 in all)"), "\(enrolled.out)")
        let gallery = try Gallery.load(path)
        #expect(gallery["Sandal"]?.shotCount == 2 && gallery["Sandal"]?.shotDigests.count == 1)
        let again = try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "Sandal", pngs[0]],
                                    in: dir.path)
        #expect(again.err.contains("skipped"), "\(again.err)")
        #expect(try Gallery.load(path)["Sandal"]?.shotCount == 2)
    }
}
