import Foundation
import LikenessFiles

/// Progress of a long task on standard error: a bar with rate and ETA when standard error is a
/// terminal, a plain line every few seconds otherwise (logs, CI), and the final state once.
/// Results never go here.
public final class ProgressBar {
    public let label: String
    public let total: Int
    public let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let output: FileHandle
    private let interactive: Bool
    private let plainInterval: TimeInterval
    private let run: RunStage?
    private var done = 0
    private var note = ""
    private var finished = false

    /// The whole run a bar is one stage of (an epoch of several): the bar shows the run's ETA
    /// beside its own, `elapsed · (s − p) / p` for `p` stages done (this one's fraction
    /// included) of `s`, `elapsed` the time since `start`.
    public struct RunStage: Sendable {
        /// When the run started (in this process: a resumed run, when it resumed).
        public var start: Date
        /// The stages done since `start`.
        public var done: Int
        /// The stages left, this one included.
        public var remaining: Int

        public init(start: Date, done: Int, remaining: Int) {
            precondition(done >= 0 && remaining >= 1, "\(done) stages done, \(remaining) left")
            self.start = start
            self.done = done
            self.remaining = remaining
        }

        /// The seconds left in the run when this stage is `fraction` done, nil before any progress.
        func secondsLeft(stageFraction fraction: Double, now: Date) -> Double? {
            let progress = Double(done) + fraction
            guard progress > 0 else { return nil }
            return now.timeIntervalSince(start) * (Double(done + remaining) - progress) / progress
        }
    }

    /// - Parameters:
    ///   - total: the number of units of work (images, batches).
    ///   - plainInterval: seconds between plain lines when `output` is not a terminal.
    ///   - run: the run this bar is a stage of, for the run's ETA.
    ///   - output: where the bar is drawn (standard error).
    public init(_ label: String, total: Int, unit: String = "items", plainInterval: TimeInterval = 5,
                run: RunStage? = nil, output: FileHandle = .standardError) {
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self.plainInterval = plainInterval
        self.run = run
        self.output = output
        interactive = isatty(output.fileDescriptor) == 1
    }

    /// Records `count` more units done and a short note (the running loss, say). Without a
    /// terminal, the last unit draws nothing: `finish` draws the final line.
    public func advance(by count: Int = 1, note: String = "") {
        done = min(done + count, total)
        self.note = note
        let now = Date()
        guard interactive || done < total else { return }
        if now.timeIntervalSince(lastDraw) >= (interactive ? 0.1 : plainInterval) {
            lastDraw = now
            draw(final: false)
        }
    }

    /// Draws the final state and ends the line, once.
    public func finish(note: String? = nil) {
        guard !finished else { return }
        finished = true
        if let note { self.note = note }
        draw(final: true)
    }

    private func draw(final: Bool) {
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let fraction = Double(done) / Double(total)
        var stats = "\(done)/\(total) \(unit) · \(Self.format(rate)) \(unit)/s · \(final ? "took \(Self.clock(elapsed))" : "ETA \(Self.clock(eta))")"
        if let run, !(final && run.remaining == 1), let left = run.secondsLeft(stageFraction: fraction, now: now) {
            stats += " · run ETA \(Self.clock(left))"
        }
        let suffix = note.isEmpty ? "" : " · \(note)"
        if interactive {
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            output.write(Data("\r\u{1B}[2K\(label) \(bar) \(stats)\(suffix)\(final ? "\n" : "")".utf8))
        } else {
            output.write(Data("\(label): \(Int(fraction * 100))% \(stats)\(suffix)\n".utf8))
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

/// A line of diagnostics on standard error, its control characters but line breaks and tabs
/// made visible (`Markup.terminal`): a class or file name cannot drive the terminal.
public func printDiagnostic(_ message: String) {
    FileHandle.standardError.write(Data((Markup.terminal(message) + "\n").utf8))
}
