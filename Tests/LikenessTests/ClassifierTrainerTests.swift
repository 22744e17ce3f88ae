import Likeness
import Testing

@Suite("Classifier training loop")
struct ClassifierTrainerTests {
    /// 8×8 images: class 0 bright at the top, class 1 bright at the bottom, with noise.
    func stripes(count: Int, seed: UInt64) -> Dataset {
        var rng = SeededGenerator(seed: seed)
        var pixels: [UInt8] = [], labels: [Int] = []
        for i in 0..<count {
            let y = i % 2
            labels.append(y)
            for r in 0..<8 {
                for _ in 0..<8 {
                    let base: Float = (r < 4) == (y == 0) ? 180 : 40
                    pixels.append(UInt8(max(0, min(255, base + rng.nextNormal() * 40))))
                }
            }
        }
        return Dataset(pixels: pixels, labels: labels, classNames: ["top", "bottom"], ids: (0..<count).map { "s#\($0)" },
                       height: 8, width: 8, channels: 1)
    }

    @Test func learnsValidatesAndKeepsTheBestEpoch() throws {
        let data = stripes(count: 240, seed: 1)
        let model = Network.make(backbone: .reference, head: .softmax(classCount: 2), channels: 1, height: 8, width: 8, seed: 2)
        let step = ClassifierStep(model: model, optimizer: Adam(parameters: model.parameters.map(\.parameter), learningRate: 3e-3),
                                  loss: SoftmaxCrossEntropy())
        var snapshots: [[Tensor]] = []
        let trainer = ClassifierTrainer(epochs: 6, validation: ValidationImages(dataset: data, indices: Array(200..<240)), patience: 2, showProgress: false)
        let reports = try trainer.fit(step, on: data, sampler: ShuffledBatchSampler(indices: Array(0..<200), batchSize: 20, seed: 3)) { _ in
            snapshots.append(model.parameters.map(\.parameter.value))
        }
        #expect(!reports.isEmpty && reports.count <= 6)
        let scores = reports.map { $0.validationBalancedAccuracy ?? -1 }
        #expect(scores.max()! > 0.9, "validation balanced accuracy \(scores)")
        // The weights kept are those of the first epoch with the best score.
        let best = scores.firstIndex(of: scores.max()!)!
        #expect(zip(model.parameters, snapshots[best]).allSatisfy { $0.parameter.value == $1 })
        #expect(reports.map(\.epoch) == Array(0..<reports.count))
    }

    @Test func balancedAccuracyIsTheMeanRecall() {
        // Class 0: 3 of 4 right; class 1: 1 of 1; class 2 absent from the labels.
        #expect(balancedAccuracy(predicted: [0, 0, 0, 1, 1], labels: [0, 0, 0, 0, 1], classCount: 3) == (0.75 + 1) / 2)
    }
}
