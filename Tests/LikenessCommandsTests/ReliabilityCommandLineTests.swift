import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// The `likeness` tool against what goes wrong in practice: a write killed mid-way, an
/// interrupted training run, two processes changing one gallery, a loss that turns NaN, and
/// data that cannot be trained on.
@Suite("likeness command line: interruption, concurrency, faults", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct ReliabilityCommandLineTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"
    let images = repositoryRoot + "/Datasets/sample/image-folder"

    /// The sample's class names, which an embedding store or model over its images lists.
    func sampleClassNames() throws -> [String] {
        try DatasetSource(parsing: sample).load(imageSize: ImageSize(height: 28, width: 28), channels: 1).dataset.classNames
    }

    /// An untrained embedding model over `classNames`, saved at `path`.
    @discardableResult
    func saveEmbeddingModel(at path: String, classNames: [String], size: Int = 28) throws -> ModelArchive {
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 16), channels: 1, height: size, width: size)
        let archive = try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: classNames)
        try archive.save(to: path)
        return archive
    }

    /// The names in `folder`, hidden ones included, sorted.
    func contents(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func bytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// `likeness embed --append` killed with SIGKILL while it rewrites a large store: the store
    /// is the old one byte for byte, the killed process's lock went with it, and the next append
    /// clears its temporary file away.
    @Test func anAppendKilledMidWayLeavesTheStoreWhole() throws {
        let dir = try TemporaryFolder()
        let classNames = try sampleClassNames()
        let model = try saveEmbeddingModel(at: dir.path + "/model.h5", classNames: classNames)
        let store = dir.path + "/store.h5", rows = 300_000, dimension = 16
        try EmbeddingStore.create(at: store, modelDigest: model.digest, dimension: dimension, classNames: classNames) { writer in
            for start in stride(from: 0, to: rows, by: 50_000) {
                let block = start..<min(start + 50_000, rows)
                var values = [Float](repeating: 0, count: block.count * dimension)
                for (i, row) in block.enumerated() { values[i * dimension + row % dimension] = 1 }
                try writer.append(EmbeddingBatch(embeddings: Tensor(shape: [block.count, dimension], scalars: values),
                                                 labels: block.map { $0 % classNames.count }, ids: block.map { "row\($0)" }))
            }
        }
        let before = try bytes(store)

        let append = ["embed", "--model", "model.h5", "--dataset", sample, "-o", "store.h5", "--append", "--threads", "2"]
        let process = try likenessProcess(append, in: dir.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Killed as soon as its temporary file appears: in the middle of copying the old rows.
        var temporary: String?
        let deadline = Date().addingTimeInterval(300)
        while temporary == nil && process.isRunning && Date() < deadline {
            temporary = try contents(dir.path).first { $0.hasPrefix(".store.h5.") && $0.hasSuffix(".tmp") }
            if temporary == nil { usleep(500) }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(process.terminationReason == .uncaughtSignal, "the append ended before it was killed")
        #expect(temporary != nil)

        #expect(try bytes(store) == before, "the store is the old one, byte for byte")
        #expect(try EmbeddingStore.open(store).count == rows)

        try runLikeness(append, in: dir.path)
        #expect(try EmbeddingStore.open(store).count == rows + 200)
        #expect(try contents(dir.path) == ["model.h5", "store.h5", "store.h5.lock"])
    }

    /// One epoch, then `--resume` for the rest, ends on the weights of the uninterrupted run:
    /// both heads, with validation and early stopping.
    @Test(arguments: [["--head", "embedding", "-P", "4", "-K", "4"], ["--head", "softmax", "--batch-size", "16"]])
    func aResumedRunEndsWithTheUninterruptedRunsWeights(head: [String]) throws {
        let dir = try TemporaryFolder()
        let common = ["train", sample, "--patience", "1", "--threads", "2", "--seed", "3"] + head
        try runLikeness(common + ["--epochs", "3", "-o", "whole.h5"], in: dir.path)
        try runLikeness(common + ["--epochs", "1", "-o", "part.h5"], in: dir.path)
        let resumed = try runLikeness(common + ["--epochs", "3", "-o", "part.h5", "--resume"], in: dir.path)
        #expect(resumed.err.contains("resuming from part.checkpoint.h5 after epoch 1"))
        #expect(!resumed.err.contains("warning"), "more epochs extend a run: \(resumed.err)")
        #expect(try ModelArchive.storedDigest(at: dir.path + "/part.h5") == ModelArchive.storedDigest(at: dir.path + "/whole.h5"))
    }

    /// Two enrolments started while the gallery's lock is held both say that they wait, and
    /// both classes are in the gallery once they have run, with the class enrolled before.
    @Test func twoEnrolmentsAtOnceBothLand() throws {
        let dir = try TemporaryFolder()
        try saveEmbeddingModel(at: dir.path + "/model.h5", classNames: try sampleClassNames())
        func image(_ folder: String) throws -> String {
            images + "/" + folder + "/" + (try contents(images + "/" + folder)[0])
        }
        try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "Shirt", try image("6-Shirt")], in: dir.path)

        var enrolments: [(process: Process, log: String)] = []
        try withExtendedLifetime(try FileLock(locking: dir.path + "/gallery.h5")) {
            for (name, folder) in [("Sandal", "5-Sandal"), ("Bag", "8-Bag")] {
                let log = dir.path + "/\(name).log"
                #expect(FileManager.default.createFile(atPath: log, contents: nil))
                let process = try likenessProcess(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", name,
                                               try image(folder), "--threads", "1"], in: dir.path)
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle(forWritingAtPath: log)
                try process.run()
                enrolments.append((process, log))
            }
            func waiting() throws -> Int {
                try enrolments.filter {
                    String(decoding: try bytes($0.log), as: UTF8.self)
                        .contains("waiting for the lock on gallery.h5, held by another likeness process")
                }.count
            }
            let deadline = Date().addingTimeInterval(300)
            while try waiting() < 2 && Date() < deadline { usleep(10_000) }
            #expect(try waiting() == 2)
        }
        for (process, log) in enrolments {
            process.waitUntilExit()
            let printed = String(decoding: try bytes(log), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(printed)")
        }
        #expect(try Gallery.load(dir.path + "/gallery.h5").classNames.sorted() == ["Bag", "Sandal", "Shirt"])
    }

    /// A learning rate that throws the weights to 1e30 in one step: the next batch overflows in
    /// the second convolution. Training stops there, naming it, and the model and checkpoint of
    /// the run before stay as they were.
    @Test func aNonFiniteLossStopsTrainingAndKeepsTheLastCheckpoint() throws {
        let dir = try TemporaryFolder()
        let train = ["train", sample, "--epochs", "1", "-P", "4", "-K", "4", "-o", "model.h5", "--threads", "2"]
        try runLikeness(train, in: dir.path)
        let (model, checkpoint) = (try bytes(dir.path + "/model.h5"), try bytes(dir.path + "/model.checkpoint.h5"))

        let failed = try runLikeness(train + ["--learning-rate", "1e30"], in: dir.path, expectFailure: true)
        #expect(failed.err.contains("training stopped at epoch 1, batch 2"), "\(failed.err)")
        #expect(failed.err.contains("the output of layer conv2 is the first to hold NaN or infinite values"))
        #expect(failed.err.contains("model.h5 was not written"))
        #expect(try bytes(dir.path + "/model.h5") == model)
        #expect(try bytes(dir.path + "/model.checkpoint.h5") == checkpoint)
    }

    /// An empty class, a class index that does not exist, a validation set of another size, an
    /// empty class folder and an enrolment without images: each is refused with a message that
    /// says what to do, before anything is written. A class of one image is left out of training,
    /// with the command that enrols it.
    @Test func badDataIsRefusedClearly() throws {
        let dir = try TemporaryFolder()
        // 8×8 gray images: classes a and b with 6 images each, c with one, d with none.
        func imageSet(size: Int) -> Dataset {
            let labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2]
            var rng = SeededGenerator(seed: 1)
            return Dataset(pixels: (0..<(labels.count * size * size)).map { _ in UInt8(truncatingIfNeeded: rng.next()) },
                           labels: labels, classNames: ["a", "b", "c", "d"], ids: labels.indices.map { "image\($0)" },
                           height: size, width: size, channels: 1)
        }
        try imageSet(size: 8).writeHDF5(to: dir.path + "/set.h5")
        try imageSet(size: 10).writeHDF5(to: dir.path + "/larger.h5")
        func refusal(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let err = try runLikeness(arguments, in: dir.path, expectFailure: true, sourceLocation: sourceLocation).err
            #expect(err.contains(message), "\(err)", sourceLocation: sourceLocation)
        }
        let train = ["train", "set.h5", "-P", "2", "-K", "2", "--epochs", "1", "-o", "model.h5"]
        try refusal(train, "No training image of class 3 (d): add images, or leave it out with --exclude-classes 3.")
        let single = try runLikeness(["train", "set.h5", "-P", "2", "-K", "2", "--epochs", "1", "--exclude-classes", "d", "-o", "single.h5"],
                                     in: dir.path).err
        #expect(single.contains("train: class 2 (c) has one training image: it is left out of training and validation (triplets need two "
                                + "images of a class); enrol it one-shot once the model is written:\n"
                                + "  likeness enroll --model single.h5 --gallery GALLERY.h5 --dataset set.h5 --classes name:c"), "\(single)")
        #expect(try ModelArchive.load(dir.path + "/single.h5").training?.trainingClassCounts == [5, 5, 0, 0])
        let enrolC = ["enroll", "--model", "single.h5", "--gallery", "single-gallery.h5", "--dataset", "set.h5", "--classes", "name:c"]
        #expect(try runLikeness(enrolC, in: dir.path).out.contains("enrolled 1 classes from 1 images of set.h5"))
        try refusal(train + ["--exclude-classes", "3,7"], "--exclude-classes 7: the dataset's classes are 0 to 3.")
        try refusal(train + ["--exclude-classes", "1,2,3"], "Triplet training needs training images of at least 2 classes")
        try refusal(train + ["--exclude-classes", "2,3", "--validation", "larger.h5"],
                    "--validation larger.h5: its images are 10×10×1, the training images 8×8×1")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/model.h5"))

        let folder = dir.path + "/folder"
        for name in ["a", "b"] { try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: images + "/5-Sandal/00008.png", toPath: folder + "/a/1.png")
        try refusal(["train", "folder", "--image-size", "8", "-o", "model.h5"], "folder/b: class folder: expected at least one")

        try saveEmbeddingModel(at: dir.path + "/embedder.h5", classNames: ["a", "b", "c", "d"], size: 8)
        let enroll = ["enroll", "--model", "embedder.h5", "--gallery", "gallery.h5", "--dataset", "set.h5"]
        try refusal(enroll + ["--classes", "3"], "set.h5 has no image of the classes to enrol (d): nothing to enrol.")
        try refusal(enroll + ["--classes", "2,3"], "--classes: set.h5 has no image of class 3 (d).")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/gallery.h5"))
        let enrolled = try runLikeness(enroll, in: dir.path)
        #expect(enrolled.err.contains("set.h5 has no image of 3 (d): not enrolled"))
        #expect(enrolled.out.contains("enrolled 3 classes from 13 images"))
    }
}
