import Dispatch
import LikenessCore
import LikenessData

/// One optimisation step of a classifier: forward, loss, backward, update.
public struct ClassifierStep {
    public let model: Sequential
    public let optimizer: any Optimizer
    public let loss: any ClassificationLoss

    public init(model: Sequential, optimizer: any Optimizer, loss: any ClassificationLoss) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
    }

    /// Trains on one batch (`N × C × H × W` images, `N` labels) and returns the batch's loss.
    ///
    /// - Throws: `NonFiniteValue` when the loss or a gradient is NaN or infinite (the optimizer
    ///   has not stepped then, and the network's parameters and buffers are as they were), or
    ///   when the step made a parameter so (`updatedWeights`).
    @discardableResult
    public func callAsFunction(images: Tensor, labels: [Int]) throws(NonFiniteValue) -> Float {
        let value = try model.checkedPass(images: images) {
            model.zeroGradients()
            let logits = model.forward(images, training: true)
            let (value, gradient) = loss.lossAndGradient(logits: logits, labels: labels)
            _ = model.backward(gradient, inputGradient: false)
            return (value, value)
        }
        optimizer.step()
        try model.requireFiniteParameters(afterStepWithLoss: value)
        return value
    }
}

extension Sequential {
    /// The network's outputs in inference mode for the images at `indices`, in batches.
    public func predict(_ dataset: Dataset, indices: [Int], batchSize: Int = 256) -> Tensor {
        precondition(batchSize > 0, "batch size \(batchSize)")
        var rows: [Float] = []
        var width = 0
        for start in stride(from: 0, to: indices.count, by: batchSize) {
            let batch = Array(indices[start..<min(start + batchSize, indices.count)])
            let out = forward(dataset.batch(batch), training: false)
            width = out.shape[1]
            rows += out.scalars
        }
        return Tensor(shape: [indices.count, width], scalars: rows)
    }
}

extension Tensor {
    /// The index of the largest element of each row of an `N × C` tensor.
    public var argmaxRows: [Int] {
        precondition(rank == 2, "argmaxRows of a \(shape) tensor")
        let c = shape[1]
        return withUnsafeBufferPointer { p in
            (0..<shape[0]).map { i in
                var best = 0
                for j in 1..<c where p[i * c + j] > p[i * c + best] { best = j }
                return best
            }
        }
    }
}

/// What one epoch of training did.
public struct EpochReport: Sendable, Codable, Equatable {
    public var epoch: Int
    public var learningRate: Float
    public var meanLoss: Float
    /// Balanced accuracy (mean of per-class recall) on the validation images, when given.
    public var validationBalancedAccuracy: Double?
    public var seconds: Double
    public var imagesPerSecond: Double
}

/// Epochs of mini-batches drawn by a `BatchSampler`, optionally augmented, with progress on
/// standard error, validation after each epoch and early stopping on the validation's
/// balanced accuracy (the weights of the best epoch are kept).
public struct ClassifierTrainer {
    public var epochs: Int
    /// Sets the optimizer's learning rate at the start of each epoch from its base rate.
    public var schedule: LearningRateSchedule
    /// Changes applied to each training batch (mixup, whose targets are soft, is not supported here).
    public var augmentation: AugmentationPipeline?
    /// Images to measure balanced accuracy on after each epoch.
    public var validation: ValidationImages?
    /// Stop after this many epochs without a better validation score (needs `validation`).
    public var patience: Int?
    public var showProgress: Bool

    public init(epochs: Int, schedule: LearningRateSchedule = .constant, augmentation: AugmentationPipeline? = nil,
                validation: ValidationImages? = nil, patience: Int? = nil, showProgress: Bool = true) {
        precondition(epochs > 0, "training for \(epochs) epochs")
        precondition(augmentation?.mixup == nil, "mixup gives soft targets, which ClassifierTrainer does not take")
        precondition(patience == nil || (patience! > 0 && validation != nil), "early stopping needs validation images and a positive patience")
        self.epochs = epochs
        self.schedule = schedule
        self.augmentation = augmentation
        self.validation = validation
        self.patience = patience
        self.showProgress = showProgress
    }

