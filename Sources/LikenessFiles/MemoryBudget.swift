#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory this process may still take: the smallest of the room left under its
/// address-space limit (`RLIMIT_AS` less the process's `VmSize`), under its cgroup's limit
/// (`memory.max` less `memory.current` for cgroup v2, `memory.limit_in_bytes` less
/// `memory.usage_in_bytes` for v1) and the system's available memory (`MemAvailable` of
/// `/proc/meminfo`), each where the system has it.
///
/// Large work checks its estimate against it before it starts, so that a request the machine
/// cannot hold is refused with both figures instead of being killed part-way (by the kernel's
/// OOM killer, or by a failed allocation, which Swift answers with a trap).
public struct MemoryBudget: Sendable, Equatable {
    /// What bounds the budget.
    public enum Bound: String, Sendable {
        case addressSpaceLimit = "the address-space limit"
        case cgroupLimit = "the cgroup's memory limit"
        case availableMemory = "the memory available"
    }

    /// The bytes the process may still take.
    public let bytes: Int
    /// What sets `bytes`: the smallest of the bounds.
    public let bound: Bound

    public init(bytes: Int, bound: Bound) {
        self.bytes = bytes
        self.bound = bound
    }

    /// This process's budget now, nil where the system states no bound (no limit, no cgroup
    /// limit, no `/proc/meminfo`).
    public static func current() -> MemoryBudget? {
        var bounds: [MemoryBudget] = []
        var limit = rlimit()
        // RLIM_INFINITY is all ones (Linux) or 2⁶³ − 1 (Darwin): clamped, Int.max either way.
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, clamped(limit.rlim_cur) < Int.max {
            let used = procValue(file: "/proc/self/status", key: "VmSize:") ?? 0
            bounds.append(MemoryBudget(bytes: max(0, clamped(limit.rlim_cur) - used), bound: .addressSpaceLimit))
        }
        if let cgroup = cgroupRoom() { bounds.append(MemoryBudget(bytes: cgroup, bound: .cgroupLimit)) }
        if let available = procValue(file: "/proc/meminfo", key: "MemAvailable:") {
            bounds.append(MemoryBudget(bytes: available, bound: .availableMemory))
        }
        return bounds.min { $0.bytes < $1.bytes }
    }

    /// Throws unless `estimate` bytes, the memory `work` needs, fit in this budget.
    ///
    /// - Throws: `MemoryBudgetError` with both figures.
    public func require(_ estimate: Int, for work: String) throws(MemoryBudgetError) {
        guard estimate <= bytes else { throw MemoryBudgetError(work: work, needed: estimate, budget: self) }
    }

    /// Throws unless `estimate` bytes fit in `current()` (nothing to check where it is nil);
    /// `Int.max` stands for an estimate past `Int` (`checkedProduct(_:) ?? .max`).
    public static func require(_ estimate: Int, for work: String) throws(MemoryBudgetError) {
        try current()?.require(estimate, for: work)
    }

    /// The room under the cgroup's limit, v2 then v1; nil when there is no limit or no cgroup file.
    private static func cgroupRoom() -> Int? {
        for (limitFile, usageFile) in [("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                       ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes")] {
            guard let text = firstLine(of: limitFile) else { continue }
            // "max" (v2) or a huge page-rounded number (v1) means no limit.
            guard let limit = Int(text), limit < Int.max / 2 else { return nil }
            let usage = firstLine(of: usageFile).flatMap { Int($0) } ?? 0
            return max(0, limit - usage)
        }
        return nil
    }

    /// The value in bytes of a `KEY: N kB` line of a `/proc` file.
    private static func procValue(file: String, key: String) -> Int? {
        guard let text = contents(of: file) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.dropFirst(key.count).split(separator: " ")
            guard let value = fields.first.flatMap({ Int($0) }) else { return nil }
            return fields.dropFirst().first == "kB" ? value * 1024 : value
        }
        return nil
    }

    private static func firstLine(of file: String) -> String? {
        contents(of: file)?.split(separator: "\n").first.map(String.init)
    }

    /// A small text file's contents, nil when it cannot be read.
    private static func contents(of file: String) -> String? {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func clamped(_ value: rlim_t) -> Int { value > rlim_t(Int.max) ? Int.max : Int(value) }
}

/// Work whose memory estimate exceeds what the process may use.
public struct MemoryBudgetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was to be done, e.g. `training on batches of 8 × 4096 images`.
    public let work: String
    /// The estimate in bytes, `Int.max` when it is past `Int`.
    public let needed: Int
    public let budget: MemoryBudget

    public var description: String {
        "\(work) needs about \(Self.bytesText(needed)), and this process may use "
            + "\(Self.bytesText(budget.bytes)) (\(budget.bound.rawValue))"
    }

    /// `38.1 GiB`, `512.0 MiB`: bytes in binary units, one decimal.
    public static func bytesText(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let tenths = (value * 10).rounded() / 10
        return "\(tenths) \(units[unit])"
    }
}
