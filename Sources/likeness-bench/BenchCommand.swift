import ArgumentParser
import Foundation
import Likeness

/// Speed figures of PROTOCOL.md's reference network, one JSON object per line on stdout.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likeness-bench",
        abstract: "Measure Likeness's speed on the protocol's reference network (JSON lines on stdout).",
        discussion: """
        Measures: gemm (GFLOP/s of the matrix products the network really calls), train (training \
        images/s, softmax head, Adam), infer (inference images/s), memory (peak resident memory). \
        Run on the release build: swift run -c release likeness-bench gemm train infer memory
        """
    )

    @Argument(help: "What to measure: \(Measure.allCases.map(\.rawValue).joined(separator: ", ")).")
    var measures: [Measure] = Measure.allCases

    @Option(help: "Threads for every kernel.")
    var threads = 2

    @Option(help: "Images per batch.")
    var batch = 128

    @Option(help: "Training or inference steps per timed run.")
    var steps = 30

    @Option(help: "Timed runs per figure; the median is reported.")
    var repeats = 5

    @Option(help: "A Python with torch installed: runs Benchmarks/peers/pytorch_train.py with the same settings, interleaved with Likeness's runs, and reports the ratio.")
    var pytorch: String?

    @Option(help: "A Python with faiss-cpu installed: runs Benchmarks/peers/faiss_query.py (exact IndexFlatL2) on the same data shape and threads, interleaved with Likeness's runs, and reports the ratio.")
    var faiss: String?

    func validate() throws {
        for (name, value) in [("threads", threads), ("batch", batch), ("steps", steps), ("repeats", repeats)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1, got \(value).")
        }
        if let pytorch, !FileManager.default.isExecutableFile(atPath: pytorch) {
            throw ValidationError("--pytorch \(pytorch): not an executable file.")
        }
        if let faiss, !FileManager.default.isExecutableFile(atPath: faiss) {
            throw ValidationError("--faiss \(faiss): not an executable file.")
        }
    }

    func run() throws {
        Parallel.threadCount = threads
        let settings = BenchmarkSettings(threads: threads, batch: batch, steps: steps, repeats: repeats)
        let out = FigureWriter(settings: settings)
        for measure in measures {
            switch measure {
            case .gemm: try GEMMBenchmark(settings: settings).run(out)
            case .train: try TrainingBenchmark(settings: settings, pytorch: pytorch).run(out)
            case .infer: try InferenceBenchmark(settings: settings).run(out)
            case .query: try QueryBenchmark(settings: settings, faiss: faiss).run(out)
            case .memory: try out.write("peak_memory_mib", PeakMemory.residentMiB, unit: "MiB")
            }
        }
    }
}

enum Measure: String, CaseIterable, ExpressibleByArgument {
    case gemm, train, infer, query, memory
}

struct BenchmarkSettings {
    let threads: Int, batch: Int, steps: Int, repeats: Int
}
