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
        let trainer = Trainer<ClassifierStep>(epochs: 6, validation: .balancedAccuracy(on: ValidationImages(dataset: data, indices: Array(200..<240))),
                                              patience: 2)
        let history = try trainer.fit(step, on: data, sampler: ShuffledBatchSampler(indices: Array(0..<200), batchSize: 20, seed: 3)) { _, _ in
            snapshots.append(model.parameters.map(\.parameter.value))
        }
        let reports = history.epochs
        #expect(!reports.isEmpty && reports.count <= 6)
        let scores = reports.map { $0.validationScore ?? -1 }
        #expect(scores.max()! > 0.9, "validation balanced accuracy \(scores)")
        // The weights kept are those of the first epoch with the best score.
        let best = scores.firstIndex(of: scores.max()!)!
        #expect(zip(model.parameters, snapshots[best]).allSatisfy { $0.parameter.value == $1 })
        #expect(history.keptEpoch == best + 1 && history.keptScore == scores[best])
        #expect(reports.map(\.epoch) == Array(1...reports.count))
    }

    @Test func balancedAccuracyIsTheMeanRecall() {
        // Class 0: 3 of 4 right; class 1: 1 of 1; class 2 absent from the labels.
        #expect(ConfusionMatrix(trueLabels: [0, 0, 0, 0, 1], predictedLabels: [0, 0, 0, 1, 1], classCount: 3).balancedAccuracy == (0.75 + 1) / 2)
    }
}

@Suite("Softmax recipes")
struct SoftmaxRecipeTests {
    let data = ClassifierTrainerTests().stripes(count: 300, seed: 4)
    /// An imbalanced training set: 110 images of class 0, 10 of class 1.
    var imbalanced: [Int] { Array((0..<220).filter { $0 % 2 == 0 }) + Array((0..<20).filter { $0 % 2 == 1 }) }
    var validation: ValidationImages { ValidationImages(dataset: data, indices: Array(240..<300)) }

    func model() -> Sequential {
        Network.make(backbone: .reference, head: .softmax(classCount: 2), channels: 1, height: 8, width: 8, seed: 5)
    }

    @Test(arguments: [SoftmaxRecipe.Resampling.none, .over(.auto), .under(.auto), .smote(.auto, neighbours: 3)])
    func remediesTrain(resampling: SoftmaxRecipe.Resampling) throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 4
        recipe.batchSize = 16
        recipe.learningRate = 3e-3
        recipe.resampling = resampling
        recipe.loss = .focal(gamma: 2)
        recipe.classWeighting = .balanced
        let reports = try recipe.train(model(), on: data, indices: imbalanced, validation: validation).epochs
        #expect(reports.count == 4)
        #expect(reports.compactMap(\.validationScore).max()! > 0.85, "\(resampling): \(reports)")
    }

    @Test func resampledCounts() throws {
        var recipe = SoftmaxRecipe()
        recipe.resampling = .over(.auto)
        var (set, indices) = try recipe.resampled(data, indices: imbalanced)
        #expect(set.labels(indices).filter { $0 == 1 }.count == 110)
        recipe.resampling = .under(.auto)
        (set, indices) = try recipe.resampled(data, indices: imbalanced)
        #expect(set.labels(indices).filter { $0 == 0 }.count == 10)
        recipe.resampling = .smote(.auto, neighbours: 3)
        (set, indices) = try recipe.resampled(data, indices: imbalanced)
        #expect(set.count == 220 && set.labels.filter { $0 == 1 }.count == 110)
    }

    @Test func secondStageTrainsTheHeadAlone() throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 2
        recipe.batchSize = 16
        recipe.secondStageEpochs = 2
        let network = model()
        var afterFirstStage: [String: Tensor] = [:]
        let reports = try recipe.train(network, on: data, indices: imbalanced, validation: nil) { report, _ in
            if report.epoch == 2 { afterFirstStage = Dictionary(uniqueKeysWithValues: network.parameters.map { ($0.name, $0.parameter.value) }) }
        }
        #expect(reports.epochs.map(\.epoch) == [1, 2, 3, 4] && reports.keptEpoch == 4)
        for (name, p) in network.parameters {
            if name.hasPrefix("dense.") {
                #expect(p.value != afterFirstStage[name], "\(name) did not train in stage two")
            } else {
                #expect(p.value == afterFirstStage[name], "\(name) changed in stage two")
            }
            #expect(p.isTrainable)
        }
    }

    @Test func easyEnsembleAveragesItsHeads() throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 1
        recipe.batchSize = 8
        recipe.secondStageEpochs = 1
        recipe.ensembleHeads = 3
        let network = model()
        var heads: [[Tensor]] = [], backbone: [Tensor] = []
        let reports = try recipe.train(network, on: data, indices: imbalanced, validation: nil) { report, _ in
            if report.epoch == 1 { backbone = network.parameters.filter { !$0.name.hasPrefix("dense.") }.map(\.parameter.value) }
            if report.epoch >= 2 { heads.append(network.parameters.filter { $0.name.hasPrefix("dense.") }.map(\.parameter.value)) }
        }
        #expect(reports.epochs.map(\.epoch) == [1, 2, 3, 4] && reports.keptEpoch == nil)
        #expect(heads.count == 3 && heads[0][0] != heads[1][0])
        let final = network.parameters.filter { $0.name.hasPrefix("dense.") }.map(\.parameter.value)
        for (i, f) in final.enumerated() {
            for j in 0..<f.count {
                let mean = heads.map { $0[i][flat: j] }.reduce(0, +) / 3
                #expect(abs(f[flat: j] - mean) < 1e-6)
            }
        }
        #expect(network.parameters.filter { !$0.name.hasPrefix("dense.") }.map(\.parameter.value) == backbone)
    }
}
