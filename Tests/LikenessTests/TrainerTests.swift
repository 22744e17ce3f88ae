import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// Records a training run's events as short lines (`end 2 best`).
final class RecordingObserver: TrainingObserver {
    var events: [String] = []

    func observe(_ event: TrainingEvent) {
        let line = switch event {
        case let .epochStarted(epoch, epochs, images): "start \(epoch)/\(epochs) \(images)"
        case let .batchEnded(epoch, batch, _, _): "batch \(epoch).\(batch)"
        case let .epochEnded(report, _, isBest, name): "end \(report.epoch)\(isBest ? " best" : "") \(name ?? "-")"
        case let .warning(epoch, _): "warning \(epoch)"
        case let .stoppedEarly(after, best, patience): "early stop \(after) \(best) \(patience)"
        case let .keptEpoch(epoch, last, score, _): "kept \(epoch) of \(last) \(score.map { "\($0)" } ?? "-")"
        case .stopped: "stopped"
        }
        events.append(line)
    }
}

@Suite("One trainer for both heads")
struct TrainerTests {
    let data = stripes(count: 64, seed: 8)
    let sampler = ShuffledBatchSampler(indices: Array(0..<64), batchSize: 32, seed: 1)

    /// A validation score that gives `scores` in turn, one per epoch.
    func scripted(_ scores: [Double]) -> ValidationScore {
        var remaining = scores[...]
        return ValidationScore(name: "scripted") { _ in remaining.removeFirst() }
    }

    func network(_ head: Head) -> Sequential {
        Network.make(backbone: .reference, head: head, channels: 1, height: 8, width: 8, seed: 2)
    }

    /// Trains `model` with the step of its head for 4 epochs; `weights` gets the digest after each.
    func train(_ model: Sequential, embedding: Bool, validation: ValidationScore?, weights: inout [String]) throws -> TrainingHistory {
        let optimizer = Adam(parameters: model.parameters.map(\.parameter), learningRate: 1e-2)
        var digests: [String] = []
        func fit<Step: TrainingStep>(_ step: Step) throws -> TrainingHistory {
            try Trainer<Step>(epochs: 4, validation: validation).fit(step, on: data, sampler: sampler) { _, _ in
                digests.append(model.weightDigest)
            }
        }
        let history = embedding
            ? try fit(EmbeddingStep(model: model, optimizer: optimizer, loss: TripletLoss(margin: 2.5)))
            : try fit(ClassifierStep(model: model, optimizer: optimizer, loss: SoftmaxCrossEntropy()))
        weights = digests
        return history
    }

