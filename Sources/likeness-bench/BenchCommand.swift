import ArgumentParser
import Foundation
import Likeness

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "likeness-bench")
    @Argument var measures: [String] = ["train"]
    @Option var threads = 2
    @Option var steps = 20
    func run() throws {
        Parallel.threadCount = threads
        let model = Network.make(backbone: .reference, head: .softmax(classCount: 10), channels: 1, height: 28, width: 28, seed: 1)
        let opt = Adam(parameters: model.parameters.map(\.parameter))
        let step = ClassifierStep(model: model, optimizer: opt, loss: SoftmaxCrossEntropy())
        var rng = SeededGenerator(seed: 3)
        let x = Tensor.randomUniform(shape: [128, 1, 28, 28], using: &rng)
        let y = (0..<128).map { $0 % 10 }
        for _ in 0..<3 { step(images: x, labels: y) }
        // per-layer profile
        var times = [String: Double]()
        for _ in 0..<10 {
            var h = x
            var outs: [Tensor] = []
            for (name, l) in model.layers {
                let t0 = Date(); h = l.forward(h, training: true); times["f " + name, default: 0] += Date().timeIntervalSince(t0); outs.append(h)
            }
            let (_, g0) = SoftmaxCrossEntropy().lossAndGradient(logits: h, labels: y)
            var g = g0
            for (i, (name, l)) in model.layers.enumerated().reversed() {
                let t0 = Date(); if let n = l.backward(g, inputGradient: i > 0) { g = n }; times["b " + name, default: 0] += Date().timeIntervalSince(t0)
            }
        }
        for (k, v) in times.sorted(by: { $0.value > $1.value }) { print(k, String(format: "%.2f ms", v / 10 * 1000)) }
        for _ in 0..<5 {
            let t0 = Date()
            for _ in 0..<steps { step(images: x, labels: y) }
            let dt = Date().timeIntervalSince(t0)
            print(Double(steps * 128) / dt)
        }
    }
}
