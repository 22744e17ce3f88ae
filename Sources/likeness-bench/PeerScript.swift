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

    /// Runs the script with `arguments`; returns its figures by name. With `showingProgress`, what
    /// the script writes on stderr (its epochs, for a run of minutes) goes on to ours as it comes.
    func run(_ arguments: [String], showingProgress: Bool = false) throws -> [String: [String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [path] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // stderr is read on a thread of its own until its end: a pipe left unread while stdout is
        // read could fill up and stop the script.
        let errorText = StderrText()
        let drained = DispatchSemaphore(value: 0)
        try process.run()
        let reader = errors.fileHandleForReading
        Thread.detachNewThread {
            while case let data = reader.availableData, !data.isEmpty {
                errorText.append(data)
                if showingProgress { FileHandle.standardError.write(data) }
            }
            drained.signal()
        }
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        drained.wait()
        let lastLines = errorText.lastLines(5)
        if process.terminationStatus == Self.skippedStatus { throw Skipped(description: lastLines) }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(python) \(path) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus):\n\(lastLines)")
        }
        var figures: [String: [String: Any]] = [:]
        for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n") {
            if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let name = object["name"] as? String {
                figures[name] = object
            }
        }
        return figures
    }

    /// What a script wrote on stderr, appended by the reading thread and read once it has ended.
    private final class StderrText: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()

        func append(_ more: Data) { lock.withLock { data.append(more) } }

        func lastLines(_ count: Int) -> String {
            lock.withLock { String(decoding: data, as: UTF8.self) }.split(separator: "\n").suffix(count).joined(separator: "\n")
        }
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
