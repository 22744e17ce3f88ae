import Foundation

/// The supervised contrastive loss (Khosla et al., "Supervised Contrastive Learning", NeurIPS
/// 2020, `L_out`): `ℓᵢ = −(1/|P(i)|) Σ_{p∈P(i)} log(exp(xᵢ·x_p/τ) / Σ_{k≠i} exp(xᵢ·x_k/τ))`,
/// `P(i)` the other rows of `i`'s class; `L` is the mean of `ℓᵢ` over the anchors that have a
/// positive (pytorch-metric-learning's `SupConLoss`).
///
/// With two augmented views of each image labelled by image, it is SimCLR's NT-Xent (Chen et
/// al. 2020): `SupervisedContrastiveLoss.viewPairLabels` gives those labels.
///
/// Embeddings `N × D`, unit rows. `∂L/∂Sᵢⱼ = (Pᵢⱼ − [j∈P(i)]/|P(i)|) / A` for the `A` anchors,
/// then `∂L/∂x = (G + Gᵀ) x / τ` (`ScaledSimilarities`).
public struct SupervisedContrastiveLoss: MetricLoss, Sendable, Equatable {
    /// `τ`: smaller sharpens each row's softmax on its nearest rows.
    public var temperature: Float

    /// The default is pytorch-metric-learning's and ONE-SHOT-MEASUREMENTS's 0.1.
    public init(temperature: Float = 0.1) {
        precondition(temperature > 0 && temperature.isFinite, "contrastive temperature must be positive, got \(temperature)")
        self.temperature = temperature
    }

    /// The names of the loss's figures.
    public enum Statistic {
        /// Anchors with at least one positive in the batch.
        public static let anchors = "anchors"
        /// The mean softmax probability an anchor gives its positives together (1 when each
        /// row's mass is all on its own class).
        public static let positiveMass = "positive mass"
    }

    public func lossAndGradient(embeddings x: Tensor, labels: [Int]) -> MetricLossResult {
        precondition(x.rank == 2 && x.shape[0] == labels.count,
                     "embeddings of shape \(x.shape) for \(labels.count) labels: expected [\(labels.count), D]")
        let n = labels.count
        let similarities = ScaledSimilarities(x, temperature: temperature)
        var g = [Float](repeating: 0, count: n * n)
        var total = 0.0, mass = 0.0, anchors = 0
        for i in 0..<n {
            let positives = (0..<n).filter { $0 != i && labels[$0] == labels[i] }
            guard !positives.isEmpty else { continue }
            anchors += 1
            let share = 1 / Float(positives.count)
            for j in 0..<n where j != i { g[i * n + j] = similarities.probabilities[i * n + j] }
            for p in positives {
                total -= Double(similarities.logProbabilities[i * n + p] * share)
                mass += Double(similarities.probabilities[i * n + p])
                g[i * n + p] -= share
            }
        }
        guard anchors > 0 else {
            return MetricLossResult(loss: 0, gradient: Tensor(shape: x.shape), statistics: [Statistic.anchors: 0, Statistic.positiveMass: 0])
        }
        let scale = 1 / Float(anchors)
        for k in g.indices { g[k] *= scale }
        return MetricLossResult(loss: Float(total) * scale, gradient: similarities.embeddingGradient(g, of: x),
                                statistics: [Statistic.anchors: Double(anchors), Statistic.positiveMass: mass / Double(anchors)])
    }

    /// `log(N − 1)`: every row's softmax uniform.
    public func collapsedValue(batchSize: Int) -> Float { batchSize > 1 ? Foundation.log(Float(batchSize - 1)) : 0 }

    /// Labels for `2N` rows that are two views of `N` images, the first views then the second:
    /// rows `i` and `N + i` share label `i`.
    public static func viewPairLabels(imageCount n: Int) -> [Int] { Array(0..<n) + Array(0..<n) }
}
