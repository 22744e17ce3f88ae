import Foundation
import LikenessCore
import LikenessData

/// Trains an embedding network (`Head.embedding`) with a triplet loss on PK batches, with
/// progress on standard error, validation recall@1 after each epoch and early stopping on it.
///
/// Each epoch draws its batches from a `PKBatchSampler` (`P` classes × `K` images), optionally
/// augments them, and takes one `EmbeddingStep` per batch; then it embeds the validation
/// images and measures leave-one-out recall@1 among them (`EmbeddingEvaluation.recallAtOne`).
public struct EmbeddingTrainer {
    public var epochs: Int
    /// `P`: classes per batch (all the training classes when there are fewer).
    public var classesPerBatch: Int
    /// `K`: images of each class per batch.
    public var imagesPerClass: Int
    /// Batches per epoch; `⌈N / (P · K)⌉` for `N` training images when nil.
    public var batchesPerEpoch: Int?
    public var loss: TripletLoss
    /// Applied to each training batch; its mixup must be off (it mixes labels, triplets need
    /// hard ones).
    public var augmentation: AugmentationPipeline?
    /// Sets the optimizer's learning rate at the start of each epoch from its base rate.
    public var schedule: LearningRateSchedule
    /// Stop after this many epochs without a better validation recall@1 (never when nil).
    public var earlyStoppingPatience: Int?
    /// Give the model back the weights of its best validation epoch when training ends.
    public var restoresBestModel: Bool
    /// Draws the batches (the sampler's seed); dropout and augmentation have their own.
    public var seed: UInt64
    /// A progress bar per epoch and a summary line on standard error.
    public var showsProgress: Bool
    /// An epoch whose embedding spread is under this, with the loss near its collapsed value,
    /// is reported as collapsed (unit embeddings spread evenly have a spread near 1).
    public var collapseSpread: Float

    /// The defaults are PROTOCOL.md's: PK batches of 8 × 16, margin 0.2 on the Euclidean
    /// distance with semi-hard mining.
    public init(epochs: Int, classesPerBatch: Int = 8, imagesPerClass: Int = 16, batchesPerEpoch: Int? = nil,
                loss: TripletLoss = TripletLoss(), augmentation: AugmentationPipeline? = nil,
                schedule: LearningRateSchedule = .constant, earlyStoppingPatience: Int? = nil,
                restoresBestModel: Bool = true, seed: UInt64 = 0, showsProgress: Bool = true,
                collapseSpread: Float = 0.05) {
        precondition(epochs > 0, "training for \(epochs) epochs")
        precondition(classesPerBatch >= 2 && imagesPerClass >= 2,
                     "PK batches of \(classesPerBatch) × \(imagesPerClass): triplets need at least 2 classes of 2 images")
        precondition(batchesPerEpoch.map { $0 > 0 } ?? true, "\(batchesPerEpoch!) batches per epoch")
        precondition(earlyStoppingPatience.map { $0 > 0 } ?? true, "early-stopping patience \(earlyStoppingPatience!)")
        self.epochs = epochs
        self.classesPerBatch = classesPerBatch
        self.imagesPerClass = imagesPerClass
        self.batchesPerEpoch = batchesPerEpoch
        self.loss = loss
        self.augmentation = augmentation
        self.schedule = schedule
        self.earlyStoppingPatience = earlyStoppingPatience
        self.restoresBestModel = restoresBestModel
        self.seed = seed
        self.showsProgress = showsProgress
        self.collapseSpread = collapseSpread
    }

