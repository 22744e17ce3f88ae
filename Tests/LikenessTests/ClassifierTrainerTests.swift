import Foundation
import Likeness
import Testing

@Suite("Classifier training loop")
struct ClassifierTrainerTests {
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
    let data = stripes(count: 300, seed: 4)
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

    /// The first stage's epochs follow the schedule; the second stage keeps the base rate. A step
    /// schedule to rate 0 after epoch 1 leaves epoch 2's weights as epoch 1 left them, while both
    /// epochs of the second stage still move the head.
    @Test func theScheduleRunsTheFirstStageOnly() throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 2
        recipe.batchSize = 16
        recipe.schedule = .step(stepSize: 1, gamma: 0)
        recipe.secondStageEpochs = 2
        let network = model()
        var digests: [String] = []
        _ = try recipe.train(network, on: data, indices: imbalanced, validation: nil) { _, _ in
            digests.append(network.weightDigest)
        }
        try #require(digests.count == 4)
        #expect(digests[1] == digests[0], "epoch 2 ran at rate 0")
        #expect(digests[2] != digests[1] && digests[3] != digests[2], "the second stage kept the base rate")
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

    /// cRT: the second stage's head starts from fresh weights drawn from the seed (zero bias),
    /// not from the first stage's head; the backbone stays frozen.
    @Test func secondStageCanStartTheHeadAfresh() throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 2
        recipe.batchSize = 16
        recipe.secondStageEpochs = 1
        recipe.reinitializesHead = true
        recipe.learningRate = 1e-9  // the second stage barely moves the head: what it starts from shows
        let network = model()
        var afterFirstStage: [String: Tensor] = [:]
        try recipe.train(network, on: data, indices: imbalanced, validation: nil) { report, _ in
            if report.epoch == 2 { afterFirstStage = Dictionary(uniqueKeysWithValues: network.parameters.map { ($0.name, $0.parameter.value) }) }
        }
        let head = network.layers.last!.layer as! Linear
        var rng = SeededGenerator(seed: recipe.seed &+ 3)
        let fresh = WeightInitializer.glorotUniform.tensor(shape: head.weight.value.shape, fanIn: head.inputCount, fanOut: head.outputCount, using: &rng)
        #expect(zip(head.weight.value.scalars, fresh.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(head.bias.value.scalars.allSatisfy { abs($0) < 1e-5 })
        #expect(head.weight.value != afterFirstStage["dense.weight"])
        #expect(network.parameters.filter { !$0.name.hasPrefix("dense.") }.allSatisfy { $0.parameter.value == afterFirstStage[$0.name] })
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

