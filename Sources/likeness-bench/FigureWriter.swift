import Foundation
import Likeness

/// The unit of a figure, which also sets how many decimals it keeps.
enum FigureUnit: String {
    case imagesPerSecond = "images/s"
    case queriesPerSecond = "queries/s"
    case gflops = "GFLOP/s"
    case mebibytes = "MiB"
    case bytes
    case seconds = "s"
    /// One speed over another.
    case ratio
    /// A share in [0, 1]: recall, ROC AUC, accuracy.
    case fraction

    var decimals: Int {
        switch self {
        case .ratio: 3
        case .fraction: 4
        default: 1
        }
    }

    /// How a figure's name ends for a throughput (`train_softmax` → `train_softmax_images_per_s`).
    var nameSuffix: String {
        rawValue.replacingOccurrences(of: "/", with: "_per_").lowercased()
    }

    func rounded(_ x: Double) -> Double {
        let scale = pow(10, Double(decimals))
        return (x * scale).rounded() / scale
    }
}

/// One measured number: a JSON line of its own.
struct Figure {
    var name: String
    var value: Double
    var unit: FigureUnit
    /// Each run's value, for a figure that is the median of several.
    var runs: [Double]?
    /// Fields of this figure alone (shape of the data, peer versions, class); scalars, strings or arrays of them.
    var details: [String: Any] = [:]
}

/// What every figure of a measure carries besides its own fields.
struct FigureStamp {
    /// The PROTOCOL.md part the figure measures.
    var protocolReference: String
    /// The command that measures it again.
    var command: String
    var threads: Int
    var machine = Machine.description
    var date = Date()

    /// The keys every line has, in this order of importance; a figure's details never replace them.
    static let keys = ["name", "value", "unit", "protocol", "command", "machine", "date", "threads"]
}

/// Prints figures on standard output, one JSON object a line, and appends them to a file too when given:
///
///     {"name":…,"command":…,"date":…,"machine":…,"protocol":…,"runs":[…],"threads":2,"unit":…,"value":…, details…}
///
/// `name` comes first, the other keys are sorted; Benchmarks/README.md documents every field.
final class FigureWriter {
    private let file: FileHandle?

    /// - Parameter appendingTo: a file to append the lines to (created when missing).
    init(appendingTo path: String?) throws {
        guard let path else { file = nil; return }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw OutputError(path: path) }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw OutputError(path: path) }
        try handle.seekToEnd()
        file = handle
    }

    struct OutputError: Error, CustomStringConvertible {
        let path: String
        var description: String { "--output \(path): cannot open the file to append figures to." }
    }

    func write(_ figure: Figure, stamp: FigureStamp) throws {
        let line = try Self.line(figure, stamp: stamp) + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        try file?.write(contentsOf: Data(line.utf8))
    }

    /// The JSON line of `figure`, without its newline.
    static func line(_ figure: Figure, stamp: FigureStamp) throws -> String {
        precondition(Set(figure.details.keys).isDisjoint(with: FigureStamp.keys + ["runs"]),
                     "details of \(figure.name) replace a common key: \(figure.details.keys.sorted())")
        var object = figure.details
        object["value"] = figure.unit.rounded(figure.value)
        object["unit"] = figure.unit.rawValue
        if let runs = figure.runs { object["runs"] = runs.map(figure.unit.rounded) }
        object["protocol"] = stamp.protocolReference
        object["command"] = stamp.command
        object["machine"] = stamp.machine
        object["date"] = ISO8601DateFormatter().string(from: stamp.date)
        object["threads"] = stamp.threads
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        let name = String(decoding: try JSONSerialization.data(withJSONObject: figure.name, options: .fragmentsAllowed), as: UTF8.self)
        let rest = String(decoding: try JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
        // The name first keeps the lines easy to read and to grep; the rest sorted, easy to diff.
        return "{\"name\":\(name)," + rest.dropFirst()
    }
}

enum Machine {
    /// The processor's name, the number of processors and the widest vector instructions, from
    /// /proc/cpuinfo, and the convolution kernel oneDNN chose for this processor (the reference
    /// network's second convolution), e.g. `AMD EPYC, 2 processors, AVX2, oneDNN jit:avx2`.
    static let description = "\(processor), oneDNN \(convolutionKernel)"

    private static var convolutionKernel: String {
        var rng = SeededGenerator(seed: 0)
        let conv = Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, activation: .relu, pooling: 2, rng: &rng)
        return conv.directKernel(forInput: [8, 32, 14, 14]) ?? "none (own product)"
    }

    private static let processor: String = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown processor"
        let flags = info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let isa = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2" : "SSE"
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) processors, \(isa)"
    }()
}

/// The process's resident memory: its peak over the whole run, or since the high-water mark was
/// last set back (`resetPeak`, for the peak of one step).
enum PeakMemory {
    /// The process's peak resident set size so far, the peaks before `resetPeak` set the
    /// high-water mark back included.
    static var residentMiB: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return max(Double(usage.ru_maxrss) / 1024, peakBeforeResets)
    }

    /// The peak resident set size since the last `resetPeak` (or the start): the kernel's
    /// high-water mark, `VmHWM` in /proc/self/status (`residentMiB` where that cannot be read).
    static var residentSinceResetMiB: Double { status("VmHWM") ?? residentMiB }

    /// The resident set size now (`VmRSS`), nil where /proc/self/status cannot be read.
    static var currentMiB: Double? { status("VmRSS") }

    /// Sets the kernel's high-water mark back to the resident set size now by writing "5" to
    /// /proc/self/clear_refs (Linux 4.0 on), keeping the peak so far for `residentMiB`; false
    /// where that cannot be done or the mark cannot be read back.
    static func resetPeak() -> Bool {
        peakBeforeResets = residentMiB
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
        } catch {
            return false
        }
        return status("VmHWM") != nil
    }

    /// The peak before the last `resetPeak`, which the kernel no longer reports.
    nonisolated(unsafe) private static var peakBeforeResets = 0.0

    /// A field of /proc/self/status in MiB (`VmHWM:\t  1616 kB`), nil where it cannot be read.
    private static func status(_ field: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        let words = line.split(whereSeparator: \.isWhitespace)
        guard words.count == 3, words[2] == "kB", let kibibytes = Double(words[1]) else { return nil }
        return kibibytes / 1024
    }
}
