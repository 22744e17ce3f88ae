import ArgumentParser
import Foundation
import Likeness
import LikenessCommands

/// PROTOCOL.md's measures of Likeness, with peers run beside them, one JSON object per line on stdout.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likeness-bench",
        abstract: "Measure Likeness on PROTOCOL.md's work: one JSON line per figure on stdout, progress on stderr.",
        discussion: """
        Measures:
        \(Measure.allCases.map { "  " + $0.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n"))

        Every figure line has name, value, unit, protocol, command (to measure it again), machine, \
        date and threads (Benchmarks/README.md lists every figure). Speed figures are medians of \
        --runs runs; with a peer, each run of ours is followed by one of the peer's, and the ratio \
        is the median of the pairs' ratios. A peer whose packages are missing is skipped with a note.

        Run the release build on an idle machine, e.g.:
          likeness-bench all --pytorch PYTHON --faiss PYTHON --output figures.jsonl
          likeness-bench accuracy one-shot --epochs 1      (a quick check)
        """
    )

    @Argument(help: ArgumentHelp("What to measure.", valueName: "measure"))
    var measures: [Measure] = [.all]

    @Option(help: "Threads for every kernel, and for the peers (PROTOCOL.md: 2).")
    var threads = 2

    @OptionGroup(title: "Speed figures") var speed: SpeedOptions
    @OptionGroup(title: "Accuracy figures, and the embeddings of query") var training: TrainingOptions
    @OptionGroup(title: "One-shot recipe") var oneShot: OneShotOptions
    @OptionGroup(title: "Peers (Benchmarks/peers/)") var peers: PeerOptions
    @OptionGroup(title: "One-shot enrolment") var enrolment: OneShotEnrolmentOptions
    @OptionGroup(title: "FAISS index (index)") var index: IndexOptions
    @OptionGroup(title: "Softmax recipes (accuracy)") var accuracy: AccuracyOptions
    @OptionGroup(title: "How cost grows (scaling)") var scaling: ScalingOptions

    @Option(help: ArgumentHelp("Append every figure to this file as well.", valueName: "figures.jsonl"))
    var output: String?

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads).") }
        if oneShot.heldOut && (peers.pytorch != nil || enrolment.refineWith != nil) {
            throw ValidationError("--held-out is a validation run of Likeness's networks on validation images: drop --pytorch and --refine-with.")
        }
    }

    func run() throws {
        Parallel.threadCount = threads
        let writer = try FigureWriter(appendingTo: output)
        let data = ProtocolData(training: training)
        var done: [Measure] = []
        for measure in Measure.expand(measures) {
            printDiagnostic("likeness-bench \(measure.rawValue): \(measure.summary)")
            let out = FigureOutput(writer: writer, stamp: FigureStamp(protocolReference: measure.protocolReference,
                                                                      command: command(for: measure), threads: threads))
            switch measure {
            case .gemm: try GEMMBenchmark(speed: speed).run(out)
            case .train: try TrainingBenchmark(speed: speed, miner: training.miner, threads: threads, pytorch: peers.pytorch, data: data).run(out)
            case .embed:
                try EmbeddingBenchmark(speed: speed, threads: threads, pytorch: peers.pytorch, onnxruntime: peers.onnxruntime, data: data).run(out)
            case .queryRandom: try QueryBenchmark(runs: speed.runs, threads: threads, faiss: peers.faiss).runOnRandomVectors(out)
            case .query: try QueryBenchmark(runs: speed.runs, threads: threads, faiss: peers.faiss).runOnEmbeddings(out, data: data)
            case .index: try IndexBenchmark(options: index, runs: speed.runs, threads: threads).run(out)
            case .accuracy: try AccuracyBenchmark(data: data, threads: threads, pytorch: peers.pytorch, recipes: accuracy.recipes).run(out)
            case .oneShot: try OneShotBenchmark(data: data, options: oneShot, threads: threads, pytorch: peers.pytorch, enrolment: enrolment).run(out)
            case .scaling: try ScalingBenchmark(options: scaling, batch: speed.batch, data: data).run(out)
            case .memory:
                try out.write(Figure(name: "peak_memory_mib", value: PeakMemory.residentMiB, unit: .mebibytes,
                                     details: ["after": done.map(\.rawValue)]))
            case .all: preconditionFailure("Measure.expand replaces all")
            }
            done.append(measure)
        }
    }

    /// The command that measures `measure`'s figures again, with the settings of this run.
    func command(for measure: Measure) -> String {
        var words = ["likeness-bench", measure.rawValue, "--threads", "\(threads)"]
        let runs = ["--runs", "\(speed.runs)"]
        switch measure {
        case .gemm: words += speed.arguments
        case .train: words += speed.arguments + ["--miner", training.miner.rawValue] + peers.pytorchArguments
        case .embed: words += ["--batch", "\(speed.batch)"] + runs + peers.pytorchArguments + peers.onnxruntimeArguments
        case .queryRandom: words += runs + peers.faissArguments
        case .index: words += runs + index.arguments
        case .query: words += runs + (training.model.map { ["--model", $0] } ?? training.arguments) + peers.faissArguments
        case .accuracy: words += training.arguments + accuracy.arguments + peers.pytorchArguments
        case .oneShot: words += training.arguments + ["--draws", "\(training.draws)"] + oneShot.arguments + enrolment.arguments + peers.pytorchArguments
        case .scaling: words += ["--batch", "\(speed.batch)"] + scaling.arguments
        // The peak depends on everything run before it: the invocation itself.
        case .memory, .all: words = ["likeness-bench"] + CommandLine.arguments.dropFirst()
        }
        return words.map(\.shellQuoted).joined(separator: " ")
    }
}

/// Where a measure's figures go, stamped with the protocol and the command.
struct FigureOutput {
    let writer: FigureWriter
    let stamp: FigureStamp

    func write(_ figure: Figure) throws {
        var stamp = stamp
        stamp.date = Date()
        try writer.write(figure, stamp: stamp)
    }
}
