import LikenessCore
import LikenessData

/// How a softmax classifier is trained on an imbalanced set: the loss and the remedies.
///
/// Remedies act at three places: on the training index list (random over- or under-sampling,
/// SMOTE's synthetic images), on the batches (class-balanced sampling, augmentation of the rare
/// classes, mixup and CutMix) and on the loss (class weights, focal loss). Two-stage training
/// re-trains the head alone, on class-balanced batches over frozen features, after the first
/// stage; EasyEnsemble trains several heads instead, each on its own balanced random
/// under-sample, and averages them. τ-normalisation rescales the trained head's weight rows.
public struct SoftmaxRecipe: Sendable {
    public enum Loss: Sendable, Equatable {
        case crossEntropy
        /// Focal loss with focusing γ; α from the class weighting (or 1).
        case focal(gamma: Float)
        /// Logit-adjusted cross-entropy with τ (τ = 1: the balanced softmax); no class weighting.
        case logitAdjusted(tau: Float)
        /// LDAM with the rarest class's margin and the scale; the class weighting applies from
        /// `reweightingEpoch` on (deferred re-weighting).
        case ldam(maxMargin: Float, scale: Float, reweightingEpoch: Int)
    }

    public enum ClassWeighting: Sendable, Equatable {
        case none
        /// `n / (C · n_c)`.
        case balanced
        /// `(1 − β) / (1 − β^{n_c})`, summing to C.
        case effectiveNumber(beta: Double)
    }

    public enum Resampling: Sendable, Equatable {
        case none
        case over(SamplingStrategy)
        case under(SamplingStrategy)
        case smote(SamplingStrategy, neighbours: Int)
    }

    public enum Sampler: String, Sendable, CaseIterable {
        case shuffled, classBalanced = "class-balanced"
    }

    public var backbone: Backbone = .reference
    public var epochs = 10
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    /// How the learning rate changes over the first stage's epochs (the second stage keeps
    /// `learningRate`).
    public var schedule: LearningRateSchedule = .constant
    public var seed: UInt64 = 0
    public var loss: Loss = .crossEntropy
    public var classWeighting: ClassWeighting = .none
    public var resampling: Resampling = .none
    public var sampler: Sampler = .shuffled
    public var augmentation: [AugmentationStep] = []
    /// Augment only the images of classes with fewer training images than this.
    public var augmentBelow: Int?
    /// mixup, CutMix or both over the first stage's batches (soft targets: the loss must be a
    /// `SoftTargetClassificationLoss`, so not LDAM); its `batches` scope is replaced by `mixBelow`'s.
    public var mixing: Mixup?
    /// Mix only the batches holding an image of a class with fewer training images than this.
    public var mixBelow: Int?
    /// τ-normalisation of the head after training (both stages), or nil for none.
    public var tauNormalization: TauNormalization?
    /// Per-class logit offsets fitted on the validation images after training (and after
    /// τ-normalisation) and added to the head's bias (`OffsetCalibration`).
    public var calibratesOffsets = false
    /// Epochs of the second stage (head only, class-balanced batches), or 0 for none.
    public var secondStageEpochs = 0
    /// Classifier re-training (cRT, Kang et al. 2020): the second stage starts the head afresh
    /// (Glorot-uniform weights drawn from `seed`, zero bias) instead of from the first stage's.
    public var reinitializesHead = false
    /// EasyEnsemble (Liu et al. 2009) in the second stage: this many heads, each trained for
    /// `secondStageEpochs` on a balanced random under-sample over the frozen backbone, then
    /// averaged. The heads are linear, so averaging their logits is one head with their mean
    /// weights and biases: the model keeps its shape. 0: a single class-balanced head.
    public var ensembleHeads = 0
    /// Early stopping: epochs without a better validation score.
    public var patience: Int?

    public init() {}

