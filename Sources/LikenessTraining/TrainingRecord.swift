import Foundation
import LikenessCore

/// How a model was trained, as its model file records it (the `training` attribute, JSON):
/// the command, the training images per class, the settings, every epoch and the epoch kept.
public struct TrainingRecord: Codable, Sendable, Equatable {
    /// The command line that trained the model (`likeness train …`).
    public var command: String
    /// Training images per class (before resampling): 0 for a class the model never saw.
    public var trainingClassCounts: [Int]
    /// The recipe's settings; nil in records converted from format version 1, which lacked them.
    public var settings: TrainingSettings?
    /// Every epoch trained, a resumed run's earlier epochs included.
    public var epochs: [EpochReport]
    /// The epoch whose weights the model has (`TrainingHistory.keptEpoch`); nil when it is no
    /// single epoch's, or when a version-1 record did not say.
    public var keptEpoch: Int?
    /// The τ the head's weight rows were normalised with after training
    /// (`TrainingHistory.tauNormalization`); nil for none, and in checkpoints (before it).
    public var tauNormalization: Float?
    /// The logit offsets fitted on the validation images after training and added to the head's
    /// bias (`TrainingHistory.offsetCalibration`); nil for none, and in checkpoints (before them).
    public var offsetCalibration: OffsetCalibration?

    public init(command: String, trainingClassCounts: [Int], settings: TrainingSettings?, epochs: [EpochReport], keptEpoch: Int?,
                tauNormalization: Float? = nil, offsetCalibration: OffsetCalibration? = nil) {
        self.command = command
        self.tauNormalization = tauNormalization
        self.offsetCalibration = offsetCalibration
        self.trainingClassCounts = trainingClassCounts
        self.settings = settings
        self.epochs = epochs
        self.keptEpoch = keptEpoch
    }

    /// The record as sorted-key JSON, as the `training` attribute holds it.
    ///
    /// - Throws: `EncodingError` for a non-finite figure.
    package func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Decodes a `training` attribute written at format version `version`: nil for `{}` (a
    /// model saved without a record) and, at version 1, for settings not written by `likeness
    /// train` (no `command`, free-form then). Version 1 held each epoch's report as a JSON
    /// string, classifier epochs counted from 0: they are converted.
    ///
    /// - Throws: `DecodingError` when the JSON is not a record of its version.
    package static func decode(_ json: String, version: Int) throws -> TrainingRecord? {
        if json == "{}" { return nil }
        guard version == 1 else { return try JSONDecoder().decode(TrainingRecord.self, from: Data(json.utf8)) }
        struct Command: Decodable { var command: String? }
        guard let command = try JSONDecoder().decode(Command.self, from: Data(json.utf8)).command else { return nil }
        let legacy = try JSONDecoder().decode(VersionOneRecord.self, from: Data(json.utf8))
        let epochs = try (legacy.epochs ?? []).map { try JSONDecoder().decode(VersionOneEpoch.self, from: Data($0.utf8)).converted }
        return TrainingRecord(command: command, trainingClassCounts: legacy.trainingClassCounts ?? [], settings: nil,
                              epochs: epochs, keptEpoch: nil)
    }
}

/// The recipe settings a resumed run must repeat (`TrainingSettings.resumes(_:)`).
public struct TrainingSettings: Codable, Sendable, Equatable {
    /// The head's own settings; JSON `{"embedding": {…}}`, `{"softmax": {…}}` or `{"pretraining": {…}}`.
    public enum HeadSettings: Codable, Sendable, Equatable {
        case embedding(EmbeddingSettings)
        case softmax(SoftmaxSettings)
        case pretraining(PretrainingSettings)

        private enum CodingKeys: String, CodingKey { case embedding, softmax, pretraining }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let settings = try container.decodeIfPresent(EmbeddingSettings.self, forKey: .embedding) {
                self = .embedding(settings)
            } else if let settings = try container.decodeIfPresent(PretrainingSettings.self, forKey: .pretraining) {
                self = .pretraining(settings)
            } else {
                self = .softmax(try container.decode(SoftmaxSettings.self, forKey: .softmax))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .embedding(let settings): try container.encode(settings, forKey: .embedding)
            case .softmax(let settings): try container.encode(settings, forKey: .softmax)
            case .pretraining(let settings): try container.encode(settings, forKey: .pretraining)
            }
        }
    }