    /// Trains `model` on the images at `trainingIndices` and returns the report of each epoch.
    ///
    /// - Parameters:
    ///   - model: a network with an embedding head (`Network.make(head: .embedding(dimension:))`).
    ///   - optimizer: updates `model`'s parameters; when nil, the one the checkpoint's state
    ///     makes when resuming, else Adam with learning rate 1e-3 (PROTOCOL.md).
    ///   - validationIndices: held-out images for recall@1 and early stopping (none: no
    ///     validation, no early stopping, nothing restored).
    ///   - checkpoint: where an interrupted run stood (one `onEpochEnd` was given): training goes
    ///     on after its epoch, with its best epoch (the batches of each epoch depend only on the
    ///     seed and the epoch).
    ///   - onEpochEnd: called after each epoch's validation, before the early-stopping decision,
    ///     with the epoch's report and the checkpoint to resume after it (which captures the
    ///     optimizer's state: Adam or SGD over the model's parameters); an error it throws ends
    ///     training.
    /// - Throws: `TrainingError.tooFewClasses` or `.tooFewImages` when the training images do
    ///   not make triplets (fewer than 2 classes, or a class with a single image);
    ///   `TrainingError.nonFinite` naming the epoch, the batch and where a NaN or an infinity
    ///   appeared (`onEpochEnd` is not called for that epoch); what `onEpochEnd` throws.
    /// - Precondition: `augmentation` has no mixup and validates for the dataset's channels.
    @discardableResult
    public func fit(_ model: Sequential, optimizer: (any Optimizer)? = nil, on dataset: Dataset,
                    trainingIndices: [Int], validationIndices: [Int] = [], resumingFrom checkpoint: Checkpoint? = nil,
                    onEpochEnd: ((EmbeddingEpochReport, Checkpoint) throws -> Void)? = nil) throws -> EmbeddingTrainingHistory {
        let startEpoch = checkpoint?.epoch ?? 0
        precondition(startEpoch <= epochs, "resuming after epoch \(startEpoch) of \(epochs)")
        precondition(augmentation?.mixup == nil, "mixup mixes labels; triplet training needs hard labels")
        let counts = dataset.classCounts(of: trainingIndices)
        let trainingClasses = counts.filter { $0 > 0 }.count
        guard trainingClasses >= 2 else { throw TrainingError.tooFewClasses(found: trainingClasses) }
        if let single = counts.firstIndex(of: 1) {
            throw TrainingError.tooFewImages(label: single, className: dataset.classNames[single], count: 1)
        }
        let optimizer = optimizer ?? checkpoint?.optimizer.makeOptimizer(for: model)
            ?? Adam(parameters: model.parameters.map(\.parameter), learningRate: 1e-3)
        let sampler = PKBatchSampler(labels: dataset.labels, indices: trainingIndices,
                                     classesPerBatch: min(classesPerBatch, trainingClasses), imagesPerClass: imagesPerClass,
                                     batchesPerEpoch: batchesPerEpoch, seed: seed)
        let step = EmbeddingStep(model: model, optimizer: optimizer, loss: loss)
        let baseRate = optimizer.learningRate
        let validationLabels = dataset.labels(validationIndices)

        var best = validationIndices.isEmpty ? nil : checkpoint?.best
        var history = EmbeddingTrainingHistory(epochs: [], bestEpoch: best?.epoch, stoppedEarly: false, restoredBestModel: false)
        var completed = startEpoch
        for epoch in startEpoch..<epochs {
            if let patience = earlyStoppingPatience, let best, epoch - best.epoch >= patience {
                history.stoppedEarly = true
                if showsProgress {
                    printDiagnostic("early stopping: no better validation recall@1 for \(patience) epochs (best: epoch \(best.epoch))")
                }
                break
            }
            let start = Date()
            optimizer.learningRate = schedule.rate(base: baseRate, at: epoch)
            let batches = sampler.batches(epoch: epoch)
            let imageCount = batches.reduce(0) { $0 + $1.count }
            let progress = showsProgress ? ProgressBar("epoch \(epoch + 1)/\(epochs)", total: imageCount, unit: "images") : nil
            var tally = EpochTally()
            for (b, batch) in batches.enumerated() {
                let labels = dataset.labels(batch)
                var images = dataset.batch(batch)
                if let augmentation {
                    images = augmentation.apply(to: images, labels: labels, classCount: dataset.classNames.count,
                                                batchIndex: epoch * batches.count + b).images
                }
                do throws(NonFiniteValue) {
                    tally.add(try step(images: images, labels: labels))
                } catch {
                    progress?.finish(note: "stopped")
                    throw TrainingError.nonFinite(epoch: epoch + 1, batch: b + 1, error)
                }
                progress?.advance(by: batch.count, note: tally.note)
            }
            progress?.finish()
            let trainingSeconds = Date().timeIntervalSince(start)
            completed = epoch + 1

            var recall: Double?
            if !validationIndices.isEmpty {
                recall = try EmbeddingEvaluation.recallAtOne(embeddings: model.predict(dataset, indices: validationIndices),
                                                         labels: validationLabels)
            }
            let isBest = recall.map { r in best.map { r > $0.score } ?? true } ?? false
            if let recall, isBest {
                best = BestEpoch(epoch: completed, score: recall, of: model)
                history.bestEpoch = completed
            }
            let meanLoss = tally.meanLoss
            let collapsed = tally.meanSpread < collapseSpread
                && abs(meanLoss - loss.collapsedValue) <= 0.05 * max(loss.collapsedValue, 1e-6)
            let report = EmbeddingEpochReport(
                epoch: completed, learningRate: optimizer.learningRate, meanLoss: meanLoss,
                activeTripletFraction: tally.activeFraction, meanTripletsPerBatch: tally.meanTriplets,
                meanPositiveDistance: tally.meanPositiveDistance, meanNegativeDistance: tally.meanNegativeDistance,
                embeddingSpread: tally.meanSpread, validationRecallAtOne: recall, isBest: isBest, collapsed: collapsed,
                imagesPerSecond: trainingSeconds > 0 ? Double(imageCount) / trainingSeconds : 0,
                seconds: Date().timeIntervalSince(start))
            history.epochs.append(report)
            if showsProgress { printDiagnostic(Self.summary(report, of: epochs)) }
            if collapsed {
                printDiagnostic("warning: epoch \(completed): the embeddings have collapsed (spread \(Self.format(report.embeddingSpread, 4)), "
                                + "loss \(Self.format(meanLoss, 4)) ≈ its collapsed value \(Self.format(loss.collapsedValue, 4))); "
                                + "try a lower learning rate, a smaller margin or semi-hard rather than batch-hard mining")
            }
            try onEpochEnd?(report, Checkpoint(afterEpoch: completed, optimizer: optimizer, baseLearningRate: baseRate, of: model, best: best))
        }
        if restoresBestModel, let best, best.epoch != completed {
            best.restore(into: model)
            history.restoredBestModel = true
        }
        return history
    }

