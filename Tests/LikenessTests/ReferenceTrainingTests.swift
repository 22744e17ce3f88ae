import Foundation
import Likeness
import Testing

/// Learning must happen: the reference softmax network, one epoch on 2,000 Fashion-MNIST
/// training images, classifies 1,000 held-out images with accuracy above 0.70
/// (chance is 0.10; a broken gradient, loss or optimizer stays near it).
@Suite("Training the reference network", .enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory)))
struct ReferenceTrainingTests {
    @Test func oneEpochOnTwoThousandImagesLearns() throws {
        let train = try FashionMNIST.load(split: .train)
        let trainIndices = Array(0..<2000), heldOut = Array(2000..<3000)
        let model = Network.make(backbone: .reference, head: .softmax(classCount: 10),
                                 channels: 1, height: 28, width: 28, seed: 1)
        let step = ClassifierStep(model: model,
                                  optimizer: Adam(parameters: model.parameters.map(\.parameter), learningRate: 1e-3),
                                  loss: SoftmaxCrossEntropy())
        var rng = SeededGenerator(seed: 2)
        var losses: [Float] = []
        for batch in trainIndices.shuffled(using: &rng).chunks(ofCount: 32) {
            losses.append(try step(images: train.batch(batch), labels: train.labels(batch)).loss)
        }
        let predictions = model.outputs(for: train, indices: heldOut).argmaxRows
        let accuracy = Double(zip(predictions, train.labels(heldOut)).filter { $0 == $1 }.count) / Double(heldOut.count)
        #expect(accuracy > 0.70, "held-out accuracy \(accuracy)")
        #expect(losses.suffix(10).reduce(0, +) < losses.prefix(10).reduce(0, +), "loss did not fall: \(losses)")
    }
}

extension Array {
    func chunks(ofCount n: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: n).map { self[$0..<Swift.min($0 + n, count)] }
    }
}