    /// The classifier's step hands its loss the batch's epoch, which deferred re-weighting needs:
    /// the trainer's epochs reach the loss, each batch with its own.
    @Test func theLossSeesEachBatchsEpoch() throws {
        final class Seen: @unchecked Sendable { var epochs: [Int] = [] }
        struct Recording: ClassificationLoss {
            let seen: Seen
            func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
                SoftmaxCrossEntropy().lossAndGradient(logits: logits, labels: labels)
            }
            func lossAndGradient(logits: Tensor, labels: [Int], epoch: Int) -> (loss: Float, gradient: Tensor) {
                seen.epochs.append(epoch)
                return lossAndGradient(logits: logits, labels: labels)
            }
        }
        let model = network(.softmax(classCount: 2))
        let seen = Seen()
        let step = ClassifierStep(model: model, optimizer: Adam(parameters: model.parameters.map(\.parameter)), loss: Recording(seen: seen))
        _ = try Trainer<ClassifierStep>(epochs: 3).fit(step, on: data, sampler: sampler) { _, _ in }
        #expect(seen.epochs == [1, 1, 2, 2, 3, 3])
    }

    /// Scores 0.5, 0.9, 0.7, 0.9: epoch 2 is the best (the first of equals), and the model ends
    /// with its weights though the weights moved after it; both heads keep it alike.
    @Test(arguments: [false, true])
    func theBestValidationEpochIsKept(embedding: Bool) throws {
        let model = network(embedding ? .embedding(dimension: 4) : .softmax(classCount: 2))
        var weights: [String] = []
        let history = try train(model, embedding: embedding, validation: scripted([0.5, 0.9, 0.7, 0.9]), weights: &weights)
        #expect(history.keptEpoch == 2 && history.keptScore == 0.9 && !history.stoppedEarly)
        #expect(history.epochs.map(\.epoch) == [1, 2, 3, 4])
        #expect(Set(weights).count == 4, "every epoch moved the weights")
        #expect(model.weightDigest == weights[1])
    }

    @Test(arguments: [false, true])
    func withoutValidationTheLastEpochIsKept(embedding: Bool) throws {
        let model = network(embedding ? .embedding(dimension: 4) : .softmax(classCount: 2))
        var weights: [String] = []
        let history = try train(model, embedding: embedding, validation: nil, weights: &weights)
        #expect(history.keptEpoch == 4 && history.keptScore == nil)
        #expect(model.weightDigest == weights[3])
    }

    /// The observer sees every epoch's start, batches and end, the early stop and the epoch kept.
    @Test func theObserverSeesTheRun() throws {
        let model = network(.softmax(classCount: 2))
        let observer = RecordingObserver()
        let trainer = Trainer<ClassifierStep>(epochs: 5, validation: scripted([0.8, 0.6, 0.9]), patience: 1, observer: observer)
        let history = try trainer.fit(ClassifierStep(model: model, optimizer: Adam(parameters: model.parameters.map(\.parameter)),
                                                     loss: SoftmaxCrossEntropy()), on: data, sampler: sampler)
        #expect(observer.events == ["start 1/5 64", "batch 1.1", "batch 1.2", "end 1 best scripted",
                                    "start 2/5 64", "batch 2.1", "batch 2.2", "end 2 scripted",
                                    "early stop 2 1 1", "kept 1 of 2 0.8"])
        #expect(history.stoppedEarly && history.keptEpoch == 1)
    }

    /// Collapsed embeddings (a zero embedding layer) make the step warn through the observer.
    @Test func aCollapseIsAWarningEvent() throws {
        let model = network(.embedding(dimension: 4))
        for (name, p) in model.parameters where name.hasPrefix("embedding.") {
            p.value = Tensor(shape: p.value.shape, repeating: name.hasSuffix("bias") ? 0.5 : 0)
        }
        let observer = RecordingObserver()
        let history = try EmbeddingRecipe(epochs: 1, classesPerBatch: 2, imagesPerClass: 8)
            .train(model, on: data, trainingIndices: Array(0..<64), observer: observer)
        #expect(history.epochs[0].statistics[EmbeddingStep.Statistic.collapsed] == 1)
        #expect(observer.events.contains("warning 1"))
    }

    @Test func settingsSayWhetherARunResumesAnother() {
        var recipe = SoftmaxRecipe()
        let settings = TrainingSettings(recipe)
        recipe.epochs = 20
        #expect(TrainingSettings(recipe).resumes(settings), "more epochs extend a run")
        recipe.secondStageEpochs = 2
        let twoStages = TrainingSettings(recipe)
        recipe.epochs = 30
        #expect(!TrainingSettings(recipe).resumes(twoStages), "the epochs place the second stage")
        recipe.learningRate = 0.5
        #expect(TrainingSettings(recipe).differences(from: twoStages) == ["epochs: 20 → 30", "learningRate: 0.001 → 0.5"])
        #expect(!TrainingSettings(recipe).resumes(settings))
        let embedding = TrainingSettings(EmbeddingRecipe(epochs: 3), backbone: .reference, dimension: 64)
        #expect(TrainingSettings(EmbeddingRecipe(epochs: 5), backbone: .reference, dimension: 64).resumes(embedding))
        #expect(!TrainingSettings(EmbeddingRecipe(epochs: 3, imagesPerClass: 4), backbone: .reference, dimension: 64).resumes(embedding))
    }
}

@Suite("Training records in model files")
struct TrainingRecordTests {
    let architecture = ModelDescription(backbone: .reference, head: .softmax(classCount: 2), channels: 1, height: 8, width: 8)