    public struct EmbeddingSettings: Codable, Sendable, Equatable {
        public var dimension: Int
        public var classesPerBatch: Int
        public var imagesPerClass: Int
        public var batchesPerEpoch: Int?
        /// The triplet loss's settings; nil for another loss.
        public var margin: Float?
        public var distance: EmbeddingDistance?
        public var softMargin: Bool?
        /// The miner as Swift prints it (`SemiHardWithinMarginMiner(margin: 0.2)`).
        public var miner: String?
        public var reduction: TripletLoss.Reduction?
        /// A loss other than triplet, as Swift prints it (`SupervisedContrastiveLoss(temperature: 0.1)`); nil for triplet.
        public var loss: String?
        /// `Distillation.summary` when the run distilled to a teacher.
        public var distillation: String?
    }

    /// Label-free pre-training's settings (`PretrainingRecipe`).
    public struct PretrainingSettings: Codable, Sendable, Equatable {
        public var hidden: Int
        public var dimension: Int
        public var batchSize: Int
        public var temperature: Float
        public var weightDecay: Float
        /// The views' augmentation steps as Swift prints them, in order.
        public var views: [String]
    }

    public struct SoftmaxSettings: Codable, Sendable, Equatable {
        public var batchSize: Int
        /// `SoftmaxRecipe.Loss`, `.ClassWeighting` and `.Resampling` as Swift prints them (`focal(gamma: 2.0)`).
        public var loss: String
        public var classWeighting: String
        public var resampling: String
        public var sampler: String
        public var augmentBelow: Int?
        public var secondStageEpochs: Int
        public var ensembleHeads: Int
        /// Whether the second stage starts the head afresh (`SoftmaxRecipe.reinitializesHead`);
        /// nil for no (and in records written before it).
        public var secondStageReinitializes: Bool?
        /// mixup's and CutMix's α (`SoftmaxRecipe.mixing`) and `mixBelow`; nil for none (and in
        /// records written before them).
        public var mixupAlpha: Float?
        public var cutMixAlpha: Float?
        public var mixBelow: Int?
        /// `TauNormalization` as Swift prints it (`fixed(1.0)`, `chosenOnValidation`); nil for none.
        public var tauNormalization: String?
        /// Whether logit offsets are fitted on the validation images after training
        /// (`SoftmaxRecipe.calibratesOffsets`); nil for no (and in records written before it).
        public var calibratesOffsets: Bool?
    }

    public var backbone: Backbone
    public var epochs: Int
    public var learningRate: Float
    public var seed: UInt64
    public var patience: Int?
    public var schedule: String
    /// The augmentation steps as Swift prints them, in order.
    public var augmentation: [String]
    public var head: HeadSettings
    /// Where the weights started when not from the seed (`likeness train --init`).
    public var initialization: String?
    /// The convolutions' arithmetic (`Precision`'s raw value) when not float32; nil for float32.
    public var precision: String?

    /// What `recipe` trains with.
    public init(_ recipe: SoftmaxRecipe) {
        backbone = recipe.backbone
        epochs = recipe.epochs
        learningRate = recipe.learningRate
        seed = recipe.seed
        patience = recipe.patience
        schedule = "\(recipe.schedule)"
        augmentation = recipe.augmentation.map { "\($0)" }
        head = .softmax(SoftmaxSettings(
            batchSize: recipe.batchSize, loss: "\(recipe.loss)", classWeighting: "\(recipe.classWeighting)",
            resampling: "\(recipe.resampling)", sampler: recipe.sampler.rawValue, augmentBelow: recipe.augmentBelow,
            secondStageEpochs: recipe.secondStageEpochs, ensembleHeads: recipe.ensembleHeads,
            secondStageReinitializes: recipe.reinitializesHead ? true : nil,
            mixupAlpha: recipe.mixing?.alpha, cutMixAlpha: recipe.mixing?.cutMixAlpha, mixBelow: recipe.mixBelow,
            tauNormalization: recipe.tauNormalization.map { "\($0)" }, calibratesOffsets: recipe.calibratesOffsets ? true : nil))
    }

    /// What `recipe` trains a `backbone` network with a `dimension`-d embedding head with.
    public init(_ recipe: EmbeddingRecipe, backbone: Backbone, dimension: Int) {
        self.backbone = backbone
        epochs = recipe.epochs
        learningRate = recipe.learningRate
        seed = recipe.seed
        patience = recipe.patience
        schedule = "\(recipe.schedule)"
        augmentation = recipe.augmentation?.steps.map { "\($0)" } ?? []
        let triplet = recipe.loss as? TripletLoss
        head = .embedding(EmbeddingSettings(
            dimension: dimension, classesPerBatch: recipe.classesPerBatch, imagesPerClass: recipe.imagesPerClass,
            batchesPerEpoch: recipe.batchesPerEpoch, margin: triplet?.margin, distance: triplet?.distance,
            softMargin: triplet?.softMargin, miner: triplet.map { String(describing: $0.miner) }, reduction: triplet?.reduction,
            loss: triplet == nil ? String(describing: recipe.loss) : nil, distillation: recipe.distillation?.summary))
    }

