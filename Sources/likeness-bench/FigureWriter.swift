import Foundation

/// Prints one figure per line: `{"name", "value", "unit", "runs", "threads", "batch", "machine", "date", …}`.
struct FigureWriter {
    let settings: BenchmarkSettings

    func write(_ name: String, _ value: Double, unit: String, runs: [Double]? = nil, extra: [String: Any] = [:]) throws {
        var object: [String: Any] = [
            "name": name, "value": Self.round(value), "unit": unit,
            "threads": settings.threads, "batch": settings.batch,
            "machine": Machine.description, "date": ISO8601DateFormatter().string(from: Date()),
        ]
        if let runs { object["runs"] = runs.map(Self.round) }
        object.merge(extra) { $1 }
        // Sorted keys with the name first keep the lines easy to read and to diff.
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var line = String(decoding: data, as: UTF8.self)
        line = "{\"name\":\"\(name)\"," + line.dropFirst().replacingOccurrences(of: "\"name\":\"\(name)\",", with: "")
        print(line)
        FileHandle.standardOutput.synchronizeFile()
    }

    static func round(_ x: Double) -> Double { (x * 10).rounded() / 10 }
}

/// The median of the runs: the figure every measure reports.
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Seconds taken by `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

enum Machine {
    /// The processor's name and the number of processors, from /proc/cpuinfo.
    static let description: String = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown processor"
        let flags = info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
        let isa = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2" : "SSE"
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) processors, \(isa)"
    }()
}

enum PeakMemory {
    /// The process's peak resident set size so far.
    static var residentMiB: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
