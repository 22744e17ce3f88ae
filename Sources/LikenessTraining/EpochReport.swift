/// What one epoch of training did, for either head.
public struct EpochReport: Sendable, Codable, Equatable {
    /// 1-based, counted across the stages of a recipe.
    public var epoch: Int
    public var learningRate: Float
    /// The mean of the batches' losses.
    public var meanLoss: Float
    /// The validation score after the epoch (balanced accuracy for a softmax head, leave-one-out
    /// recall@1 for an embedding head); nil without validation images.
    public var validationScore: Double?
    /// Wall-clock seconds of the epoch, validation included.
    public var seconds: Double
    /// Training images per second (validation excluded).
    public var imagesPerSecond: Double
    /// Figures of the step's own, by name (`EmbeddingStep.Statistic` for the triplet loss), and
    /// of the validation's (`ValidationScore.Statistic`).
    public var statistics: [String: Double]

    public init(epoch: Int, learningRate: Float, meanLoss: Float, validationScore: Double?, seconds: Double,
                imagesPerSecond: Double, statistics: [String: Double] = [:]) {
        precondition(epoch >= 1, "epoch \(epoch): counted from 1")
        self.epoch = epoch
        self.learningRate = learningRate
        self.meanLoss = meanLoss
        self.validationScore = validationScore
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
        self.statistics = statistics
    }
}

/// The epochs of one training run and the epoch whose weights the model ended with.
public struct TrainingHistory: Sendable, Codable, Equatable {
    /// The epochs this run trained (a resumed run: those after its checkpoint).
    public var epochs: [EpochReport]
    /// The epoch kept: the best validation epoch, or the last without validation; nil when the
    /// model is no single epoch's (EasyEnsemble's averaged heads).
    public var keptEpoch: Int?
    /// The kept epoch's validation score, nil without validation.
    public var keptScore: Double?
    /// Whether early stopping ended training before the last epoch.
    public var stoppedEarly: Bool
    /// The τ the head's weight rows were normalised with after training (`TauNormalization`),
    /// nil for none.
    public var tauNormalization: Float?
    /// The logit offsets fitted on the validation images after training, nil for none.
    public var offsetCalibration: OffsetCalibration?

    public init(epochs: [EpochReport], keptEpoch: Int?, keptScore: Double?, stoppedEarly: Bool, tauNormalization: Float? = nil) {
        self.epochs = epochs
        self.tauNormalization = tauNormalization
        self.keptEpoch = keptEpoch
        self.keptScore = keptScore
        self.stoppedEarly = stoppedEarly
    }
}
