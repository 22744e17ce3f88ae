import LikenessCore
import LikenessData

/// How an embedding network (`Head.embedding`) is trained: a metric loss (triplet by default) on
/// PK batches, optionally with relational distillation to a frozen teacher, with validation
/// recall@1 after each epoch, the best validation epoch kept and early stopping on it.
///
/// Each epoch draws its batches from a `PKBatchSampler` (`P` classes × `K` images), optionally
/// augments them, and takes one `EmbeddingStep` per batch; then it embeds the validation
/// images and measures leave-one-out recall@1 among them (`EmbeddingEvaluation.recallAtOne`).
public struct EmbeddingRecipe {
    public var epochs: Int
    /// `P`: classes per batch (all the training classes when there are fewer).
    public var classesPerBatch: Int
    /// `K`: images of each class per batch.
    public var imagesPerClass: Int
    /// Batches per epoch; `⌈N / (P · K)⌉` for `N` training images when nil.
    public var batchesPerEpoch: Int?
    public var loss: any MetricLoss
    /// Relational distillation to a frozen label-free network, added to `loss` each step.
    public var distillation: Distillation?
    /// Applied to each training batch; its mixup must be off (it mixes labels, triplets need
    /// hard ones).
    public var augmentation: AugmentationPipeline?
    /// Adam's base learning rate, when `train` makes the optimizer.
    public var learningRate: Float
    /// Sets the optimizer's learning rate at the start of each epoch from its base rate.
    public var schedule: LearningRateSchedule
    /// Stop after this many epochs without a better validation recall@1 (never when nil).
    public var patience: Int?
    /// Draws the batches (the sampler's seed); dropout and augmentation have their own.
    public var seed: UInt64
    /// An epoch whose embedding spread is under this, with the loss near its collapsed value,
    /// is reported as collapsed (`EmbeddingStep.collapseSpread`).
    public var collapseSpread: Float

    /// The defaults are PROTOCOL.md's: PK batches of 8 × 16, margin 0.2 on the Euclidean
    /// distance with semi-hard mining, Adam at 1e-3.
    public init(epochs: Int, classesPerBatch: Int = 8, imagesPerClass: Int = 16, batchesPerEpoch: Int? = nil,
                loss: any MetricLoss = TripletLoss(), distillation: Distillation? = nil, augmentation: AugmentationPipeline? = nil,
                learningRate: Float = 1e-3, schedule: LearningRateSchedule = .constant, patience: Int? = nil, seed: UInt64 = 0,
                collapseSpread: Float = 0.05) {
        precondition(epochs > 0, "training for \(epochs) epochs")
        precondition(classesPerBatch >= 2 && imagesPerClass >= 2,
                     "PK batches of \(classesPerBatch) × \(imagesPerClass): triplets need at least 2 classes of 2 images")
        precondition(batchesPerEpoch.map { $0 > 0 } ?? true, "\(batchesPerEpoch!) batches per epoch")
        precondition(patience.map { $0 > 0 } ?? true, "early-stopping patience \(patience!)")
        self.epochs = epochs
        self.classesPerBatch = classesPerBatch
        self.imagesPerClass = imagesPerClass
        self.batchesPerEpoch = batchesPerEpoch
        self.loss = loss
        self.distillation = distillation
        self.augmentation = augmentation
        self.learningRate = learningRate
        self.schedule = schedule
        self.patience = patience
        self.seed = seed
        self.collapseSpread = collapseSpread
    }

    /// Trains `model` on the images at `trainingIndices` and returns the run's epochs and the
    /// epoch kept.
    ///
    /// - Parameters:
    ///   - model: a network with an embedding head (`Network.make(head: .embedding(dimension:))`).
    ///   - optimizer: updates `model`'s parameters; when nil, the one the checkpoint's state
    ///     makes when resuming, else Adam at `learningRate`.
    ///   - validationIndices: held-out images for recall@1, the epoch kept and early stopping
    ///     (none: no validation, no early stopping, the last epoch kept). Those of classes without
    ///     training images count apart: their recall@1 is each epoch's
    ///     `ValidationScore.Statistic.untrainedClassRecall`, and they alone are no validation.
    ///   - checkpoint: where an interrupted run stood (one `onEpochEnd` was given): training goes
    ///     on after its epoch, with its best epoch (the batches of each epoch depend only on the
    ///     seed and the epoch).
    ///   - observer: sees the run's events (`Trainer.observer`).
    ///   - onEpochEnd: called after each epoch's validation, before the early-stopping decision,
    ///     with the epoch's report and the checkpoint to resume after it; an error it throws ends
    ///     training.
    /// - Throws: `TrainingError.tooFewClasses` or `.tooFewImages` when the training images do
    ///   not make triplets (fewer than 2 classes, or a class with a single image);
    ///   `TrainingError.nonFinite` naming the epoch, the batch and where a NaN or an infinity
    ///   appeared (`onEpochEnd` is not called for that epoch); what `onEpochEnd` throws.
    /// - Precondition: `augmentation` has no mixup and validates for the dataset's channels.
    @discardableResult
    public func train(_ model: Sequential, optimizer: (any Optimizer)? = nil, on dataset: Dataset,
                      trainingIndices: [Int], validationIndices: [Int] = [], resumingFrom checkpoint: Checkpoint? = nil,
                      observer: (any TrainingObserver)? = nil,
                      onEpochEnd: ((EpochReport, Checkpoint) throws -> Void)? = nil) throws -> TrainingHistory {
        precondition(augmentation?.mixup == nil, "mixup mixes labels; triplet training needs hard labels")
        let counts = dataset.classCounts(of: trainingIndices)
        let trainingClasses = counts.filter { $0 > 0 }.count
        guard trainingClasses >= 2 else { throw TrainingError.tooFewClasses(found: trainingClasses) }
        if let single = counts.firstIndex(of: 1) {
            throw TrainingError.tooFewImages(label: single, className: dataset.classNames[single], count: 1)
        }
        let optimizer = optimizer ?? checkpoint?.optimizer.makeOptimizer(for: model)
            ?? Adam(parameters: model.parameters.map(\.parameter) + loss.parameters.map(\.parameter), learningRate: learningRate)
        let sampler = PKBatchSampler(labels: dataset.labels, indices: trainingIndices,
                                     classesPerBatch: min(classesPerBatch, trainingClasses), imagesPerClass: imagesPerClass,
                                     batchesPerEpoch: batchesPerEpoch, seed: seed)
        let validation = validationIndices.contains { counts[dataset.labels[$0]] > 0 }
            ? ValidationScore.recallAtOne(on: ValidationImages(dataset: dataset, indices: validationIndices), trained: { counts[$0] > 0 })
            : nil
        let trainer = Trainer<EmbeddingStep>(epochs: epochs, schedule: schedule, augmentation: augmentation, validation: validation,
                                             patience: patience, observer: observer)
        return try trainer.fit(EmbeddingStep(model: model, optimizer: optimizer, loss: loss, distillation: distillation,
                                             collapseSpread: collapseSpread),
                               on: dataset, sampler: sampler, resumingFrom: checkpoint, onEpochEnd: onEpochEnd)
    }
}