    static func summary(_ r: EmbeddingEpochReport, of epochs: Int) -> String {
        var line = "epoch \(r.epoch)/\(epochs): loss \(format(r.meanLoss, 4)) · active \(format(100 * r.activeTripletFraction, 1))%"
            + " · d(a,p) \(format(r.meanPositiveDistance, 3)) d(a,n) \(format(r.meanNegativeDistance, 3))"
            + " · spread \(format(r.embeddingSpread, 3)) · \(Int(r.imagesPerSecond.rounded())) images/s"
        if let recall = r.validationRecallAtOne {
            line += " · validation recall@1 \(format(recall, 4))\(r.isBest ? " (best)" : "")"
        }
        return line
    }

    static func format(_ value: some BinaryFloatingPoint, _ digits: Int) -> String {
        String(format: "%.\(digits)f", Double(value))
    }
}

/// Running sums over the batches of an epoch.
private struct EpochTally {
    var batches = 0, triplets = 0, active = 0
    var lossSum = 0.0, spreadSum = 0.0, positiveSum = 0.0, negativeSum = 0.0

    mutating func add(_ outcome: EmbeddingStep.Outcome) {
        let s = outcome.statistics
        batches += 1
        triplets += s.tripletCount
        active += s.activeCount
        lossSum += Double(outcome.loss)
        spreadSum += Double(outcome.spread)
        positiveSum += Double(s.meanPositiveDistance) * Double(s.tripletCount)
        negativeSum += Double(s.meanNegativeDistance) * Double(s.tripletCount)
    }

    var meanLoss: Float { batches > 0 ? Float(lossSum / Double(batches)) : 0 }
    var meanSpread: Float { batches > 0 ? Float(spreadSum / Double(batches)) : 0 }
    var meanTriplets: Double { batches > 0 ? Double(triplets) / Double(batches) : 0 }
    var activeFraction: Double { triplets > 0 ? Double(active) / Double(triplets) : 0 }
    var meanPositiveDistance: Float { triplets > 0 ? Float(positiveSum / Double(triplets)) : 0 }
    var meanNegativeDistance: Float { triplets > 0 ? Float(negativeSum / Double(triplets)) : 0 }
    var note: String {
        "loss \(EmbeddingTrainer.format(meanLoss, 4)) · active \(EmbeddingTrainer.format(100 * activeFraction, 1))%"
    }
}
