import LikenessCore

/// One optimisation step of an embedding network: forward, triplet loss, backward, update.
public struct EmbeddingStep {
    /// What one step saw.
    public struct Outcome: Sendable {
        public var loss: Float
        public var statistics: TripletStatistics
        /// `EmbeddingEvaluation.spread` of the batch's embeddings.
        public var spread: Float
    }

    public let model: Sequential
    public let optimizer: any Optimizer
    public let loss: TripletLoss

    /// - Parameter model: a network whose output is `N × D` embeddings (`Head.embedding`).
    public init(model: Sequential, optimizer: any Optimizer, loss: TripletLoss) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
    }

    /// Trains on one batch (`N × C × H × W` images, `N` labels).
    ///
    /// - Throws: `NonFiniteValue` when the loss or a gradient is NaN or infinite (the optimizer
    ///   has not stepped then, and the network's parameters and buffers are as they were), or
    ///   when the step made a parameter so (`updatedWeights`).
    @discardableResult
    public func callAsFunction(images: Tensor, labels: [Int]) throws(NonFiniteValue) -> Outcome {
        let (result, embeddings) = try model.checkedPass(images: images) {
            model.zeroGradients()
            let embeddings = model.forward(images, training: true)
            precondition(embeddings.rank == 2, "an embedding network outputs N × D, got \(embeddings.shape)")
            let result = loss.lossAndGradient(embeddings: embeddings, labels: labels)
            _ = model.backward(result.gradient, inputGradient: false)
            return (result.loss, (result, embeddings))
        }
        optimizer.step()
        try model.requireFiniteParameters(afterStepWithLoss: result.loss)
        return Outcome(loss: result.loss, statistics: result.statistics, spread: EmbeddingEvaluation.spread(embeddings))
    }
}
