import Foundation

/// A peer benchmark of Benchmarks/peers/, run with a given Python, and the figures it prints as
/// JSON lines on stdout.
struct PeerScript {
    let python: String
    /// The script's file name in Benchmarks/peers/.
    let name: String

    /// The exit status of a script whose packages are missing (automake's "skipped").
    static let skippedStatus: Int32 = 77

    /// The script cannot run with this Python: a package is missing (its note says which).
    struct Skipped: Error, CustomStringConvertible {
        let description: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var path: String {
        // The package root: three levels above this source file.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/peers").appendingPathComponent(name).path
    }

    /// Runs the script with `arguments`; returns its figures by name.
    func run(_ arguments: [String]) throws -> [String: [String: Any]] {
        // stderr goes to a file: read through a second pipe it could fill up while stdout is read.
        let errorLog = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-bench-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: errorLog.path, contents: nil) else {
            throw Failure(description: "cannot create \(errorLog.path) for the stderr of \(name)")
        }
        defer { try? FileManager.default.removeItem(at: errorLog) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
        let lastLines = errors.split(separator: "\n").suffix(5).joined(separator: "\n")
        if process.terminationStatus == Self.skippedStatus { throw Skipped(description: lastLines) }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(python) \(path) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus):\n\(lastLines)")
        }
        var figures: [String: [String: Any]] = [:]
        for line in String(decoding: output, as: UTF8.self).split(separator: "\n") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let name = object["name"] as? String {
                figures[name] = object
            }
        }
        return figures
    }
}

/// One figure a peer printed.
struct PeerFigure {
    var value: Double
    /// Who measured it, with the version: "PyTorch 2.15.0".
    var title: String
    /// The peer's fields that say what it ran (versions, data, mining), for the figure's details.
    var details: [String: Any]

    /// Fields of a peer's line that every figure of ours has already.
    static let commonKeys = Set(FigureStamp.keys + ["runs"])
}

/// A peer benchmark run once after each run of ours: the script, its arguments and the figure it gives.
struct Peer {
    /// "PyTorch", "FAISS": the peer's name in progress lines and ratios.
    let title: String
    /// The field of the peer's line that holds its version ("torch", "faiss").
    let versionField: String
    let script: PeerScript
    let arguments: [String]
    let figure: String

    /// The peer's figure from one run of its script.
    func run() throws -> PeerFigure {
        try Self.read(figure, from: script.run(arguments), title: title, versionField: versionField, script: script.name)
    }

    static func read(_ figure: String, from figures: [String: [String: Any]], title: String, versionField: String, script: String) throws -> PeerFigure {
        guard let object = figures[figure], let value = object["value"] as? Double else {
            throw PeerScript.Failure(description: "\(script) printed no \(figure) figure")
        }
        let version = (object[versionField] as? String).map { " \($0)" } ?? ""
        return PeerFigure(value: value, title: title + version, details: object.filter { !PeerFigure.commonKeys.contains($0.key) })
    }
}
