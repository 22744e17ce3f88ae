import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// The `likeness` tool asked for more than it can give, under an address-space limit of 4 GB
/// (`prlimit --as=4000000000`, as `ulimit -v 4000000`): a huge `-k` gives the store's rows with
/// a warning, a huge `-P`, `-K` or over-sampling target and work that would not fit in memory are
/// refused with exit status 1 and a message, never a signal; two `train` runs on one output take
/// turns; a missing output folder or an impossible `--image-size` is refused before any work; a
/// store holding NaN is refused naming the file.
@Suite("likeness command line: limits, locks and early checks", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct LimitsCommandLineTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"

    /// The address-space limit the runs below are under, in bytes.
    static let addressSpaceLimit = 4_000_000_000

    /// Runs `likeness` in `folder` under `prlimit --as=addressSpaceLimit`.
    func runLimited(_ arguments: [String], in folder: String) throws -> (status: Int32, signalled: Bool, out: String, err: String) {
        let process = try likenessProcess(arguments, in: folder)
        process.arguments = ["--as=\(Self.addressSpaceLimit)", process.executableURL!.path] + arguments
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, stdout, stderr)
    }

    /// A folder with an untrained embedding model of the sample's classes and its store of the
    /// sample's 200 images.
    func prepare() throws -> TemporaryFolder {
        let dir = try TemporaryFolder()
        let classNames = try DatasetSource(parsing: sample).load(imageSize: ImageSize(height: 28, width: 28), channels: 1).dataset.classNames
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 16), channels: 1, height: 28, width: 28)
        try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: classNames)
            .save(to: dir.path + "/model.h5")
        try runLikeness(["embed", "--model", "model.h5", "--dataset", sample, "-o", "store.h5"], in: dir.path)
        return dir
    }

    @Test func aHugeKGivesEveryRowWithAWarning() throws {
        let dir = try prepare()
        let run = try runLimited(["query", "--store", "store.h5", "--queries", "store.h5", "-k", "10000000"], in: dir.path)
        #expect(run.status == 0 && !run.signalled, "exit \(run.status): \(run.err)")
        #expect(run.err.contains("query: -k 10000000 is more than the store's 200 rows: giving 200"), "\(run.err)")
        let lines = run.out.split(separator: "\n")
        #expect(lines.count == 1 + 200 * 200)
        #expect(lines.last.map { $0.split(separator: ",")[1] } == "200")
    }

    @Test func hugeBatchesAndTargetsAreRefused() throws {
        let dir = try TemporaryFolder()
        let train = ["train", sample, "--epochs", "1", "-o", "model.h5"]
        // -K alone decides its refusal: a usage error (64); the others need the data (1).
        let refusals: [([String], Int32, String)] = [
            (["-P", "100000", "-K", "100000"], 64, "Error: -K 100000: a batch takes at most 4096 images of a class.\n"),
            (["-P", "100000", "-K", "4"], 1, "Error: -P 100000: the training set has 10 classes of 2 or more images, so a batch holds at most 10 classes"),
            (["--head", "softmax", "--oversample", "5:1000000000"], 1,
             "Error: --oversample: sampling strategy asks for 1000000000 images of class 5: over-sampling grows a class to at most 100 times the largest class"),
            (["--head", "softmax", "--smote", "5:1000000000"], 1, "Error: --smote: sampling strategy asks for 1000000000 images of class 5"),
        ]
        for (options, status, message) in refusals {
            let run = try runLimited(train + options, in: dir.path)
            #expect(run.status == status && !run.signalled, "\(options): exit \(run.status): \(run.err)")
            #expect(run.err.contains(message), "\(options): \(run.err)")
            #expect(!run.err.contains("epoch"), "\(options): trained: \(run.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/model.h5"))
    }

    /// Batches of 4 × 4000 images need far more than 4 GB: refused before the first epoch, with
    /// the estimate and the room left under the limit (4 GB less what the process has mapped).
    @Test func workPastTheMemoryLimitIsRefusedWithBothFigures() throws {
        let dir = try TemporaryFolder()
        for (options, advice) in [(["-P", "4", "-K", "4000"], "give a smaller -P or -K."),
                                  (["--head", "softmax", "--batch-size", "100000"], "give a smaller --batch-size or resampling target.")] {
            let run = try runLimited(["train", sample, "--epochs", "1", "-o", "model.h5"] + options, in: dir.path)
            #expect(run.status == 1 && !run.signalled, "exit \(run.status): \(run.err)")
            let pattern = #/Error: train: training on batches of [^\n]* images needs about ([0-9.]+) GiB, and this process may use ([0-9.]+) GiB \(the address-space limit\): /#
            let match = try #require(run.err.firstMatch(of: pattern), "\(run.err)")
            let (needed, budget) = (try #require(Double(match.1)), try #require(Double(match.2)))
            #expect(needed > 4 && budget < Double(Self.addressSpaceLimit) / 1_073_741_824 && budget > 2, "\(run.err)")
            #expect(run.err.contains(advice))
            #expect(!run.err.contains("epoch"), "trained: \(run.err)")
        }
    }

    /// An image folder that would not fit in memory at the size asked for (10,000 images at
    /// 448×448×3, 6 GB) is refused with both figures after reading the headers, before any image
    /// is decoded.
    @Test func aFolderPastTheMemoryLimitIsRefusedBeforeDecoding() throws {
        let dir = try TemporaryFolder()
        let png = try RasterImage(pixels: [UInt8](repeating: 128, count: 64), height: 8, width: 8, channels: 1).pngData()
        for c in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(dir.path)/images/\(c)", withIntermediateDirectories: true)
            for i in 0..<5000 { #expect(FileManager.default.createFile(atPath: "\(dir.path)/images/\(c)/\(i).png", contents: Data(png))) }
        }
        let run = try runLimited(["train", "images", "--image-size", "448", "--rgb", "--epochs", "1", "-o", "model.h5"], in: dir.path)
        #expect(run.status == 1 && !run.signalled, "exit \(run.status): \(run.err)")
        #expect(run.err.contains("Error: loading the 10000 images of images at 448×448×3 needs about 5.6 GiB, and this process may use "),
                "\(run.err)")
        #expect(!run.err.contains("epoch") && !FileManager.default.fileExists(atPath: dir.path + "/model.h5"), "\(run.err)")
    }

    /// Two runs started while the output's lock is held both wait, saying so, before reading
    /// anything; then they take turns, so that the model and its checkpoint are of one run.
    @Test func twoTrainsOnOneOutputTakeTurns() throws {
        let dir = try TemporaryFolder()
        var runs: [(process: Process, log: String)] = []
        // Runs lock the checkpoint, then the model (their paths' order); both are released after the closure.
        try withExtendedLifetime(try ["model.checkpoint.h5", "model.h5"].map { try FileLock(locking: dir.path + "/" + $0) }) {
            for seed in ["1", "2"] {
                let log = dir.path + "/train\(seed).log"
                #expect(FileManager.default.createFile(atPath: log, contents: nil))
                let process = try likenessProcess(["train", sample, "--epochs", "2", "-P", "4", "-K", "4", "--seed", seed,
                                                   "--threads", "1", "-o", "model.h5"], in: dir.path)
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle(forWritingAtPath: log)
                try process.run()
                runs.append((process, log))
            }
            func logs() throws -> [String] {
                try runs.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0.log)), as: UTF8.self) }
            }
            let deadline = Date().addingTimeInterval(120)
            while try logs().filter({ $0.contains("train: waiting for the lock on model.checkpoint.h5, held by another likeness train") }).count < 2
                    && Date() < deadline { usleep(10_000) }
            for log in try logs() {
                #expect(log.contains("train: waiting for the lock on model.checkpoint.h5, held by another likeness train (model.checkpoint.h5.lock)"),
                        "\(log)")
                #expect(!log.contains("loading"), "read the data before taking the lock: \(log)")
            }
        }
        for (process, log) in runs {
            process.waitUntilExit()
            let printed = String(decoding: try Data(contentsOf: URL(fileURLWithPath: log)), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(printed)")
        }
        let model = try #require(try ModelArchive.load(dir.path + "/model.h5").training)
        let checkpoint = try #require(try ModelArchive.load(dir.path + "/model.checkpoint.h5").training)
        #expect(model.command == checkpoint.command)
    }

    /// A missing output folder and an image size the backbone cannot take are refused before
    /// anything is loaded, trained or embedded.
    @Test func outputsAndSizesAreCheckedFirst() throws {
        let dir = try prepare()
        let refusals: [([String], String)] = [
            (["train", sample, "-o", "missing/model.h5"], "Error: --output missing/model.h5: the folder missing does not exist; create it first."),
            (["train", sample, "-o", "model2.h5", "--checkpoint", "missing/c.h5"], "Error: --checkpoint missing/c.h5: the folder missing does not exist"),
            (["train", sample, "--image-size", "4096", "-o", "model2.h5"],
             "Error: --image-size 4096x4096 does not fit the reference backbone: expected at most 67108864 weights in a layer"),
            (["embed", "--model", "model.h5", "--dataset", sample, "-o", "missing/store.h5"], "Error: --output missing/store.h5: the folder missing does not exist"),
            (["query", "--store", "store.h5", "--queries", "store.h5", "-o", "missing/n.csv"], "Error: --output missing/n.csv: the folder missing"),
            (["enroll", "--model", "model.h5", "--gallery", "missing/g.h5", "--dataset", sample], "Error: --gallery missing/g.h5: the folder missing does not exist"),
            (["data", "export", sample, "-o", "model.h5/images.h5"], "Error: --output model.h5/images.h5: model.h5 is not a folder."),
        ]
        for (arguments, message) in refusals {
            let run = try runLikenessToEnd(arguments, in: dir.path)
            #expect(run.status == 64, "\(arguments): exit \(run.status): \(run.err)")
            #expect(run.err.contains(message), "\(arguments): \(run.err)")
            #expect(!run.err.contains("loading") && !run.err.contains("embedding:"), "\(arguments): worked first: \(run.err)")
        }
    }

    /// A store whose row 3 holds NaN: appending to it and searching it are refused, naming the
    /// file, the row and the column; the store is left as it was.
    @Test func aStoreHoldingNaNIsRefusedByName() throws {
        let dir = try prepare()
        let store = dir.path + "/store.h5"
        let file = try HDF5File(openingAt: store, mode: .readWrite)
        try file.dataset(at: "/embeddings").write([Float](repeating: .nan, count: 16), startingAtRow: 3)
        try file.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let image = repositoryRoot + "/Datasets/sample/image-folder/5-Sandal/00008.png"
        for arguments in [["embed", "--model", "model.h5", "--append", "-o", "store.h5", image],
                          ["query", "--store", "store.h5", "--model", "model.h5", image],
                          ["query", "--store", "store.h5", "--queries", "store.h5"]] {
            let run = try runLikenessToEnd(arguments, in: dir.path)
            #expect(run.status == 1, "\(arguments): exit \(run.status): \(run.err)")
            #expect(run.err.contains("store.h5") && run.err.contains("/embeddings") && run.err.contains("nan in row 3, column 0")
                    && run.err.contains("finite values"), "\(arguments): \(run.err)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
    }

    /// A negative count says what is wrong with it (not ArgumentParser's "Missing value"), and
    /// refusals for want of classes mention --exclude-classes only when it was given.
    @Test func messagesSayWhatIsWrong() throws {
        let dir = try TemporaryFolder()
        // Files for the arguments that must exist: the counts are checked before they are read.
        for name in ["m.h5", "x.png"] { #expect(FileManager.default.createFile(atPath: dir.path + "/" + name, contents: Data())) }
        for (arguments, message) in [(["train", sample, "--epochs", "-3", "-o", "m.h5"], "Error: --epochs must be at least 1, not -3."),
                                     (["train", sample, "-K", "-2", "-o", "m.h5"], "Error: --images-per-class must be at least 2, not -2."),
                                     (["train", sample, "--batch-size", "-1", "-o", "m.h5"], "Error: --batch-size must be at least 1, not -1."),
                                     (["query", "--store", "s.h5", "--queries", "s.h5", "-k", "-5"], "Error: -k must be at least 1, not -5."),
                                     (["predict", "--model", "m.h5", "-k", "-1", "x.png"], "Error: -k/--top must be at least 1, not -1."),
                                     (["embed", "--model", "m.h5", "--threads", "-2", "-o", "s.h5", "x.png"], "Error: --threads must be at least 1, got -2.")] {
            let run = try runLikenessToEnd(arguments, in: dir.path)
            #expect(run.status == 64 && run.err.contains(message) && !run.err.contains("Missing value"), "\(arguments): \(run.err)")
        }
        // Class a has 6 images, b and c one each: b and c are left out, and a alone cannot make triplets.
        let labels = [0, 0, 0, 0, 0, 0, 1, 2]
        var rng = SeededGenerator(seed: 1)
        try Dataset(pixels: (0..<(labels.count * 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, labels: labels,
                    classNames: ["a", "b", "c"], ids: labels.indices.map { "image\($0)" }, height: 8, width: 8, channels: 1)
            .writeHDF5(to: dir.path + "/set.h5")
        let run = try runLikenessToEnd(["train", "set.h5", "--epochs", "1", "-o", "m.h5"], in: dir.path)
        #expect(run.status == 1 && run.err.contains("Error: Triplet training needs training images of at least 2 classes, and 1 class has them.")
                && !run.err.contains("--exclude-classes"), "\(run.err)")
    }
}
