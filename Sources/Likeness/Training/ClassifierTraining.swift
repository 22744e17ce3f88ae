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