    /// Mixed batches (mixup, CutMix, both) train the network, and a seeded run is drawn again
    /// to the bit; another seed mixes differently.
    @Test(arguments: [Mixup(alpha: 0.3), Mixup(cutMixAlpha: 1), Mixup(alpha: 0.3, cutMixAlpha: 1)])
    func mixedBatchesTrainAndRepeat(mixing: Mixup) throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 3
        recipe.batchSize = 16
        recipe.learningRate = 3e-3
        recipe.loss = .logitAdjusted(tau: 1)
        recipe.mixing = mixing
        func run(seed: UInt64) throws -> (history: TrainingHistory, digest: String) {
            recipe.seed = seed
            let network = model()
            let history = try recipe.train(network, on: data, indices: imbalanced, validation: validation)
            return (history, network.weightDigest)
        }
        let first = try run(seed: 1), again = try run(seed: 1), other = try run(seed: 2)
        #expect(first.digest == again.digest)
        #expect(first.history.epochs.map(\.meanLoss) == again.history.epochs.map(\.meanLoss) && first.history.keptEpoch == again.history.keptEpoch)
        #expect(first.history.epochs.map(\.meanLoss) != other.history.epochs.map(\.meanLoss))
        #expect(first.history.keptScore! > 0.8, "\(first.history)")
    }

    /// Mixing changes the batches the step sees: the losses differ from an unmixed run's, and
    /// with mixing kept to batches of a class rarer than any, they are the unmixed run's.
    @Test func mixingReachesTheLoss() throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 1
        recipe.batchSize = 16
        let plain = try recipe.train(model(), on: data, indices: imbalanced, validation: nil).epochs.map(\.meanLoss)
        recipe.mixing = Mixup(alpha: 0.3)
        let mixed = try recipe.train(model(), on: data, indices: imbalanced, validation: nil).epochs.map(\.meanLoss)
        recipe.mixBelow = 10  // class 1 has 10 images: no class has fewer
        let unmixed = try recipe.train(model(), on: data, indices: imbalanced, validation: nil).epochs.map(\.meanLoss)
        #expect(mixed != plain && unmixed == plain)
    }

    @Test func tauNormalizationScalesTheWeightRows() {
        let weight = Tensor(shape: [3, 2], scalars: [3, 4, 0, 0, 0.6, 0.8])  // lengths 5, 0, 1
        let normalized = TauNormalization.normalizedRows(of: weight, tau: 1)
        #expect(zip(normalized.scalars, [0.6, 0.8, 0, 0, 0.6, 0.8] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        let half = TauNormalization.normalizedRows(of: weight, tau: 0.5)
        let root5 = Float(5).squareRoot()
        #expect(zip(half.scalars, [3 / root5, 4 / root5, 0, 0, 0.6, 0.8]).allSatisfy { abs($0 - $1) < 1e-6 })
        #expect(TauNormalization.normalizedRows(of: weight, tau: 0) == weight)

        let network = model()
        let head = network.layers.last!.layer as! Linear
        head.bias.value = Tensor(shape: [2], scalars: [1, -1])
        let before = head.weight.value
        TauNormalization.apply(to: network, tau: 1.5)
        #expect(head.weight.value == TauNormalization.normalizedRows(of: before, tau: 1.5))
        #expect(head.bias.value == Tensor(shape: [2]), "the bias is dropped")
    }

    /// `auto` applies the candidate τ whose validation balanced accuracy is highest (the first
    /// such), each candidate measured on its own copy of the head.
    ///
    /// 1 × 2 images `(x₁, x₂)` and a linear head with rows `(10, 0)` and `(0, 1)`: the logits are
    /// `10^{1−τ} x₁` and `x₂`, so τ = 0 calls most class-1 images class 0 and τ = 2 the reverse.
    @Test func tauChosenOnValidationIsTheBestCandidate() throws {
        var pixels: [UInt8] = [], labels: [Int] = []
        for i in 0..<40 {
            let strong = UInt8(200 + i), weak = UInt8(10 + 4 * i)   // x₁ > x₂ for class 0, the reverse for class 1
            pixels += i % 2 == 0 ? [strong, weak] : [weak, strong]
            labels.append(i % 2)
        }
        let data = Dataset(pixels: pixels, labels: labels, classNames: ["a", "b"], ids: (0..<40).map { "p#\($0)" },
                           height: 1, width: 2, channels: 1)
        let validation = ValidationImages(dataset: data, indices: Array(0..<40))
        func network() -> Sequential {
            var rng = SeededGenerator(seed: 1)
            let head = Linear(inputCount: 2, outputCount: 2, rng: &rng)
            head.weight.value = Tensor(shape: [2, 2], scalars: [10, 0, 0, 1])
            head.bias.value = Tensor(shape: [2], scalars: [0.5, -0.5])
            return Sequential([("flatten", Flatten()), ("dense", head)])
        }
        let score = ValidationScore.balancedAccuracy(on: validation)
        let scores = try TauNormalization.candidates.map { tau -> Double in
            let copy = network()
            TauNormalization.apply(to: copy, tau: tau)
            return try score.measure(copy).score
        }
        let best = TauNormalization.candidates[scores.firstIndex(of: scores.max()!)!]
        #expect(scores.first! < scores.max()! && scores.last! < scores.max()!, "\(scores)")
        let normalized = network()
        let chosen = try TauNormalization.chosenOnValidation.apply(to: normalized, validation: validation)
        #expect(chosen == best && best > 0 && best < 2, "\(scores)")
        let expected = network()
        TauNormalization.apply(to: expected, tau: best)
        #expect(normalized.weightDigest == expected.weightDigest)
    }

    /// The recipe normalises the head after training and says with which τ; the record keeps
    /// the settings, and a record written before them still reads.
    @Test func tauNormalizationAndMixingAreRecorded() throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 1
        recipe.batchSize = 16
        recipe.tauNormalization = .fixed(1)
        recipe.mixing = Mixup(alpha: 0.2, cutMixAlpha: 1)
        recipe.mixBelow = 50
        let network = model()
        let history = try recipe.train(network, on: data, indices: imbalanced, validation: nil)
        #expect(history.tauNormalization == 1)
        let head = network.layers.last!.layer as! Linear
        #expect(head.bias.value == Tensor(shape: [2]))
        let settings = TrainingSettings(recipe)
        guard case .softmax(let softmax) = settings.head else { Issue.record("not softmax settings"); return }
        #expect(softmax.mixupAlpha == 0.2 && softmax.cutMixAlpha == 1 && softmax.mixBelow == 50 && softmax.tauNormalization == "fixed(1.0)")
        var other = recipe
        other.mixing = Mixup(alpha: 0.4)
        #expect(TrainingSettings(other).differences(from: settings) == ["head.softmax.cutMixAlpha: 1.0 → none", "head.softmax.mixupAlpha: 0.2 → 0.4"])
        let old = #"{"batchSize":128,"loss":"crossEntropy","classWeighting":"none","resampling":"none","sampler":"shuffled","secondStageEpochs":0,"ensembleHeads":0}"#
        let decoded = try JSONDecoder().decode(TrainingSettings.SoftmaxSettings.self, from: Data(old.utf8))
        #expect(decoded.mixupAlpha == nil && decoded.tauNormalization == nil && decoded.calibratesOffsets == nil)
    }

    /// The offsets are fitted after training on the validation images and added to the head's
    /// bias; the rest of the network is the run's without them, and the settings say so.
    @Test func offsetsAreFittedAfterTrainingAndRecorded() throws {
        var recipe = SoftmaxRecipe()
        recipe.epochs = 2
        recipe.batchSize = 16
        let plain = model(), calibrated = model()
        try recipe.train(plain, on: data, indices: imbalanced, validation: validation)
        recipe.calibratesOffsets = true
        let history = try recipe.train(calibrated, on: data, indices: imbalanced, validation: validation)
        let calibration = try #require(history.offsetCalibration)
        let (plainHead, calibratedHead) = (plain.layers.last!.layer as! Linear, calibrated.layers.last!.layer as! Linear)
        #expect(calibratedHead.bias.value.scalars == zip(plainHead.bias.value.scalars, calibration.offsets).map { $0 + $1 })
        #expect(calibratedHead.weight.value == plainHead.weight.value)
        let logits = plain.outputs(for: validation.dataset, indices: validation.indices)
        #expect(calibration.offsets == LogitOffsets.fit(logits: logits, labels: data.labels(validation.indices)).offsets)
        guard case .softmax(let softmax) = TrainingSettings(recipe).head else { Issue.record("not softmax settings"); return }
        #expect(softmax.calibratesOffsets == true)
    }
}
