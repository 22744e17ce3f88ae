import Foundation

/// Progress of a long task on standard error: a bar with rate and ETA when standard error is a
/// terminal, a plain line every few seconds otherwise (logs, CI). Results never go here.
public final class ProgressBar {
    public let label: String
    public let total: Int
    public let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let interactive: Bool
    private let plainInterval: TimeInterval
    private var done = 0
    private var note = ""

    /// - Parameters:
    ///   - total: the number of units of work (images, batches).
    ///   - plainInterval: seconds between plain lines when standard error is not a terminal.
    public init(_ label: String, total: Int, unit: String = "items", plainInterval: TimeInterval = 5) {
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self.plainInterval = plainInterval
        interactive = isatty(STDERR_FILENO) == 1
    }

    /// Records `count` more units done and a short note (the running loss, say).
    public func advance(by count: Int = 1, note: String = "") {
        done = min(done + count, total)
        self.note = note
        let now = Date()
        if now.timeIntervalSince(lastDraw) >= (interactive ? 0.1 : plainInterval) {
            lastDraw = now
            draw(final: false)
        }
    }

    /// Draws the final state and ends the line.
    public func finish(note: String? = nil) {
        if let note { self.note = note }
        draw(final: true)
    }

    private func draw(final: Bool) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let fraction = Double(done) / Double(total)
        let stats = "\(done)/\(total) \(unit) · \(Self.format(rate)) \(unit)/s · \(final ? "took \(Self.clock(elapsed))" : "ETA \(Self.clock(eta))")"
        let suffix = note.isEmpty ? "" : " · \(note)"
        if interactive {
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(label) \(bar) \(stats)\(suffix)\(final ? "\n" : "")".utf8))
        } else {
            FileHandle.standardError.write(Data("\(label): \(Int(fraction * 100))% \(stats)\(suffix)\n".utf8))
        }
    }

    static func format(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// A line of diagnostics on standard error.
public func printDiagnostic(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
