import Dispatch
import LikenessCore
import LikenessData
import LikenessMetrics

/// One training batch as the trainer hands it to a step: its images (augmented when the trainer
/// augments), their labels (and soft targets when mixed), and where it lies in the run.
public struct TrainingBatch {
    public var images: Tensor
    public var labels: [Int]
    /// `N × C` class probabilities when mixup or CutMix mixed the images (`AugmentedBatch.targets`),
    /// to train on instead of `labels`; nil for an unmixed batch.
    public var targets: Tensor?
    /// The dataset indices of the batch's images.
    public var indices: [Int]
    /// The epoch and the batch within it, both 1-based.
    public var epoch: Int
    public var index: Int

    public init(images: Tensor, labels: [Int], targets: Tensor? = nil, indices: [Int], epoch: Int, index: Int) {
        precondition(images.shape.first == labels.count && labels.count == indices.count,
                     "a batch of \(images.shape) images, \(labels.count) labels and \(indices.count) indices")
        precondition(targets.map { $0.rank == 2 && $0.shape[0] == labels.count } ?? true, "soft targets \(targets!.shape) for \(labels.count) labels")
        self.images = images
        self.labels = labels
        self.targets = targets
        self.indices = indices
        self.epoch = epoch
        self.index = index
    }
}

/// What one step did: the batch's loss and the figures the step names (`triplets`, `active`).
public struct StepOutcome: Sendable, Equatable {
    public var loss: Float
    public var statistics: [String: Double]

    public init(loss: Float, statistics: [String: Double] = [:]) {
        self.loss = loss
        self.statistics = statistics
    }
}

/// One optimisation step on a batch — forward, loss, backward, update — which `Trainer` runs
/// for every batch of every epoch. The trainer owns the loop (batches, augmentation, schedule,
/// validation, early stopping, checkpoints); a step sees one batch and its model and optimizer.
public protocol TrainingStep {
    var model: Sequential { get }
    var optimizer: any Optimizer { get }

    /// Whether the step trains on a batch's soft targets (`TrainingBatch.targets`), so that the
    /// trainer may mix batches (mixup, CutMix).
    static var takesSoftTargets: Bool { get }

    /// Trains on one batch and says what it did.
    ///
    /// - Throws: `NonFiniteValue` when the loss or a gradient is NaN or infinite (the optimizer
    ///   has not stepped then, and the network's parameters and buffers are as they were), or
    ///   when the step made a parameter so (`updatedWeights`).
    func callAsFunction(_ batch: TrainingBatch) throws(NonFiniteValue) -> StepOutcome

    /// The epoch's `EpochReport.statistics` from its batches' outcomes, in batch order.
    func epochStatistics(of outcomes: [StepOutcome]) -> [String: Double]

    /// A warning about the epoch `report` describes (the embeddings collapsed, say); nil for none.
    func warning(about report: EpochReport) -> String?
}

extension TrainingStep {
    /// The mean over the batches of each statistic.
    public func epochStatistics(of outcomes: [StepOutcome]) -> [String: Double] {
        var sums: [String: Double] = [:]
        for outcome in outcomes { sums.merge(outcome.statistics, uniquingKeysWith: +) }
        return sums.mapValues { $0 / Double(outcomes.count) }
    }

    public func warning(about report: EpochReport) -> String? { nil }

    public static var takesSoftTargets: Bool { false }

    /// Trains on `images` (`N × C × H × W`) with their `labels`, as the first batch of the first epoch.
    @discardableResult
    public func callAsFunction(images: Tensor, labels: [Int]) throws(NonFiniteValue) -> StepOutcome {
        try self(TrainingBatch(images: images, labels: labels, indices: Array(labels.indices), epoch: 1, index: 1))
    }
}

/// How the trainer scores the network after each epoch: a name for reports and a score where
/// higher is better.
public struct ValidationScore {
    /// What the score is ("balanced accuracy", "recall@1").
    public var name: String
    /// The score, and figures of the validation's own for the epoch's report
    /// (`EpochReport.statistics`, by `Statistic` name).
    public var measure: (Sequential) throws -> (score: Double, statistics: [String: Double])

    /// The names of the figures a validation adds to an epoch's statistics.
    public enum Statistic {
        /// Leave-one-out recall@1 of the validation images of classes without training images
        /// (their neighbours searched among all validation images); not in the score.
        public static let untrainedClassRecall = "validation recall@1 of untrained classes"
    }