    /// The loss for training images with these class counts.
    public func makeLoss(classCounts: [Int]) -> any ClassificationLoss {
        let weights: [Float]?
        switch classWeighting {
        case .none: weights = nil
        case .balanced: weights = ClassWeights.balanced(classCounts: classCounts)
        case .effectiveNumber(let beta): weights = ClassWeights.effectiveNumber(classCounts: classCounts, beta: beta)
        }
        switch loss {
        case .crossEntropy: return SoftmaxCrossEntropy(classWeights: weights)
        case .focal(let gamma): return FocalLoss(gamma: gamma, alpha: weights.map { .perClass(meanOne($0)) } ?? .scalar(1))
        case .logitAdjusted(let tau):
            precondition(weights == nil, "logit adjustment corrects for the prior itself: no class weights")
            return LogitAdjustedCrossEntropy(classCounts: classCounts, tau: tau)
        case .ldam(let maxMargin, let scale, let epoch):
            return LDAMLoss(classCounts: classCounts, maxMargin: maxMargin, scale: scale, classWeights: weights, reweightingEpoch: epoch)
        }
    }

    /// Weights divided by their mean over the classes that have any (PROTOCOL.md's focal α).
    private func meanOne(_ w: [Float]) -> [Float] {
        let present = w.filter { $0 > 0 }
        let mean = present.reduce(0, +) / Float(max(present.count, 1))
        return w.map { $0 / mean }
    }

    /// The training set after resampling: the dataset (with SMOTE's synthetic images appended)
    /// and the indices to train on.
    public func resampled(_ dataset: Dataset, indices: [Int]) throws -> (dataset: Dataset, indices: [Int]) {
        switch resampling {
        case .none:
            return (dataset, indices)
        case .over(let strategy):
            return (dataset, try RandomOverSampler(strategy: strategy, seed: seed).resample(dataset, indices: indices))
        case .under(let strategy):
            return (dataset, try RandomUnderSampler(strategy: strategy, seed: seed).resample(dataset, indices: indices))
        case .smote(let strategy, let k):
            let grown = try SMOTE(strategy: strategy, neighbours: k, seed: seed).resample(dataset.subset(indices))
            return (grown, Array(0..<grown.count))
        }
    }

    /// The epochs of both stages: `epochs`, then `secondStageEpochs` for the head, or for each
    /// of the `ensembleHeads`. Checkpoints count epochs this way.
    public var totalEpochs: Int {
        epochs + secondStageEpochs * max(ensembleHeads, 1)
    }

    /// Trains `model` (a `.softmax` head on `backbone`) and returns the epochs run, of both
    /// stages, numbered from 1 across them, the epoch kept and the τ the head was normalised with.
    ///
    /// Each stage (each EasyEnsemble head) keeps its best validation epoch (balanced accuracy),
    /// or its last without validation; the ensemble's heads are averaged, so its model is no
    /// single epoch's (`keptEpoch` nil).
    ///
    /// - Parameters:
    ///   - optimizer: updates `model`'s parameters in the first stage (Adam at `learningRate` when
    ///     nil); nil when resuming.
    ///   - checkpoint: where an interrupted run of this recipe stood (one `onEpochEnd` was given):
    ///     the stage, the head and the epoch follow from its epoch; the optimizer of the stage in
    ///     progress is made from its state, and the head parameters' trainable flags are set as
    ///     that stage sets them.
    ///   - observer: sees each stage's events, its epochs counted within the stage.
    ///   - onEpochEnd: sees each epoch's report and the checkpoint to resume after it; an error
    ///     it throws ends training. Checkpoints hold the weights before τ-normalisation and offsets.
    /// - Throws: resampling errors; `TrainingError.nonFinite` naming the epoch (counted within
    ///   the stage), the batch and where a NaN or an infinity appeared; what `onEpochEnd` throws.
    /// - Precondition: validation images for `tauNormalization` `.chosenOnValidation` and for
    ///   `calibratesOffsets`; a loss that takes soft targets with `mixing`.
    @discardableResult
    public func train(_ model: Sequential, on dataset: Dataset, indices: [Int], validation: ValidationImages?,
                      optimizer: (any Optimizer)? = nil, resumingFrom checkpoint: Checkpoint? = nil,
                      observer: (any TrainingObserver)? = nil,
                      onEpochEnd: ((EpochReport, Checkpoint) throws -> Void)? = nil) throws -> TrainingHistory {
        var history = try trainStages(model, on: dataset, indices: indices, validation: validation, optimizer: optimizer,
                                      resumingFrom: checkpoint, observer: observer, onEpochEnd: onEpochEnd)
        history.tauNormalization = try tauNormalization?.apply(to: model, validation: validation)
        if calibratesOffsets {
            guard let validation else { preconditionFailure("offsets calibrated without validation images") }
            history.offsetCalibration = OffsetCalibration.calibrate(model, on: validation)
        }
        return history
    }

