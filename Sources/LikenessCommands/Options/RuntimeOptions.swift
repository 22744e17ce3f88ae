import ArgumentParser
import Likeness

/// Options every command that computes shares.
struct RuntimeOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Threads for every kernel, the matrix product included (default: all processors).")
    var threads: Int?

    @Option(help: "Seed for weights, shuffling, dropout and sampling; the same seed repeats a run.")
    var seed: UInt64 = 0

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1, got \(threads).")
        }
    }

    /// Puts the thread count in force.
    func apply() {
        if let threads { Parallel.threadCount = threads }
    }
}
