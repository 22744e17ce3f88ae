import ArgumentParser
import Foundation
import Likeness

/// The main job on the default dataset. Until the embedding and comparison stages exist it trains
/// the protocol's reference network (softmax head) on Fashion-MNIST and reports test accuracy.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train the reference network on Fashion-MNIST and report per-class recall on the test set."
    )

    @Option(help: "Folder holding Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist).")
    var data = FashionMNIST.defaultDirectory

    @Option(help: "Training epochs.")
    var epochs = 2

    @Flag(help: "A small run (6,000 training images, one epoch) that finishes in well under a minute.")
    var quick = false

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs).") }
    }

    func run() throws {
        runtime.apply()
        let train = try FashionMNIST.load(split: .train, directory: data)
        let test = try FashionMNIST.load(split: .test, directory: data)
        let trainIndices = quick ? Array(0..<6000) : Array(0..<train.count)
        printDiagnostic("demo: training the reference network on \(trainIndices.count) Fashion-MNIST images, \(Parallel.threadCount) threads")

        let model = Network.make(backbone: .reference, head: .softmax(classCount: train.classNames.count),
                                 channels: train.channels, height: train.height, width: train.width, seed: runtime.seed)
        let step = ClassifierStep(model: model,
                                  optimizer: Adam(parameters: model.parameters.map(\.parameter), learningRate: 1e-3),
                                  loss: SoftmaxCrossEntropy())
        try ClassifierTrainer(epochs: quick ? 1 : epochs)
            .fit(step, on: train, sampler: ShuffledBatchSampler(indices: trainIndices, batchSize: 128, seed: runtime.seed))

        let predictions = model.predict(test, indices: Array(0..<test.count)).argmaxRows
        var hits = [Int](repeating: 0, count: test.classNames.count)
        for (p, y) in zip(predictions, test.labels) where p == y { hits[y] += 1 }
        let support = test.classCounts
        print("class                 recall   support")
        for (c, name) in test.classNames.enumerated() {
            let recall = Double(hits[c]) / Double(max(support[c], 1))
            print(name.padding(toLength: 20, withPad: " ", startingAt: 0), String(format: "%7.4f %9d", recall, support[c]))
        }
        print(String(format: "test accuracy %.4f on %d images", Double(hits.reduce(0, +)) / Double(test.count), test.count))
    }
}
