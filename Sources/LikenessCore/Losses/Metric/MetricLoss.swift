/// A loss on a batch of labelled embeddings (`N × D`, unit rows from an embedding head): the
/// losses an embedding network trains with — triplet, supervised contrastive, multi-similarity,
/// cosine-margin proxies.
public protocol MetricLoss {
    /// The loss, `∂L/∂x` (`N × D`) and the loss's figures for the batch (by name, e.g.
    /// "positives"), for one batch; a loss with parameters of its own (`parameters`) adds
    /// their gradients into `Parameter.gradient`.
    ///
    /// - Parameters:
    ///   - embeddings: `N × D`.
    ///   - labels: the class of each row.
    func lossAndGradient(embeddings: Tensor, labels: [Int]) -> MetricLossResult

    /// Trainable tensors of the loss itself (a proxy loss's class proxies), updated with the
    /// network's; none for losses of the embeddings alone.
    var parameters: [(name: String, parameter: Parameter)] { get }

    /// The loss on a batch of `batchSize` embeddings that are all the same point: a loss stuck
    /// there means the embeddings have collapsed.
    func collapsedValue(batchSize: Int) -> Float

    /// An epoch's figures from its batches' `MetricLossResult.statistics`, in batch order.
    func epochStatistics(of batches: [[String: Double]]) -> [String: Double]
}

extension MetricLoss {
    public var parameters: [(name: String, parameter: Parameter)] { [] }

    /// The mean over the batches of each figure.
    public func epochStatistics(of batches: [[String: Double]]) -> [String: Double] {
        var sums: [String: Double] = [:]
        for statistics in batches { sums.merge(statistics, uniquingKeysWith: +) }
        return sums.mapValues { $0 / Double(max(batches.count, 1)) }
    }
}

/// What a `MetricLoss` returns for a batch.
public struct MetricLossResult {
    public var loss: Float
    /// `∂L/∂x`, `N × D` like the embeddings.
    public var gradient: Tensor
    /// The loss's own figures for the batch, by name (`TripletLoss`: "triplets", "active fraction").
    public var statistics: [String: Double]

    public init(loss: Float, gradient: Tensor, statistics: [String: Double] = [:]) {
        self.loss = loss
        self.gradient = gradient
        self.statistics = statistics
    }
}
