import ArgumentParser
import Foundation
import Likeness
import LikenessCommands

/// How the speed figures are timed.
struct SpeedOptions: ParsableArguments {
    @Option(help: "Images per batch (softmax training, embedding, GEMM shapes; the embedding head trains on P × K = 8 × 16).")
    var batch = 128

    @Option(help: "Training steps (or GEMM calls) per timed run.")
    var steps = 30

    @Option(help: "Timed runs per speed figure: the median is reported, and each run is paired with a peer run right after it.")
    var runs = 5

    @Flag(help: "train: also time each layer's forward and backward pass, the loss and the optimizer over --steps steps (a table on stderr, train_<head>_matrix_gflops on stdout).")
    var profile = false

    @Option(help: ArgumentHelp("train: the convolutions' arithmetic, f32 or bf16 (likeness train --precision; figures train_<head>_bf16_…, the PyTorch peer under bfloat16 autocast). bf16 needs AVX-512 BF16 or AMX.",
                               valueName: "precision"))
    var precision: Precision = .float32

    func validate() throws {
        for (name, value) in [("batch", batch), ("steps", steps), ("runs", runs)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1, got \(value).")
        }
        if let why = precision.whyUnavailable { throw ValidationError("--precision \(precision.rawValue) \(why).") }
    }

    var arguments: [String] {
        ["--batch", "\(batch)", "--steps", "\(steps)", "--runs", "\(runs)"] + (profile ? ["--profile"] : [])
            + (precision == .float32 ? [] : ["--precision", precision.rawValue])
    }
}

/// How the networks of the accuracy measures are trained: PROTOCOL.md's reference training.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Training epochs (PROTOCOL.md: 10; fewer for a quick check).")
    var epochs = 10

    @Option(help: "Seed of the weights, batches and dropout.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("The embedding head's mining: semi-hard-all (every negative inside the margin, as pytorch-metric-learning) or semi-hard (FaceNet's one negative per anchor-positive pair), the two the PyTorch peers know.",
                               valueName: "miner"))
    var miner: MinerName = .semiHardAll

    @Option(help: "One-shot: draws of the enrolment image.")
    var draws = 20

    @Option(help: ArgumentHelp("query: the embedding model to embed the images with (default: the one accuracy trains, trained here when accuracy does not run).",
                               valueName: "file"))
    var model: String?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
        guard draws >= 1 else { throw ValidationError("--draws must be at least 1, not \(draws).") }
        guard Self.peerMiners.contains(miner) else {
            throw ValidationError("--miner must be \(Self.peerMiners.map(\.rawValue).joined(separator: " or ")), the minings the PyTorch peers know, not \(miner.rawValue).")
        }
        if let model, !FileManager.default.fileExists(atPath: model) { throw ValidationError("--model \(model): no such file.") }
    }

    var arguments: [String] { ["--epochs", "\(epochs)", "--seed", "\(seed)", "--miner", miner.rawValue] }

    /// The minings of `--miner` that Benchmarks/peers/ implement too.
    static let peerMiners: [MinerName] = [.semiHardAll, .semiHard]
}

extension MinerName {
    /// PROTOCOL.md's triplet loss: margin 0.2 on the Euclidean distance, with this mining.
    var loss: TripletLoss {
        let margin: Float = 0.2
        return TripletLoss(margin: margin, miner: miner(margin: margin))
    }
}

/// The Pythons that run the peer benchmarks of Benchmarks/peers/.
struct PeerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A Python with torch (and optionally pytorch-metric-learning): PyTorch peers for train, embed, accuracy and one-shot.",
                               valueName: "python"))
    var pytorch: String?

    @Option(help: ArgumentHelp("A Python with faiss-cpu: the FAISS IndexFlatL2 peer for query and query-random.", valueName: "python"))
    var faiss: String?

    @Option(help: ArgumentHelp("A Python with onnxruntime: the ONNX Runtime peer for embed, running the network's ONNX export.", valueName: "python"))
    var onnxruntime: String?

    func validate() throws {
        for (name, python) in [("pytorch", pytorch), ("faiss", faiss), ("onnxruntime", onnxruntime)] {
            if let python, !FileManager.default.isExecutableFile(atPath: python) {
                throw ValidationError("--\(name) \(python): not an executable file.")
            }
        }
    }

    var pytorchArguments: [String] { pytorch.map { ["--pytorch", $0] } ?? [] }
    var faissArguments: [String] { faiss.map { ["--faiss", $0] } ?? [] }
    var onnxruntimeArguments: [String] { onnxruntime.map { ["--onnxruntime", $0] } ?? [] }
}
