import Foundation
import LikenessHDF5

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
