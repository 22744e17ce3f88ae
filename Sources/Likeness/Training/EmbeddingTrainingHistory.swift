/// What one epoch of embedding training did.
public struct EmbeddingEpochReport: Sendable, Codable, Equatable {
    /// 1-based.
    public var epoch: Int
    public var learningRate: Float
    /// The mean of the batches' triplet losses.
    public var meanLoss: Float
    /// Active triplets (inside the margin) over all mined triplets, pooled over the epoch.
    public var activeTripletFraction: Double
    public var meanTripletsPerBatch: Double
    /// The mean anchor–positive and anchor–negative distances of the mined triplets, pooled
    /// over the epoch, in the loss's distance.
    public var meanPositiveDistance: Float
    public var meanNegativeDistance: Float
    /// The mean of the batches' `EmbeddingEvaluation.spread`.
    public var embeddingSpread: Float
    /// Leave-one-out recall@1 on the validation images, nil without validation images.
    public var validationRecallAtOne: Double?
    /// Whether this epoch has the best validation recall@1 so far (strictly better than earlier ones).
    public var isBest: Bool
    /// Whether the embeddings looked collapsed: spread near zero and the loss at its collapsed value.
    public var collapsed: Bool
    /// Training images per second (validation excluded).
    public var imagesPerSecond: Double
    /// Wall-clock seconds of the epoch, validation included.
    public var seconds: Double
}

/// The epochs of one `EmbeddingTrainer.fit`.
public struct EmbeddingTrainingHistory: Sendable, Codable, Equatable {
    public var epochs: [EmbeddingEpochReport]
    /// The epoch (1-based) with the best validation recall@1, nil without validation images.
    public var bestEpoch: Int?
    /// Whether early stopping ended training before the last epoch.
    public var stoppedEarly: Bool
    /// Whether the model was given back the weights of `bestEpoch` at the end.
    public var restoredBestModel: Bool
}