    /// A model file whose `training` attribute and `format_version` are as given.
    func modelFile(training: String, version: Int, in folder: TemporaryFolder) throws -> String {
        let path = folder.path + "/model.h5"
        try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: ["top", "bottom"]).save(to: path)
        let file = try HDF5File(openingAt: path, mode: .readWrite)
        try file.attributes.write(version, named: "format_version")
        try file.attributes.write(training, named: "training")
        try file.close()
        return path
    }

    @Test func aTypedRecordRoundTrips() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/model.h5"
        var recipe = SoftmaxRecipe()
        recipe.loss = .focal(gamma: 2)
        recipe.secondStageEpochs = 1
        let record = TrainingRecord(
            command: "likeness train fmnist-lt --head softmax", trainingClassCounts: [7, 2], settings: TrainingSettings(recipe),
            epochs: [EpochReport(epoch: 1, learningRate: 0.5, meanLoss: 0.75, validationScore: 0.625, seconds: 2, imagesPerSecond: 32)],
            keptEpoch: 1)
        try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: ["top", "bottom"],
                         training: record).save(to: path)
        #expect(try ModelArchive.load(path).training == record)
    }

    /// As `likeness train` wrote `training` before format version 2: the command, the class
    /// counts and each epoch's report as a JSON string, the classifier's epochs from 0.
    @Test func aVersionOneRecordIsConverted() throws {
        struct VersionOne: Encodable { var command: String, trainingClassCounts: [Int], epochs: [String] }
        let classifier = #"{"epoch":0,"imagesPerSecond":100,"learningRate":0.5,"meanLoss":0.5,"seconds":2,"validationBalancedAccuracy":0.75}"#
        let embedding = #"{"activeTripletFraction":0.5,"collapsed":false,"embeddingSpread":0.875,"epoch":1,"imagesPerSecond":50,"isBest":true,"#
            + #""learningRate":0.5,"meanLoss":0.125,"meanNegativeDistance":1.25,"meanPositiveDistance":0.5,"meanTripletsPerBatch":48,"#
            + #""seconds":3,"validationRecallAtOne":0.875}"#
        let json = String(decoding: try JSONEncoder().encode(VersionOne(command: "likeness train x", trainingClassCounts: [3, 1],
                                                                         epochs: [classifier, embedding])), as: UTF8.self)
        let folder = try TemporaryFolder()
        let record = try #require(try ModelArchive.load(try modelFile(training: json, version: 1, in: folder)).training)
        typealias S = EmbeddingStep.Statistic
        typealias T = TripletLoss.Statistic
        #expect(record == TrainingRecord(
            command: "likeness train x", trainingClassCounts: [3, 1], settings: nil,
            epochs: [EpochReport(epoch: 1, learningRate: 0.5, meanLoss: 0.5, validationScore: 0.75, seconds: 2, imagesPerSecond: 100),
                     EpochReport(epoch: 1, learningRate: 0.5, meanLoss: 0.125, validationScore: 0.875, seconds: 3, imagesPerSecond: 50,
                                 statistics: [T.activeFraction: 0.5, T.triplets: 48, T.positiveDistance: 0.5, T.negativeDistance: 1.25,
                                              S.spread: 0.875, S.collapsed: 0])],
            keptEpoch: nil))
    }

    @Test func versionOneSettingsNotFromTheCommandLineLoadWithoutARecord() throws {
        let folder = try TemporaryFolder()
        #expect(try ModelArchive.load(try modelFile(training: #"{"epochs":3,"margin":0.2}"#, version: 1, in: folder)).training == nil)
        #expect(try ModelArchive.load(try modelFile(training: "{}", version: 2, in: folder)).training == nil)
    }

    @Test func aDamagedRecordSaysHowToLoadTheModel() throws {
        let folder = try TemporaryFolder()
        let path = try modelFile(training: #"{"command":"likeness train x","epochs":[1]}"#, version: 1, in: folder)
        let error = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
        #expect(error.kind == .invalidValue && error.field == "attribute 'training'")
        #expect(error.expected?.contains(#"f.attrs["training"] = "{}""#) == true, "\(error)")
    }
}
