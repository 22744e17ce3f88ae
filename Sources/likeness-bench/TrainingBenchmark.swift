import Foundation
import Likeness
import LikenessCommands

/// Training images/s of the reference network, each head: forward, loss, backward and an Adam
/// step per batch, on batches made before the clock starts (the PyTorch peer's are too).
///
/// Softmax head: cross-entropy on batches of `--batch` training images. Embedding head: triplet
/// loss with `--miner`'s semi-hard mining on PK batches of 8 classes × 16 images drawn from the
/// whole training file. Random images (and PK labels) when Fashion-MNIST is missing: the speed
/// does not depend on the pixels. `--precision bf16` runs the convolutions in bfloat16
/// (`train_<head>_bf16_…`), the peer under bfloat16 autocast.
struct TrainingBenchmark {
    let speed: SpeedOptions
    let miner: MinerName
    let threads: Int
    let pytorch: String?
    let data: ProtocolData

    /// Distinct batches cycled through, so each step reads new memory as in a real epoch.
    static let batchPool = 8
    static let classesPerBatch = 8, imagesPerClass = 16

    func run(_ out: FigureOutput) throws {
        let train = ProtocolData.isInstalled ? try data.train() : nil
        let source = train == nil ? "random" : "fashion-mnist"

        let softmax = Network.make(backbone: .reference, head: .softmax(classCount: 10), channels: 1, height: 28, width: 28, seed: 1)
        softmax.setPrecision(speed.precision)
        let softmaxStep = ClassifierStep(model: softmax, optimizer: Adam(parameters: softmax.parameters.map(\.parameter), learningRate: 1e-3),
                                         loss: SoftmaxCrossEntropy())
        let plain = (0..<Self.batchPool).map { i in
            let indices = Array((i * speed.batch)..<((i + 1) * speed.batch))
            return Self.batch(indices, of: train)
        }
        try measure(out, head: "softmax", batches: plain, details: ["batch": speed.batch, "data": source]) { try softmaxStep(images: $0, labels: $1) }
        if speed.profile {
            let crossEntropy = SoftmaxCrossEntropy()
            try write(out, TrainingProfile(head: "softmax", model: softmax, optimizer: softmaxStep.optimizer, batches: plain, steps: speed.steps) {
                crossEntropy.lossAndGradient(logits: $0, labels: $1).gradient
            })
        }

        let embedding = Network.make(backbone: .reference, head: .embedding(dimension: 64), channels: 1, height: 28, width: 28, seed: 1)
        embedding.setPrecision(speed.precision)
        let embeddingStep = EmbeddingStep(model: embedding, optimizer: Adam(parameters: embedding.parameters.map(\.parameter), learningRate: 1e-3),
                                          loss: miner.loss)
        let sampler = PKBatchSampler(labels: train?.labels ?? (0..<60_000).map { $0 % 10 }, classesPerBatch: Self.classesPerBatch,
                                     imagesPerClass: Self.imagesPerClass, seed: 3)
        let pk = sampler.batches(epoch: 0).prefix(Self.batchPool).map { Self.batch($0, of: train) }
        try measure(out, head: "embedding", batches: pk,
                    details: ["batch": Self.classesPerBatch * Self.imagesPerClass, "classes_per_batch": Self.classesPerBatch,
                              "images_per_class": Self.imagesPerClass, "miner": miner.rawValue, "margin": 0.2, "data": source],
                    peerArguments: ["--miner", miner.rawValue, "-P", "\(Self.classesPerBatch)", "-K", "\(Self.imagesPerClass)"]) {
            try embeddingStep(images: $0, labels: $1)
        }
        if speed.profile {
            let loss = miner.loss
            try write(out, TrainingProfile(head: "embedding", model: embedding, optimizer: embeddingStep.optimizer, batches: pk, steps: speed.steps) {
                loss.lossAndGradient(embeddings: $0, labels: $1).gradient
            })
        }
    }

    /// Prints `profile`'s table on stderr and writes `train_<head>_matrix_gflops`: the convolutions'
    /// and dense layers' GFLOP/s over both passes, each part in its details.
    func write(_ out: FigureOutput, _ profile: TrainingProfile) throws {
        printDiagnostic(profile.table)
        let multiplying = profile.parts.filter { $0.flops != nil }
        let step = profile.parts.map(\.seconds).reduce(0, +)
        let parts = profile.parts.map { part in
            "\(part.name) \(part.pass): \(String(format: "%.3f ms", part.seconds * 1000))"
                + (part.flops.map { String(format: ", %.1f GFLOP/s", $0 / part.seconds / 1e9) } ?? "")
        }
        try out.write(Figure(name: "train_\(profile.head)\(suffix)_matrix_gflops",
                             value: multiplying.compactMap(\.flops).reduce(0, +) / multiplying.map(\.seconds).reduce(0, +) / 1e9,
                             unit: .gflops, details: ["step_ms": step * 1000, "steps": speed.steps, "parts": parts, "precision": speed.precision.rawValue]))
    }

    /// The images at `indices` of `dataset`, or without it random images labelled `index mod 10`.
    static func batch(_ indices: [Int], of dataset: Dataset?) -> (images: Tensor, labels: [Int]) {
        if let dataset {
            let wrapped = indices.map { $0 % dataset.count }
            return (dataset.batch(wrapped), dataset.labels(wrapped))
        }
        var rng = SeededGenerator(seed: UInt64(indices.first ?? 0))
        return (Tensor.randomUniform(shape: [indices.count, 1, 28, 28], using: &rng), indices.map { $0 % 10 })
    }

    /// Runs `step` over `batches` and writes `train_<head>_images_per_s`, with PyTorch's and the ratio.
    func measure(_ out: FigureOutput, head: String, batches: [(images: Tensor, labels: [Int])], details: [String: Any],
                 peerArguments: [String] = [], step: (Tensor, [Int]) throws -> Void) throws {
        for b in batches.prefix(3) { try step(b.images, b.labels) }  // warm-up
        let images = batches.map(\.labels.count)
        let peer = pytorch.map {
            Peer(title: "PyTorch", versionField: "torch", script: PeerScript(python: $0, name: "pytorch_train.py"),
                 arguments: ["--head", head, "--threads", "\(threads)", "--batch", "\(speed.batch)", "--steps", "\(speed.steps)", "--repeats", "1",
                             "--precision", speed.precision.rawValue] + peerArguments,
                 figure: "pytorch_train_\(head)\(suffix)_images_per_s")
        }
        let runs = try PairedRuns.measure("train \(head)", count: speed.runs, unit: .imagesPerSecond, ours: {
            var seen = 0
            let t = try seconds {
                for i in 0..<speed.steps {
                    let b = batches[i % batches.count]
                    try step(b.images, b.labels)
                    seen += images[i % batches.count]
                }
            }
            return Double(seen) / t
        }, peer: peer)
        try out.write(runs, base: "train_\(head)\(suffix)", unit: .imagesPerSecond, peerName: "pytorch",
                      details: details.merging(["network": "reference", "head": head, "optimizer": "adam", "steps": speed.steps,
                                                "precision": speed.precision.rawValue]) { $1 })
    }

    /// `_bf16` in the figures' names for a bfloat16 run, nothing for float32.
    private var suffix: String { speed.precision == .float32 ? "" : "_" + speed.precision.rawValue }
}