    public init(name: String, score: @escaping (Sequential) throws -> Double) {
        self.init(name: name) { (try score($0), [:]) }
    }

    public init(name: String, measure: @escaping (Sequential) throws -> (score: Double, statistics: [String: Double])) {
        self.name = name
        self.measure = measure
    }

    /// Balanced accuracy (the mean recall of the classes present) of a classifier's arg-max
    /// predictions on `images`.
    public static func balancedAccuracy(on images: ValidationImages) -> ValidationScore {
        let labels = images.dataset.labels(images.indices)
        return ValidationScore(name: "balanced accuracy") { model in
            let predicted = model.outputs(for: images.dataset, indices: images.indices).argmaxRows
            return ConfusionMatrix(trueLabels: labels, predictedLabels: predicted, classCount: images.dataset.classNames.count)
                .balancedAccuracy
        }
    }

    /// Leave-one-out recall@1 of an embedding network among `images` (`EmbeddingEvaluation.recallAtOne`):
    /// the score is that of the images of `trained` classes; the others' (classes the network
    /// never saw, searched among all the images) is `Statistic.untrainedClassRecall` when there
    /// are any.
    ///
    /// - Precondition: at least one image is of a trained class.
    public static func recallAtOne(on images: ValidationImages, trained: (Int) -> Bool = { _ in true }) -> ValidationScore {
        let labels = images.dataset.labels(images.indices)
        let parts = labels.map { trained($0) ? 0 : 1 }
        precondition(parts.contains(0), "no validation image of a trained class")
        let untrained = parts.contains(1)
        return ValidationScore(name: "recall@1") { model in
            let recall = try EmbeddingEvaluation.recallAtOne(embeddings: model.outputs(for: images.dataset, indices: images.indices),
                                                             labels: labels, parts: parts, partCount: 2)
            return (recall[0], untrained ? [Statistic.untrainedClassRecall: recall[1]] : [:])
        }
    }
}

/// Epochs of mini-batches drawn by a `BatchSampler`, each optionally augmented and given to a
/// `TrainingStep`; after each epoch, a validation score, the best epoch so far and a checkpoint.
///
/// The epoch kept is the best validation epoch (the first with the highest score), whose
/// weights the model is given back at the end; without validation, the last. Early stopping
/// ends training `patience` epochs after the best one. Progress goes to the observer; the
/// trainer prints nothing.
public struct Trainer<Step: TrainingStep> {
    public var epochs: Int
    /// Sets the optimizer's learning rate at the start of each epoch from its base rate.
    public var schedule: LearningRateSchedule
    /// Changes applied to each training batch; its mixup (soft targets) only for a step that
    /// takes soft targets.
    public var augmentation: AugmentationPipeline? {
        didSet { precondition(augmentation?.mixup == nil || Step.takesSoftTargets, "\(Step.self) does not train on mixed batches' soft targets") }
    }
    /// Scores the network after each epoch; nil for no validation (the last epoch is kept).
    public var validation: ValidationScore?
    /// Stop after this many epochs without a better validation score (ignored without validation).
    public var patience: Int?
    /// Sees the run's events (progress, reports, early stop, the epoch kept).
    public var observer: (any TrainingObserver)?

    public init(epochs: Int, schedule: LearningRateSchedule = .constant, augmentation: AugmentationPipeline? = nil,
                validation: ValidationScore? = nil, patience: Int? = nil, observer: (any TrainingObserver)? = nil) {
        precondition(epochs > 0, "training for \(epochs) epochs")
        precondition(augmentation?.mixup == nil || Step.takesSoftTargets, "\(Step.self) does not train on mixed batches' soft targets")
        precondition(patience.map { $0 > 0 } ?? true, "early-stopping patience \(patience!)")
        self.epochs = epochs
        self.schedule = schedule
        self.augmentation = augmentation
        self.validation = validation
        self.patience = patience
        self.observer = observer
    }

