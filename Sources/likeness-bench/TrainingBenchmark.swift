import Foundation
import Likeness

/// The reference network with its softmax head on batches of Fashion-MNIST (random images when
/// the dataset is missing: the speed is the same).
struct ReferenceWorkload {
    let model: Sequential
    let batches: [(images: Tensor, labels: [Int])]

    init(batch: Int, count: Int = 8) throws {
        model = Network.make(backbone: .reference, head: .softmax(classCount: 10), channels: 1, height: 28, width: 28, seed: 1)
        var rng = SeededGenerator(seed: 3)
        if FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory) {
            let data = try FashionMNIST.load(split: .train)
            batches = (0..<count).map { i in
                let idx = Array((i * batch)..<((i + 1) * batch)).map { $0 % data.count }
                return (data.batch(idx), data.labels(idx))
            }
        } else {
            batches = (0..<count).map { _ in
                (Tensor.randomUniform(shape: [batch, 1, 28, 28], using: &rng), (0..<batch).map { _ in Int(rng.next() % 10) })
            }
        }
    }
}

/// Training images/s: forward, cross-entropy, backward and an Adam step per batch.
struct TrainingBenchmark {
    let settings: BenchmarkSettings
    let pytorch: String?

    func run(_ out: FigureWriter) throws {
        let work = try ReferenceWorkload(batch: settings.batch)
        let step = ClassifierStep(model: work.model,
                                  optimizer: Adam(parameters: work.model.parameters.map(\.parameter), learningRate: 1e-3),
                                  loss: SoftmaxCrossEntropy())
        for b in work.batches.prefix(3) { try step(images: b.images, labels: b.labels) }

        var ours: [Double] = [], theirs: [Double] = [], ratios: [Double] = []
        for _ in 0..<settings.repeats {
            let t = try seconds {
                for i in 0..<settings.steps {
                    let b = work.batches[i % work.batches.count]
                    try step(images: b.images, labels: b.labels)
                }
            }
            ours.append(Double(settings.steps * settings.batch) / t)
            if let pytorch {
                // Interleaved with ours, so both see the same load on a shared machine.
                let peer = try PyTorchPeer(python: pytorch, settings: settings).trainImagesPerSecond()
                theirs.append(peer)
                ratios.append(ours.last! / peer)
            }
        }
        try out.write("train_images_per_s", median(ours), unit: "images/s", runs: ours,
                      extra: ["network": "reference", "head": "softmax", "optimizer": "adam"])
        if pytorch != nil {
            try out.write("pytorch_train_images_per_s", median(theirs), unit: "images/s", runs: theirs)
            try out.write("train_speedup_vs_pytorch", median(ratios), unit: "ratio", runs: ratios,
                          extra: ["what": "Likeness / PyTorch training images/s, each run paired with the PyTorch run after it"])
        }
    }
}

/// Inference images/s: the forward pass in inference mode.
struct InferenceBenchmark {
    let settings: BenchmarkSettings

    func run(_ out: FigureWriter) throws {
        let work = try ReferenceWorkload(batch: settings.batch)
        for b in work.batches.prefix(3) { _ = work.model.forward(b.images, training: false) }
        var runs: [Double] = []
        for _ in 0..<settings.repeats {
            let t = seconds {
                for i in 0..<settings.steps { _ = work.model.forward(work.batches[i % work.batches.count].images, training: false) }
            }
            runs.append(Double(settings.steps * settings.batch) / t)
        }
        try out.write("infer_images_per_s", median(runs), unit: "images/s", runs: runs, extra: ["network": "reference", "head": "softmax"])
    }
}

/// Runs Benchmarks/peers/pytorch_train.py with the same threads, batch and steps.
struct PyTorchPeer {
    let python: String
    let settings: BenchmarkSettings

    func trainImagesPerSecond() throws -> Double {
        try PeerScript(python: python, name: "pytorch_train.py").figure(
            "pytorch_train_images_per_s",
            arguments: ["--threads", String(settings.threads), "--batch", String(settings.batch),
                        "--steps", String(settings.steps), "--repeats", "1", "--measure", "train"])
    }
}