    /// Trains on the batches `sampler` draws from `dataset` and returns the reports of the
    /// epochs run.
    ///
    /// - Parameters:
    ///   - checkpoint: where an interrupted run stood (one `onEpochEnd` was given): training goes
    ///     on after its epoch, with its best epoch for early stopping. The step's optimizer must
    ///     be the one its state makes (`checkpoint.optimizer.makeOptimizer(for:)`).
    ///   - onEpochEnd: sees each epoch's report and the checkpoint to resume after it (which
    ///     captures the optimizer's state: Adam or SGD over the model's parameters); an error it
    ///     throws ends training.
    /// - Throws: `TrainingError.nonFinite` naming the epoch, the batch and where a NaN or an
    ///   infinity appeared (`onEpochEnd` is not called for that epoch); what `onEpochEnd` throws.
    @discardableResult
    public func fit(_ step: ClassifierStep, on dataset: Dataset, sampler: any BatchSampler, resumingFrom checkpoint: Checkpoint? = nil,
                    onEpochEnd: ((EpochReport, Checkpoint) throws -> Void)? = nil) throws -> [EpochReport] {
        let startEpoch = checkpoint?.epoch ?? 0
        precondition(startEpoch <= epochs, "resuming after epoch \(startEpoch) of \(epochs)")
        let baseRate = step.optimizer.learningRate
        var reports: [EpochReport] = []
        // Only early stopping keeps a best epoch.
        var best = patience == nil ? nil : checkpoint?.best
        for epoch in startEpoch..<epochs {
            if let patience, let best, epoch - best.epoch >= patience {
                printDiagnostic("early stop after epoch \(epoch): no better validation score since epoch \(best.epoch)")
                break
            }
            let started = DispatchTime.now().uptimeNanoseconds
            step.optimizer.learningRate = schedule.rate(base: baseRate, at: epoch)
            let batches = sampler.batches(epoch: epoch)
            let images = batches.map(\.count).reduce(0, +)
            let progress = showProgress ? ProgressBar("epoch \(epoch + 1)/\(epochs)", total: images, unit: "images") : nil
            var sum: Double = 0
            for (b, batch) in batches.enumerated() {
                var x = dataset.batch(batch)
                let y = dataset.labels(batch)
                if let augmentation {
                    x = augmentation.apply(to: x, labels: y, classCount: dataset.classNames.count,
                                           batchIndex: epoch * batches.count + b).images
                }
                do throws(NonFiniteValue) {
                    sum += Double(try step(images: x, labels: y))
                } catch {
                    progress?.finish(note: "stopped")
                    throw TrainingError.nonFinite(epoch: epoch + 1, batch: b + 1, error)
                }
                progress?.advance(by: batch.count, note: "loss \(String(format: "%.4f", sum / Double(b + 1)))")
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            var report = EpochReport(epoch: epoch, learningRate: step.optimizer.learningRate,
                                     meanLoss: Float(sum / Double(max(batches.count, 1))), validationBalancedAccuracy: nil,
                                     seconds: seconds, imagesPerSecond: Double(images) / max(seconds, 1e-9))
            if let validation {
                let predicted = step.model.predict(validation.dataset, indices: validation.indices).argmaxRows
                report.validationBalancedAccuracy = balancedAccuracy(predicted: predicted, labels: validation.dataset.labels(validation.indices),
                                                                     classCount: validation.dataset.classNames.count)
            }
            progress?.finish(note: "loss \(String(format: "%.4f", report.meanLoss))"
                             + (report.validationBalancedAccuracy.map { String(format: " · validation balanced accuracy %.4f", $0) } ?? ""))
            if patience != nil, let score = report.validationBalancedAccuracy, score > best?.score ?? -.infinity {
                best = BestEpoch(epoch: epoch + 1, score: score, of: step.model)
            }
            reports.append(report)
            try onEpochEnd?(report, Checkpoint(afterEpoch: epoch + 1, optimizer: step.optimizer, baseLearningRate: baseRate,
                                               of: step.model, best: best))
        }
        best?.restore(into: step.model)
        return reports
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

/// The mean over classes present in `labels` of the share of their images predicted right.
public func balancedAccuracy(predicted: [Int], labels: [Int], classCount: Int) -> Double {
    var hits = [Int](repeating: 0, count: classCount), support = [Int](repeating: 0, count: classCount)
    for (p, y) in zip(predicted, labels) {
        support[y] += 1
        if p == y { hits[y] += 1 }
    }
    let present = (0..<classCount).filter { support[$0] > 0 }
    return present.map { Double(hits[$0]) / Double(support[$0]) }.reduce(0, +) / Double(max(present.count, 1))
}
