import Foundation
import Testing

/// Runs `likeness` with `arguments` in `folder` to its end and returns what it printed;
/// records an issue unless it fails exactly when `expectFailure`.
@discardableResult
func runLikeness(_ arguments: [String], in folder: String, expectFailure: Bool = false,
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> (out: String, err: String) {
    let run = try runLikenessToEnd(arguments, in: folder)
    #expect((run.status != 0) == expectFailure,
            "likeness \(arguments.joined(separator: " ")) exited with \(run.status): \(run.err)",
            sourceLocation: sourceLocation)
    return (run.out, run.err)
}

/// Runs `likeness` with `arguments` in `folder` to its end: its exit status and what it printed.
func runLikenessToEnd(_ arguments: [String], in folder: String) throws -> (status: Int32, out: String, err: String) {
    let out = Pipe(), err = Pipe()
    let process = try likenessProcess(arguments, in: folder)
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, stdout, stderr)
}

/// A `likeness` process with `arguments` in `folder`, not started yet.
func likenessProcess(_ arguments: [String], in folder: String) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try CommandLine.executable("likeness", CommandLine.likeness))
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    var environment = ProcessInfo.processInfo.environment
    environment["HDF5_USE_FILE_LOCKING"] = "FALSE"
    process.environment = environment
    return process
}

extension CommandLine {
    /// The `likeness` executable built beside this test bundle, if there is one.
    static let likeness = builtExecutable("likeness")

    /// The `likeness-bench` executable built beside this test bundle, if there is one.
    static let likenessBench = builtExecutable("likeness-bench")

    /// Whether a missing executable fails the suites that spawn it instead of skipping them: in
    /// CI (`CI` set) and in Scripts/test.sh (`LIKENESS_REQUIRE_BINARY=1`).
    static let executablesRequired: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["CI"] != nil || environment["LIKENESS_REQUIRE_BINARY"] == "1"
    }()

    /// Whether the suites that spawn `executable` run: when it is built, or (to fail) when it is required.
    static func runsSuites(of executable: String?) -> Bool {
        executable != nil || executablesRequired
    }

    /// The path of `name`, found at `path`; an error, which fails the test, when it was not built.
    static func executable(_ name: String, _ path: String?) throws -> String {
        guard let path else { throw MissingExecutable(name: name) }
        return path
    }

    private static func builtExecutable(_ name: String) -> String? {
        let folder = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent()
        let candidates = [folder, folder.deletingLastPathComponent()].map { $0.appendingPathComponent(name).path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A test needs an executable that was not built (and CI or LIKENESS_REQUIRE_BINARY=1 says it must be).
struct MissingExecutable: Error, CustomStringConvertible {
    var name: String

    var description: String { "the \(name) executable is not built beside the test bundle (swift build -c release --build-tests)" }
}

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Whether the tests that run `python3` with `module` run: when it imports `module`, or (to fail)
/// in CI (`CI` set), where a missing module is a broken setup, not a reason to skip.
func pythonTestsRun(needing module: String) -> Bool {
    pythonImports(module) || ProcessInfo.processInfo.environment["CI"] != nil
}

/// Whether `python3` can import `module`.
func pythonImports(_ module: String) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import \(module)"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
