import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// `likeness discover` on the shapes sample and `train --discovered` with what it writes: the image
/// set names its classes "discovered N" and keeps the pool's ids, the pool's labels are never read,
/// and the second training learns the discovered classes beside the known ones.
@Suite("likeness discover and train --discovered", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct DiscoverCommandLineTests {
    let shapes = repositoryRoot + "/Datasets/sample/shapes"
    let common = ["--threads", "2", "--seed", "3"]

    func trainEmbedder(in dir: TemporaryFolder) throws {
        try runLikeness(["train", shapes + "/train", "--exclude-classes", "triangle", "--epochs", "1", "-P", "3", "-K", "4",
                         "-o", "embedder.h5"] + common, in: dir.path)
    }

    func discover(in dir: TemporaryFolder, pool: String, output: String) throws -> (out: String, err: String) {
        try runLikeness(["discover", shapes + "/train", "--exclude-classes", "triangle", "--model", "embedder.h5", "--pool", pool,
                         "--new-classes", "2", "--accepted", "0.5", "--subclusters", "4", "-o", output] + common, in: dir.path)
    }

    @Test func discoveredClassesAreWrittenAndTrainedOn() throws {
        let dir = try TemporaryFolder()
        try trainEmbedder(in: dir)
        try runLikeness(["data", "export", shapes + "/test", "--output", "pool.h5"], in: dir.path)
        let run = try discover(in: dir, pool: "pool.h5", output: "discovered.h5")
        #expect(run.out.contains("wrote discovered.h5: 2 new classes of"), "\(run.out)")
        #expect(run.err.contains("pool images farther than") && run.err.contains("left out"), "\(run.err)")
        let found = try Dataset(hdf5: dir.file("discovered.h5"))
        let pool = try Dataset(hdf5: dir.file("pool.h5"))
        #expect(found.classNames == ["discovered 1", "discovered 2"])
        #expect(Set(found.labels) == [0, 1] && found.count < pool.count)
        #expect(Set(found.ids).isSubset(of: Set(pool.ids)) && Set(found.ids).count == found.count, "pool images, each once")
        for (i, id) in found.ids.enumerated() {
            let p = pool.ids.firstIndex(of: id)!
            #expect(found.pixels[(i * found.imageByteCount)..<((i + 1) * found.imageByteCount)]
                    == pool.pixels[(p * pool.imageByteCount)..<((p + 1) * pool.imageByteCount)], "\(id): its own pixels")
        }

        // The pool's labels are never read: the same pool with every label 0 gives the same classes.
        let unlabelled = Dataset(pixels: pool.pixels, labels: pool.labels.map { _ in 0 }, classNames: ["?"], ids: pool.ids,
                                 height: pool.height, width: pool.width, channels: pool.channels)
        try unlabelled.writeHDF5(to: dir.file("unlabelled.h5"))
        _ = try discover(in: dir, pool: "unlabelled.h5", output: "again.h5")
        let again = try Dataset(hdf5: dir.file("again.h5"))
        #expect(again.ids == found.ids && again.labels == found.labels)

        // train --discovered: the known classes and the discovered ones, as classes of their own.
        let trained = try runLikeness(["train", shapes + "/train", "--exclude-classes", "triangle", "--discovered", "discovered.h5",
                                       "--epochs", "1", "-P", "3", "-K", "4", "-o", "second.h5"] + common, in: dir.path)
        #expect(trained.err.contains("\(found.count) images of discovered classes added to the training images"), "\(trained.err)")
        // Cross has too few images for the 10% split to give it one; the discovered classes have none by nature.
        #expect(trained.err.contains("train: no validation image of class 1 (cross) (the 10% split gives none to a class of fewer than 5 images): its recall"),
                "\(trained.err)")
        #expect(trained.err.contains("train: the discovered classes 5 (discovered 1), 6 (discovered 2) have no validation images (those are labelled): "
                                     + "their recall is not in the validation score"), "\(trained.err)")
        let model = try ModelArchive.load(dir.file("second.h5"))
        let knownNames = try ModelArchive.load(dir.file("embedder.h5")).classNames
        #expect(model.classNames == knownNames + ["discovered 1", "discovered 2"])
        let counts = try #require(model.training?.trainingClassCounts)
        #expect(Array(counts.suffix(2)) == [found.labels.filter { $0 == 0 }.count, found.labels.filter { $0 == 1 }.count], "\(counts)")
    }

    @Test func mismatchesAreRefused() throws {
        let dir = try TemporaryFolder()
        try trainEmbedder(in: dir)
        try runLikeness(["train", shapes + "/train", "--head", "softmax", "--epochs", "1", "-o", "softmax.h5"] + common, in: dir.path)
        let base = ["discover", shapes + "/train", "--pool", shapes + "/test"]
        let noClasses = try runLikenessToEnd(base + ["--model", "embedder.h5", "--new-classes", "0", "-o", "d.h5"], in: dir.path)
        #expect(noClasses.status == 64 && noClasses.err.contains("--new-classes must be from 1 to 64"), "\(noClasses.err)")
        let softmax = try runLikenessToEnd(base + ["--model", "softmax.h5", "--new-classes", "1", "-o", "d.h5"], in: dir.path)
        #expect(softmax.status == 1 && softmax.err.contains("discover needs an embedding model"), "\(softmax.err)")
        let onModel = try runLikenessToEnd(base + ["--model", "embedder.h5", "--new-classes", "1", "-o", "embedder.h5"], in: dir.path)
        #expect(onModel.status == 64, "\(onModel.err)")
        let synthetic = try runLikenessToEnd(base + ["--model", "embedder.h5", "--new-classes", "1", "--synthetic", "s.h5", "-o", "d.h5"], in: dir.path)
        #expect(synthetic.status == 64 && synthetic.err.contains("leave them out"), "\(synthetic.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("d.h5")))

        // A discovered class named as a known one, and the softmax head, are refused by train.
        try runLikeness(["data", "export", shapes + "/test", "--output", "named.h5"], in: dir.path)
        let clash = try runLikenessToEnd(["train", shapes + "/train", "--discovered", "named.h5", "-o", "m.h5"] + common, in: dir.path)
        #expect(clash.status == 1 && clash.err.contains("its class 'circle' is already a class of"), "\(clash.err)")
        let softmaxHead = try runLikenessToEnd(["train", shapes + "/train", "--head", "softmax", "--discovered", "named.h5", "-o", "m.h5"],
                                               in: dir.path)
        #expect(softmaxHead.status == 64 && softmaxHead.err.contains("--discovered adds classes"), "\(softmaxHead.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("m.h5")))
    }
}
