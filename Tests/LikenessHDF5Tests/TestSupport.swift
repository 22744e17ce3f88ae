import Foundation
import LikenessHDF5

/// A fresh folder under the system's temporary folder, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("likeness-hdf5-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// The names of the entries in the folder, hidden ones included, sorted.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

/// The path of a file in this target's Fixtures folder.
func fixturePath(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw FixtureMissing(name: name)
    }
    return url.path
}

struct FixtureMissing: Error { let name: String }

/// What a finished process printed, and its exit status.
struct ProcessResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs `executable` (looked up on PATH) with `arguments` and waits for it.
func runProcess(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read before waiting, so that a full pipe cannot block the child.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self))
}

/// Whether `python3` on PATH can import h5py (CI installs it; without it the h5py test is skipped).
let pythonHasH5py: Bool = (try? runProcess("python3", ["-c", "import h5py"]).status) == 0

/// Whether HDF5's `h5dump` tool is on PATH (Debian's hdf5-tools, installed by Scripts/setup.sh).
let h5dumpIsInstalled: Bool = (try? runProcess("h5dump", ["--version"]).status) == 0
