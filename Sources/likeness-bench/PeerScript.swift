import Foundation

/// A peer benchmark of Benchmarks/peers/ run once with a given Python, and the one figure read
/// from the JSON lines it prints.
struct PeerScript {
    let python: String
    /// The script's file name in Benchmarks/peers/.
    let name: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var path: String {
        // The package root: three levels above this source file.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/peers").appendingPathComponent(name).path
    }

    /// Runs the script with `arguments` and returns the value of its figure `figure`.
    func figure(_ figure: String, arguments: [String]) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(python) \(path) exited with status \(process.terminationStatus)")
        }
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
               object["name"] as? String == figure, let value = object["value"] as? Double {
                return value
            }
        }
        throw Failure(description: "\(path) printed no \(figure) figure")
    }
}