    /// What `recipe` pre-trains a `backbone` network with a projection head of `hidden` and
    /// `dimension` with.
    public init(_ recipe: PretrainingRecipe, backbone: Backbone, hidden: Int, dimension: Int) {
        self.backbone = backbone
        epochs = recipe.epochs
        learningRate = recipe.learningRate
        seed = recipe.seed
        patience = nil
        schedule = "\(LearningRateSchedule.cosine(period: recipe.epochs))"
        augmentation = []
        head = .pretraining(PretrainingSettings(hidden: hidden, dimension: dimension, batchSize: recipe.batchSize,
                                                temperature: recipe.loss.temperature, weightDecay: recipe.weightDecay,
                                                views: recipe.views.steps.map { "\($0)" }))
    }

    /// Whether a run with these settings, resumed from a checkpoint of a run with `earlier`,
    /// ends as an uninterrupted run would: the same settings, except that without a second
    /// stage (whose first epoch `epochs` places) the epochs may differ — more epochs extend a
    /// run without changing those already done.
    public func resumes(_ earlier: TrainingSettings) -> Bool {
        differences(from: earlier).isEmpty
    }

    /// What keeps a run with these settings from resuming one with `earlier` (`resumes(_:)`), a
    /// line per setting: `learningRate: 0.001 → 0.01`, by the settings' names.
    public func differences(from earlier: TrainingSettings) -> [String] {
        var earlier = earlier
        if case .softmax(let s) = head, s.secondStageEpochs > 0 {} else { earlier.epochs = epochs }
        guard earlier != self else { return [] }
        var before: [String: String] = [:], now: [String: String] = [:]
        Self.collectSettings(of: earlier, path: "", into: &before)
        Self.collectSettings(of: self, path: "", into: &now)
        return Set(before.keys).union(now.keys).sorted().compactMap { key in
            before[key] == now[key] ? nil : "\(key): \(before[key] ?? "none") → \(now[key] ?? "none")"
        }
    }

    /// The settings in `value` by dotted name (`head.softmax.batchSize`), each as Swift prints it.
    private static func collectSettings(of value: Any, path: String, into settings: inout [String: String]) {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            if let wrapped = mirror.children.first?.value { collectSettings(of: wrapped, path: path, into: &settings) }
        } else if mirror.displayStyle == .struct || (mirror.displayStyle == .enum && !mirror.children.isEmpty) {
            for child in mirror.children {
                let name = child.label ?? ""
                collectSettings(of: child.value, path: path.isEmpty ? name : "\(path).\(name)", into: &settings)
            }
        } else {
            settings[path] = "\(value)"
        }
    }
}

/// The `training` attribute of format version 1, as `likeness train` wrote it.
private struct VersionOneRecord: Decodable {
    var trainingClassCounts: [Int]?
    /// Each epoch's report, as JSON.
    var epochs: [String]?
}

/// An epoch report of format version 1: a classifier's (epochs from 0, balanced accuracy) or an
/// embedding network's (epochs from 1, triplet figures, recall@1).
private struct VersionOneEpoch: Decodable {
    var epoch: Int
    var learningRate: Float
    var meanLoss: Float
    var seconds: Double
    var imagesPerSecond: Double
    var validationBalancedAccuracy: Double?
    var validationRecallAtOne: Double?
    var activeTripletFraction: Double?
    var meanTripletsPerBatch: Double?
    var meanPositiveDistance: Double?
    var meanNegativeDistance: Double?
    var embeddingSpread: Double?
    var collapsed: Bool?

    var converted: EpochReport {
        let isEmbedding = activeTripletFraction != nil
        var statistics: [String: Double] = [:]
        if isEmbedding {
            typealias S = EmbeddingStep.Statistic
            typealias T = TripletLoss.Statistic
            statistics[T.activeFraction] = activeTripletFraction
            statistics[T.triplets] = meanTripletsPerBatch
            statistics[T.positiveDistance] = meanPositiveDistance
            statistics[T.negativeDistance] = meanNegativeDistance
            statistics[S.spread] = embeddingSpread
            statistics[S.collapsed] = collapsed.map { $0 ? 1 : 0 }
        }
        return EpochReport(epoch: isEmbedding ? epoch : epoch + 1, learningRate: learningRate, meanLoss: meanLoss,
                           validationScore: isEmbedding ? validationRecallAtOne : validationBalancedAccuracy,
                           seconds: seconds, imagesPerSecond: imagesPerSecond, statistics: statistics)
    }
}
