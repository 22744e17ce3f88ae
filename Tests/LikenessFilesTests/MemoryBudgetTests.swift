import Foundation
import LikenessFiles
import Testing

/// `MemoryBudget` in this process (no address-space limit, so the cgroup's room or the memory
/// available bound it); `LimitsCommandLineTests` reads it in a child under `prlimit --as`.
@Suite("Memory budget")
struct MemoryBudgetTests {
    /// `MemAvailable` of /proc/meminfo, in bytes.
    func memAvailable() throws -> Int {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("MemAvailable:") })
        return try #require(Int(line.split(separator: " ")[1])) * 1024
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/meminfo")))
    func theBudgetIsAtMostTheAvailableMemory() throws {
        let budget = try #require(MemoryBudget.current())
        let available = try memAvailable()
        #expect(budget.bytes > 0)
        // MemAvailable moves between the two reads: allow 5%.
        #expect(Double(budget.bytes) <= Double(available) * 1.05, "\(budget) against MemAvailable \(available)")
        if budget.bound == .availableMemory { #expect(abs(Double(budget.bytes - available)) <= Double(available) * 0.05) }
    }

    @Test func workPastTheBudgetIsRefusedWithBothFigures() throws {
        let budget = MemoryBudget(bytes: 4 * 1_073_741_824 - 200 * 1_048_576, bound: .addressSpaceLimit)
        try budget.require(budget.bytes, for: "this")
        let error = try #require(throws: MemoryBudgetError.self) {
            try budget.require(40_910_000_000, for: "train: training on batches of 8 × 4096 images")
        }
        #expect(error.description == "train: training on batches of 8 × 4096 images needs about 38.1 GiB, "
                + "and this process may use 3.8 GiB (the address-space limit)")
        #expect(MemoryBudgetError.bytesText(512) == "512 bytes")
        #expect(MemoryBudgetError.bytesText(1_572_864) == "1.5 MiB")
        #expect(MemoryBudgetError.bytesText(.max) == "8.0 EiB")
    }
}
