import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// No output can destroy an input: every writing command refuses, before any work (usage error,
/// exit 64), an output that is one of its inputs or another of its outputs, by any path (a hard
/// link, a symbolic link, `./`); the files it updates in place still work.
@Suite("likeness command line: an output on top of an input", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct OutputOnInputCommandLineTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"
    let sandal = repositoryRoot + "/Datasets/sample/image-folder/5-Sandal/00008.png"

    /// Models, a store, a gallery, an image set, a split and an image in a new folder.
    func prepare() throws -> TemporaryFolder {
        let dir = try TemporaryFolder()
        let classNames = try DatasetSource(parsing: sample).load(imageSize: ImageSize(height: 28, width: 28), channels: 1).dataset.classNames
        for (name, head) in [("model.h5", Head.embedding(dimension: 8)), ("softmax.h5", Head.softmax(classCount: classNames.count))] {
            let architecture = ModelDescription(backbone: .reference, head: head, channels: 1, height: 28, width: 28)
            try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: classNames).save(to: dir.path + "/" + name)
        }
        try FileManager.default.copyItem(atPath: sandal, toPath: dir.path + "/query.png")
        try runLikeness(["embed", "--model", "model.h5", "--dataset", sample, "-o", "store.h5"], in: dir.path)
        try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", sample], in: dir.path)
        try runLikeness(["data", "export", sample, "-o", "images.h5"], in: dir.path)
        try runLikeness(["data", "split", "images.h5", "-o", "split.json"], in: dir.path)
        #expect(link(dir.path + "/model.h5", dir.path + "/hard-link.h5") == 0)
        #expect(symlink("model.h5", dir.path + "/symbolic-link.h5") == 0)
        return dir
    }

    /// Each case: the arguments, and the file they would have destroyed.
    static let cases: [(arguments: [String], kept: String)] = [
        (["embed", "--model", "model.h5", "--dataset", "images.h5", "-o", "model.h5"], "model.h5"),
        (["embed", "--model", "model.h5", "--dataset", "images.h5", "-o", "./images.h5"], "images.h5"),
        (["embed", "--model", "model.h5", "--dataset", "images.h5", "-o", "hard-link.h5"], "model.h5"),
        (["embed", "--model", "model.h5", "--dataset", "images.h5", "-o", "symbolic-link.h5"], "model.h5"),
        (["embed", "--model", "model.h5", "--append", "-o", "model.h5", "query.png"], "model.h5"),
        (["query", "--store", "store.h5", "--model", "model.h5", "-o", "store.h5", "query.png"], "store.h5"),
        (["query", "--store", "store.h5", "--model", "model.h5", "-o", "model.h5", "query.png"], "model.h5"),
        (["query", "--store", "store.h5", "--model", "model.h5", "-o", "query.png", "query.png"], "query.png"),
        (["classify", "--model", "model.h5", "--gallery", "gallery.h5", "-o", "gallery.h5", "query.png"], "gallery.h5"),
        (["predict", "--model", "softmax.h5", "-o", "softmax.h5", "query.png"], "softmax.h5"),
        (["enroll", "--model", "model.h5", "--gallery", "model.h5", "--class", "x", "query.png"], "model.h5"),
        (["calibrate", "--model", "model.h5", "--gallery", "images.h5", "--dataset", "images.h5"], "images.h5"),
        (["train", "images.h5", "--epochs", "1", "-o", "images.h5"], "images.h5"),
        (["train", "split.json:train", "--epochs", "1", "-o", "model.h5", "--checkpoint", "model.h5"], "model.h5"),
        (["train", "split.json:train", "--epochs", "1", "-o", "new.h5", "--checkpoint", "./new.h5"], "split.json"),
        (["data", "export", "images.h5", "-o", "images.h5"], "images.h5"),
        (["data", "split", "split.json:train", "-o", "split.json"], "split.json"),
        (["export", "onnx", "model.h5", "-o", "./model.h5"], "model.h5"),
        (["index", "build", "store.h5", "--factory", "Flat", "-o", "store.h5"], "store.h5"),
        (["one-shot", "--model", "model.h5", "--known", "images.h5", "--shots", "images.h5", "--test", "images.h5",
          "--novel-classes", "1", "-o", "model.h5"], "model.h5"),
    ]

    @Test func anOutputThatIsAnInputIsRefusedBeforeAnyWork() throws {
        let dir = try prepare()
        for (arguments, kept) in Self.cases {
            let before = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + kept))
            let run = try runLikenessToEnd(arguments, in: dir.path)
            let command = arguments.joined(separator: " ")
            #expect(run.status == 64, "likeness \(command): exit \(run.status): \(run.err)")
            #expect(run.err.contains("same file") || run.err.contains("would destroy it"), "likeness \(command): \(run.err)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + kept)) == before, "likeness \(command) changed \(kept)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/new.h5"))
    }

    @Test func aLikenessFileOfAnotherKindIsNotReplaced() throws {
        let dir = try prepare()
        for (arguments, kept) in [(["embed", "--model", "model.h5", "-o", "gallery.h5", "query.png"], "gallery.h5"),
                                  (["train", "split.json:train", "--epochs", "1", "-o", "store.h5"], "store.h5"),
                                  (["data", "export", sample, "-o", "softmax.h5"], "softmax.h5")] {
            let before = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + kept))
            let run = try runLikenessToEnd(arguments, in: dir.path)
            #expect(run.status == 64 && run.err.contains("remove the file first"), "likeness \(arguments.joined(separator: " ")): \(run.err)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + kept)) == before)
        }
        // A file of the same kind is replaced, as -o says.
        try runLikeness(["embed", "--model", "model.h5", "-o", "store.h5", "query.png"], in: dir.path)
        #expect(try EmbeddingStore.open(dir.path + "/store.h5").count == 1)
    }

    @Test func filesUpdatedInPlaceStillAre() throws {
        let dir = try prepare()
        try runLikeness(["embed", "--model", "model.h5", "--append", "-o", "store.h5", "query.png"], in: dir.path)
        #expect(try EmbeddingStore.open(dir.path + "/store.h5").count == 201)
        try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "new", "query.png"], in: dir.path)
        try runLikeness(["calibrate", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", "images.h5"], in: dir.path)
        #expect(try Gallery.load(dir.path + "/gallery.h5").classNames.contains("new"))
    }
}