    /// `train`'s two stages, before τ-normalisation.
    private func trainStages(_ model: Sequential, on dataset: Dataset, indices: [Int], validation: ValidationImages?,
                             optimizer: (any Optimizer)?, resumingFrom checkpoint: Checkpoint?, observer: (any TrainingObserver)?,
                             onEpochEnd: ((EpochReport, Checkpoint) throws -> Void)?) throws -> TrainingHistory {
        precondition(optimizer == nil || checkpoint == nil, "a resumed run takes its optimizer from the checkpoint")
        let done = checkpoint?.epoch ?? 0
        precondition(done <= totalEpochs, "resuming after epoch \(done) of \(totalEpochs)")
        let (trainSet, trainIndices) = try resampled(dataset, indices: indices)
        let counts = trainSet.classCounts(of: trainIndices)
        let pipeline = augmentation.isEmpty && mixing == nil ? nil : AugmentationPipeline(
            augmentation, mixup: mixing.map { mixing in
                var mixing = mixing
                mixing.batches = mixBelow.map { .classesWithFewerImages(than: $0, classCounts: counts) } ?? .allImages
                return mixing
            },
            scope: augmentBelow.map { .classesWithFewerImages(than: $0, classCounts: counts) } ?? .allImages, seed: seed)
        let loss = makeLoss(classCounts: counts)
        precondition(mixing == nil || loss is any SoftTargetClassificationLoss, "\(self.loss) does not take the soft targets of mixed batches")
        var trainer = Trainer<ClassifierStep>(epochs: epochs, schedule: schedule, augmentation: pipeline, validation: validation.map(ValidationScore.balancedAccuracy),
                                              patience: patience, observer: observer)
        var history = TrainingHistory(epochs: [], keptEpoch: done, keptScore: nil, stoppedEarly: false)
        precondition(tauNormalization != .chosenOnValidation || validation != nil, "τ chosen on the validation images without validation images")
        // A checkpoint at the end of a stage (or of a head) resumes it with no epoch left to run:
        // the stage still gives back its best epoch's weights, as the uninterrupted run did.
        if done <= epochs {
            let step = ClassifierStep(model: model,
                                      optimizer: checkpoint?.optimizer.makeOptimizer(for: model) ?? optimizer
                                          ?? Adam(parameters: model.parameters.map(\.parameter), learningRate: learningRate),
                                      loss: loss)
            history = try trainer.fit(step, on: trainSet, sampler: makeSampler(trainSet, trainIndices, kind: sampler, seed: seed),
                                      resumingFrom: checkpoint, onEpochEnd: onEpochEnd)
        }
        guard secondStageEpochs > 0 else { return history }

        // Stage two: the head alone, on class-balanced batches over the frozen backbone.
        let head = model.layers.last!.name
        for (name, p) in model.parameters { p.isTrainable = name.hasPrefix(head + ".") }
        defer { for (_, p) in model.parameters { p.isTrainable = true } }
        trainer.epochs = secondStageEpochs
        trainer.schedule = .constant
        trainer.augmentation = nil
        if reinitializesHead && done <= epochs, let linear = model.layers.last?.layer as? Linear {
            var rng = SeededGenerator(seed: seed &+ 3)
            linear.weight.value = WeightInitializer.glorotUniform.tensor(shape: linear.weight.value.shape, fanIn: linear.inputCount,
                                                                         fanOut: linear.outputCount, using: &rng)
            linear.bias.value = Tensor(shape: linear.bias.value.shape)
        }
        /// Trains head `index` of stage two (0 without EasyEnsemble), resuming it if the
        /// checkpoint falls within its epochs; `ensemble` goes into its checkpoints.
        func trainHead(_ index: Int, sampler: any BatchSampler, ensemble: EnsembleProgress?) throws {
            let base = epochs + index * secondStageEpochs
            let resumed = checkpoint.flatMap { done > base ? $0.shifted(by: -base) : nil }
            let headStep = ClassifierStep(model: model,
                                          optimizer: resumed?.optimizer.makeOptimizer(for: model)
                                              ?? Adam(parameters: model.parameters.map(\.parameter), learningRate: learningRate),
                                          loss: SoftmaxCrossEntropy())
            let trained = try trainer.fit(headStep, on: trainSet, sampler: sampler, resumingFrom: resumed) { report, headCheckpoint in
                var report = report
                report.epoch += base
                var whole = headCheckpoint.shifted(by: base)
                whole.ensemble = ensemble
                try onEpochEnd?(report, whole)
            }
            history.epochs += trained.epochs.map { var r = $0; r.epoch += base; return r }
            history.keptEpoch = trained.keptEpoch.map { $0 + base }
            history.keptScore = trained.keptScore
            history.stoppedEarly = history.stoppedEarly || trained.stoppedEarly
        }
        /// Whether the checkpoint lies past head `index`'s epochs: the head was trained (and, in an
        /// ensemble, summed) before it.
        func isBehindCheckpoint(_ index: Int) -> Bool { done > epochs + (index + 1) * secondStageEpochs }

        guard ensembleHeads > 0 else {
            if !isBehindCheckpoint(0) {
                try trainHead(0, sampler: makeSampler(trainSet, trainIndices, kind: .classBalanced, seed: seed &+ 1), ensemble: nil)
            }
            return history
        }
        let headParameters = model.parameters.filter { $0.name.hasPrefix(head + ".") }
        var progress = checkpoint?.ensemble ?? EnsembleProgress(
            start: Dictionary(uniqueKeysWithValues: headParameters.map { ($0.name, $0.parameter.value) }),
            sums: Dictionary(uniqueKeysWithValues: headParameters.map { ($0.name, Tensor(shape: $0.parameter.value.shape)) }))
        precondition(Set(progress.start.keys) == Set(headParameters.map(\.name)), "EasyEnsemble checkpoint for other head parameters")
        for k in 0..<ensembleHeads where !isBehindCheckpoint(k) {
            // A head resumed mid-way carries on from the checkpoint's weights; a new one starts
            // from the head stage two began with.
            if done <= epochs + k * secondStageEpochs {
                for (name, p) in headParameters { p.value = progress.start[name]! }
            }
            let sample = try RandomUnderSampler(strategy: .auto, seed: seed &+ 2 &+ UInt64(k)).resample(trainSet, indices: trainIndices)
            try trainHead(k, sampler: ShuffledBatchSampler(indices: sample, batchSize: batchSize, seed: seed &+ 2 &+ UInt64(k)),
                          ensemble: progress)
            for (name, p) in headParameters {
                progress.sums[name]!.withUnsafeMutableBufferPointer { s in
                    p.value.withUnsafeBufferPointer { v in for j in s.indices { s[j] += v[j] } }
                }
            }
        }
        for (name, p) in headParameters {
            let sum = progress.sums[name]!
            p.value = Tensor(shape: sum.shape, scalars: sum.scalars.map { $0 / Float(ensembleHeads) })
        }
        history.keptEpoch = nil
        history.keptScore = nil
        return history
    }

    private func makeSampler(_ data: Dataset, _ indices: [Int], kind: Sampler, seed: UInt64) -> any BatchSampler {
        switch kind {
        case .shuffled: return ShuffledBatchSampler(indices: indices, batchSize: batchSize, seed: seed)
        case .classBalanced: return ClassBalancedBatchSampler(labels: data.labels, indices: indices, batchSize: batchSize, seed: seed)
        }
    }
}

/// EasyEnsemble's heads so far, which a checkpoint in its stage keeps: the head's parameters
/// when stage two began (each head starts from them) and the sum of the heads trained, by
/// parameter name (`dense.weight`).
public struct EnsembleProgress: Sendable {
    public var start: [String: Tensor]
    public var sums: [String: Tensor]

    public init(start: [String: Tensor], sums: [String: Tensor]) {
        precondition(Set(start.keys) == Set(sums.keys), "EasyEnsemble sums for other parameters than its start")
        self.start = start
        self.sums = sums
    }
}
