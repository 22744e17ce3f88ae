import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// Every writing command under a file-size limit (`prlimit --fsize`, with SIGXFSZ ignored, so
/// a write past the limit fails with EFBIG as a full disk fails with ENOSPC): exit status 1 with
/// the cause on stderr, never a signal; the file it would replace byte-identical; no temporary
/// file left. CI tries a few limits per command; `Scripts/disk-full-sweep.sh` sets
/// `LIKENESS_DISK_FULL_SWEEP=STEPS` to try STEPS limits from 0 to each output's full size.
@Suite("likeness command line: a write that fails part-way loses nothing", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct DiskFullCommandLineTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"
    let images = repositoryRoot + "/Datasets/sample/image-folder"

    /// A writing command: its arguments, the file it writes, and whether that file is updated in
    /// place (so exists before) or created.
    struct Writer: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var output: String
        var testDescription: String { name }
    }

    /// One image of the sample folder.
    var sandal: String { images + "/5-Sandal/00008.png" }

    static let writers: [Writer] = [
        Writer(name: "train", arguments: ["train", "SAMPLE", "--epochs", "1", "-P", "4", "-K", "4", "-o", "out/trained.h5"], output: "out/trained.h5"),
        Writer(name: "embed", arguments: ["embed", "--model", "model.h5", "--dataset", "SAMPLE", "-o", "out/store.h5"], output: "out/store.h5"),
        Writer(name: "embed --append", arguments: ["embed", "--model", "model.h5", "--append", "-o", "store.h5", "SANDAL"], output: "store.h5"),
        Writer(name: "enroll", arguments: ["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "New", "SANDAL"], output: "gallery.h5"),
        Writer(name: "calibrate", arguments: ["calibrate", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", "SAMPLE"], output: "gallery.h5"),
        Writer(name: "query -o", arguments: ["query", "--store", "store.h5", "--model", "model.h5", "-o", "out/neighbours.csv", "SANDAL"], output: "out/neighbours.csv"),
        Writer(name: "classify -o", arguments: ["classify", "--model", "model.h5", "--gallery", "gallery.h5", "-o", "out/classes.csv", "SANDAL"], output: "out/classes.csv"),
        Writer(name: "data export", arguments: ["data", "export", "SAMPLE", "-o", "out/images.h5"], output: "out/images.h5"),
        Writer(name: "data split -o", arguments: ["data", "split", "SAMPLE", "-o", "out/split.json"], output: "out/split.json"),
        Writer(name: "export onnx", arguments: ["export", "onnx", "model.h5", "-o", "out/model.onnx"], output: "out/model.onnx"),
        Writer(name: "export npy", arguments: ["export", "npy", "store.h5", "out/npy"], output: "out/npy/embeddings.npy"),
        Writer(name: "index build", arguments: ["index", "build", "store.h5", "--factory", "IVF4,Flat", "-o", "out/store.faiss"],
               output: "out/store.faiss"),
        Writer(name: "compare -o", arguments: ["compare", "SAMPLE", "--softmax", "softmax.h5", "--embedding", "model.h5", "--gallery", "gallery.h5",
                                               "-o", "out/report"], output: "out/report/report.json"),
    ]

    /// A folder with an untrained model, a store and a calibrated gallery of the sample, and
    /// `out/` holding a complete output of every writer (written without a limit).
    func prepare() throws -> TemporaryFolder {
        let dir = try TemporaryFolder()
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 16), channels: 1, height: 28, width: 28)
        let classNames = try DatasetSource(parsing: sample).load(imageSize: ImageSize(height: 28, width: 28), channels: 1).dataset.classNames
        try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: classNames)
            .save(to: dir.path + "/model.h5")
        let softmax = ModelDescription(backbone: .reference, head: .softmax(classCount: classNames.count), channels: 1, height: 28, width: 28)
        try ModelArchive(network: softmax.makeNetwork(seed: 1), architecture: softmax, classNames: classNames).save(to: dir.path + "/softmax.h5")
        try FileManager.default.createDirectory(atPath: dir.path + "/out", withIntermediateDirectories: false)
        try runLikeness(["embed", "--model", "model.h5", "--dataset", sample, "-o", "store.h5"], in: dir.path)
        try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", sample], in: dir.path)
        for writer in Self.writers where writer.output.hasPrefix("out/") {
            try runLikeness(arguments(of: writer), in: dir.path)
        }
        return dir
    }

    func arguments(of writer: Writer) -> [String] {
        writer.arguments.map { $0 == "SAMPLE" ? sample : $0 == "SANDAL" ? sandal : $0 }
    }

    /// The byte limits, each short of `size` (the output's), to try: a few in CI, `steps` of them from 0
    /// to `size` when `LIKENESS_DISK_FULL_SWEEP=steps` is set.
    func limits(size: Int) -> [Int] {
        if let steps = ProcessInfo.processInfo.environment["LIKENESS_DISK_FULL_SWEEP"].flatMap(Int.init), steps > 1 {
            return (0..<steps).map { size * $0 / steps }
        }
        return Array(Set([0, 4096, size / 2, size - 1].filter { $0 < size })).sorted()
    }

    @Test(arguments: DiskFullCommandLineTests.writers)
    func aFailedWriteLeavesTheOldFileAndNoTemporary(_ writer: Writer) throws {
        let dir = try prepare()
        let output = dir.path + "/" + writer.output
        let before = try Data(contentsOf: URL(fileURLWithPath: output))
        for limit in limits(size: before.count) {
            let run = try runLimited(arguments(of: writer), fileSizeLimit: limit, in: dir.path)
            #expect(run.status == 1 && !run.signalled,
                    "\(writer.name) with a \(limit)-byte limit: exit \(run.status)\(run.signalled ? " (signal)" : ""): \(run.err)")
            #expect(run.err.contains("File too large"), "\(writer.name), limit \(limit): the cause is not named: \(run.err)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == before, "\(writer.name), limit \(limit): \(writer.output) changed")
            for folder in [dir.path, dir.path + "/out", dir.path + "/out/report", dir.path + "/out/npy"] {
                let temporaries = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") }
                #expect(temporaries.isEmpty, "\(writer.name), limit \(limit): left \(temporaries)")
            }
        }
    }

    /// Runs `likeness` under a file-size limit of `limit` bytes with SIGXFSZ ignored.
    func runLimited(_ arguments: [String], fileSizeLimit limit: Int, in folder: String) throws -> (status: Int32, signalled: Bool, err: String) {
        let likeness = try CommandLine.executable("likeness", CommandLine.likeness)
        let quoted = ([likeness] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' XFSZ; exec prlimit --fsize=\(limit) \(quoted)"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, stderr)
    }
}
