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
    @discardableResult
    public func callAsFunction(images: Tensor, labels: [Int]) -> Float {
        model.zeroGradients()
        let logits = model.forward(images, training: true)
        let (value, gradient) = loss.lossAndGradient(logits: logits, labels: labels)
        _ = model.backward(gradient, inputGradient: false)
        optimizer.step()
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

/// Epochs of shuffled mini-batches over a labelled set, with progress on standard error.
public struct ClassifierTrainer {
    public var epochs: Int
    public var batchSize: Int
    public var seed: UInt64
    /// Sets the optimizer's learning rate at the start of each epoch from its base rate.
    public var schedule: LearningRateSchedule

    public init(epochs: Int, batchSize: Int = 128, seed: UInt64 = 0, schedule: LearningRateSchedule = .constant) {
        precondition(epochs > 0 && batchSize > 0, "training for \(epochs) epochs in batches of \(batchSize)")
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.schedule = schedule
    }

    /// Trains on the images at `indices` and returns the mean loss of each epoch.
    @discardableResult
    public func fit(_ step: ClassifierStep, on dataset: Dataset, indices: [Int], showProgress: Bool = true) -> [Float] {
        precondition(!indices.isEmpty, "training on no images")
        var rng = SeededGenerator(seed: seed)
        let baseRate = step.optimizer.learningRate
        var epochLosses: [Float] = []
        for epoch in 0..<epochs {
            step.optimizer.learningRate = schedule.rate(base: baseRate, at: epoch)
            let order = indices.shuffled(using: &rng)
            let progress = showProgress ? ProgressBar("epoch \(epoch + 1)/\(epochs)", total: order.count, unit: "images") : nil
            var sum: Double = 0, batches = 0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let batch = Array(order[start..<min(start + batchSize, order.count)])
                let loss = step(images: dataset.batch(batch), labels: dataset.labels(batch))
                sum += Double(loss)
                batches += 1
                progress?.advance(by: batch.count, note: "loss \(String(format: "%.4f", sum / Double(batches)))")
            }
            progress?.finish()
            epochLosses.append(Float(sum / Double(batches)))
        }
        return epochLosses
    }
}
