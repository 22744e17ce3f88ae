import LikenessCore
import LikenessData

/// How a network is pre-trained without labels (SimCLR, `ContrastiveStep`): shuffled batches of
/// `batchSize` images, two augmented views each, NT-Xent at `temperature`, Adam with weight
/// decay under a cosine schedule; no validation (the last epoch is kept).
///
/// The network is a backbone with a projection head (`Head.projection`); its unit outputs serve
/// as embeddings (`embed`, `enroll`), its backbone as the start of supervised training
/// (`likeness train --init`) and the whole network as the teacher of relational distillation
/// (`likeness train --distill`).
public struct PretrainingRecipe {
    public var epochs: Int
    /// Images per batch: each gives two views, so a step trains on `2 · batchSize` rows.
    public var batchSize: Int
    public var loss: SupervisedContrastiveLoss
    /// Draws the two views of each image.
    public var views: AugmentationPipeline
    public var learningRate: Float
    public var weightDecay: Float
    /// Shuffles the batches (the sampler's seed); the views have their own (`views.seed`).
    public var seed: UInt64

    /// The defaults are ONE-SHOT-MEASUREMENTS's: batches of 256, temperature 0.2, Adam at 1e-3
    /// with weight decay 1e-6, cosine decay to 0 over the run, `Self.views` for `channels`.
    public init(epochs: Int, batchSize: Int = 256, temperature: Float = 0.2, channels: Int = 1, learningRate: Float = 1e-3,
                weightDecay: Float = 1e-6, seed: UInt64 = 0) {
        precondition(epochs > 0, "pre-training for \(epochs) epochs")
        precondition(batchSize >= 2, "contrastive batches of \(batchSize) images: each needs others to be told apart from")
        self.epochs = epochs
        self.batchSize = batchSize
        loss = SupervisedContrastiveLoss(temperature: temperature)
        views = Self.views(channels: channels, seed: seed)
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.seed = seed
    }

    /// SimCLR's views at the strength small grayscale images take (ONE-SHOT-MEASUREMENTS): a
    /// crop of half the image or more (aspect 3/4–4/3) anywhere in it, turned up to ±15° and moved
    /// up to 2 pixels, resized back in one resampling; horizontal flip, brightness ×[0.6, 1.4];
    /// contrast ±0.4 for RGB images. One resampling, not a zoom, a shift and a turn each
    /// interpolating: on 28 × 28 images the three blurred away what tells a sandal from a sneaker
    /// (the strict setting's label-free Sandal, `likeness one-shot`: 0.496 → 0.668).
    public static func views(channels: Int, seed: UInt64) -> AugmentationPipeline {
        var steps: [AugmentationStep] = [
            AugmentationStep(.resizedCropRotation(area: 0.5...1, aspectRatio: 0.75...(4.0 / 3), maxDegrees: 15, maxShift: 2), probability: 1),
            AugmentationStep(.horizontalFlip, probability: 0.5),
            AugmentationStep(.brightness(maxChange: 0.4), probability: 1),
        ]
        if channels == 3 { steps.append(AugmentationStep(.contrast(maxChange: 0.4), probability: 0.8)) }
        return AugmentationPipeline(steps, seed: seed ^ 0x5151_C1C1)
    }

    /// Pre-trains `model` on the images at `indices` of `dataset` (labels unused) and returns
    /// the run's epochs.
    ///
    /// - Parameters:
    ///   - model: a network with unit outputs (`Network.make(head: .projection(…))`).
    ///   - checkpoint: where an interrupted run stood: training goes on after its epoch.
    ///   - onEpochEnd: sees each epoch's report and the checkpoint to resume after it.
    /// - Throws: `TrainingError.tooFewImagesForBatch` for fewer than `batchSize` images;
    ///   `TrainingError.nonFinite` naming the epoch, batch and where a NaN appeared; what
    ///   `onEpochEnd` throws.
    @discardableResult
    public func train(_ model: Sequential, on dataset: Dataset, indices: [Int], resumingFrom checkpoint: Checkpoint? = nil,
                      observer: (any TrainingObserver)? = nil,
                      onEpochEnd: ((EpochReport, Checkpoint) throws -> Void)? = nil) throws -> TrainingHistory {
        guard indices.count >= batchSize else {
            throw TrainingError.tooFewImagesForBatch(count: indices.count, needed: batchSize)
        }
        let optimizer = checkpoint?.optimizer.makeOptimizer(for: model)
            ?? Adam(parameters: model.parameters.map(\.parameter), learningRate: learningRate, weightDecay: weightDecay)
        let sampler = ShuffledBatchSampler(indices: indices, batchSize: batchSize, dropLast: true, seed: seed)
        let trainer = Trainer<ContrastiveStep>(epochs: epochs, schedule: .cosine(period: epochs), observer: observer)
        return try trainer.fit(ContrastiveStep(model: model, optimizer: optimizer, loss: loss, views: views), on: dataset,
                               sampler: sampler, resumingFrom: checkpoint, onEpochEnd: onEpochEnd)
    }
}