    /// Trains with `step` on the batches `sampler` draws from `dataset` and returns the run's
    /// epochs and the epoch kept.
    ///
    /// - Parameters:
    ///   - checkpoint: where an interrupted run stood (one `onEpochEnd` was given): training goes
    ///     on after its epoch, with its best epoch. The step's optimizer must be the one its
    ///     state makes (`checkpoint.optimizer.makeOptimizer(for:)`).
    ///   - onEpochEnd: sees each epoch's report and the checkpoint to resume after it (which
    ///     captures the optimizer's state); an error it throws ends training.
    /// - Throws: `TrainingError.nonFinite` naming the epoch, the batch and where a NaN or an
    ///   infinity appeared (`onEpochEnd` is not called for that epoch); what `onEpochEnd` throws.
    @discardableResult
    public func fit(_ step: Step, on dataset: Dataset, sampler: any BatchSampler, resumingFrom checkpoint: Checkpoint? = nil,
                    onEpochEnd: ((EpochReport, Checkpoint) throws -> Void)? = nil) throws -> TrainingHistory {
        let startEpoch = checkpoint?.epoch ?? 0
        precondition(startEpoch <= epochs, "resuming after epoch \(startEpoch) of \(epochs)")
        let baseRate = step.optimizer.learningRate
        var best = validation == nil ? nil : checkpoint?.best
        var history = TrainingHistory(epochs: [], keptEpoch: startEpoch, keptScore: nil, stoppedEarly: false)
        var completed = startEpoch
        for epoch in startEpoch..<epochs {
            if let patience, let best, epoch - best.epoch >= patience {
                history.stoppedEarly = true
                observer?.observe(.stoppedEarly(afterEpoch: epoch, bestEpoch: best.epoch, patience: patience))
                break
            }
            let started = DispatchTime.now().uptimeNanoseconds
            step.optimizer.learningRate = schedule.rate(base: baseRate, at: epoch)
            let batches = sampler.batches(epoch: epoch)
            let images = batches.map(\.count).reduce(0, +)
            observer?.observe(.epochStarted(epoch: epoch + 1, of: epochs, images: images))
            var outcomes: [StepOutcome] = []
            var lossSum: Double = 0
            for (b, indices) in batches.enumerated() {
                var x = dataset.batch(indices)
                let y = dataset.labels(indices)
                var targets: Tensor?
                if let augmentation {
                    let augmented = augmentation.apply(to: x, labels: y, classCount: dataset.classNames.count,
                                                       batchIndex: epoch * batches.count + b)
                    x = augmented.images
                    if augmented.isMixed { targets = augmented.targets }
                }
                let outcome: StepOutcome
                do throws(NonFiniteValue) {
                    outcome = try step(TrainingBatch(images: x, labels: y, targets: targets, indices: indices, epoch: epoch + 1, index: b + 1))
                } catch {
                    let stop = TrainingError.nonFinite(epoch: epoch + 1, batch: b + 1, error)
                    observer?.observe(.stopped(stop))
                    throw stop
                }
                lossSum += Double(outcome.loss)
                outcomes.append(outcome)
                observer?.observe(.batchEnded(epoch: epoch + 1, batch: b + 1, images: indices.count, meanLoss: lossSum / Double(b + 1)))
            }
            let trainingSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            completed = epoch + 1
            let measured = try validation?.measure(step.model)
            let score = measured?.score
            let isBest = score.map { s in best.map { s > $0.score } ?? true } ?? false
            if let score, isBest { best = BestEpoch(epoch: completed, score: score, of: step.model) }
            let report = EpochReport(
                epoch: completed, learningRate: step.optimizer.learningRate, meanLoss: Float(lossSum / Double(max(batches.count, 1))),
                validationScore: score, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
                imagesPerSecond: trainingSeconds > 0 ? Double(images) / trainingSeconds : 0,
                statistics: step.epochStatistics(of: outcomes).merging(measured?.statistics ?? [:]) { $1 })
            history.epochs.append(report)
            observer?.observe(.epochEnded(report, of: epochs, isBest: isBest, scoreName: validation?.name))
            if let warning = step.warning(about: report) { observer?.observe(.warning(epoch: completed, warning)) }
            try onEpochEnd?(report, Checkpoint(afterEpoch: completed, optimizer: step.optimizer, baseLearningRate: baseRate,
                                               of: step.model, best: best))
        }
        if let best, best.epoch != completed { best.restore(into: step.model) }
        let kept = best?.epoch ?? completed
        history.keptEpoch = kept
        history.keptScore = best?.score
        observer?.observe(.keptEpoch(kept, of: completed, score: best?.score, scoreName: validation?.name))
        return history
    }
}

/// Held-out images: indices into a dataset.
public struct ValidationImages: Sendable {
    public var dataset: Dataset
    public var indices: [Int]

    public init(dataset: Dataset, indices: [Int]) {
        precondition(!indices.isEmpty, "no validation images")
        self.dataset = dataset
        self.indices = indices
    }
}
