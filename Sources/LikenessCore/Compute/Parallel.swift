import Dispatch
import Synchronization

/// The number of threads every kernel of the toolkit uses, the matrix product included.
///
/// Set it once, before work starts (the CLI's `--threads`); it defaults to the number of
/// processors. Kernels split their work into at most this many parts.
public enum Parallel {
    private static let configured = Atomic<Int>(0)

    /// A thread count for the current task only (`withThreadCount`).
    @TaskLocal private static var scopedThreadCount: Int?

    /// The thread count in force: the current task's (`withThreadCount`), else the configured
    /// one, else the number of active processors.
    public static var threadCount: Int {
        get {
            if let scoped = scopedThreadCount { return scoped }
            let n = configured.load(ordering: .relaxed)
            return n > 0 ? n : ProcessInfo.activeProcessorCountCached
        }
        set {
            precondition(newValue >= 1, "thread count must be at least 1, got \(newValue)")
            configured.store(newValue, ordering: .relaxed)
        }
    }

    /// Runs `body` with `threadCount` at `count` for the current task and the work it starts,
    /// leaving the process-wide setting (and concurrent tasks, such as other tests) alone.
    public static func withThreadCount<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        precondition(count >= 1, "thread count must be at least 1, got \(count)")
        return try $scopedThreadCount.withValue(count, operation: body)
    }

    /// Runs `body(range)` over `0..<count` split into contiguous ranges, one per thread
    /// (at most `threadCount`, and none smaller than `grain` elements), and waits for all.
    ///
    /// Matrix products called inside `body` stay on their thread, so that the two levels of
    /// splitting never oversubscribe the cores.
    public static func forEachChunk(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let parts = Swift.min(threadCount, Swift.max(1, count / Swift.max(grain, 1)))
        if parts == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                GEMM.withinParallelRegion { work.value(chunk(p, of: parts, count: count)) }
            }
        }
    }

    /// Runs `body(part, range)` for each of `parts` contiguous ranges of `0..<count`.
    /// Use it when each part owns a scratch buffer indexed by `part`.
    public static func forEachPart(_ count: Int, parts requested: Int? = nil, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let parts = Swift.min(requested ?? threadCount, count)
        if parts == 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                GEMM.withinParallelRegion { work.value(p, chunk(p, of: parts, count: count)) }
            }
        }
    }

    /// The `p`-th of `parts` near-equal contiguous ranges of `0..<count`.
    @inlinable
    public static func chunk(_ p: Int, of parts: Int, count: Int) -> Range<Int> {
        let base = count / parts, extra = count % parts
        let lower = p * base + Swift.min(p, extra)
        return lower..<(lower + base + (p < extra ? 1 : 0))
    }
}

/// Carries a closure into `concurrentPerform`: each part writes disjoint memory, which is
/// what makes sharing the closure across threads sound.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

import Foundation

extension ProcessInfo {
    static let activeProcessorCountCached = ProcessInfo.processInfo.activeProcessorCount
}
