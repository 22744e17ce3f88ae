import Foundation

/// Label-distribution-aware margin loss (Cao et al. 2019): the true class's logit lowered by a
/// margin that grows as the class gets rarer, scaled, then weighted cross-entropy:
/// `L = Σᵢ wᵢ · (−log softmax(s (zᵢ − Δ_{yᵢ} e_{yᵢ}))_{yᵢ}) / Σᵢ wᵢ`, `wᵢ = w_{yᵢ}`, and
/// `∂L/∂zᵢ = s · wᵢ · (softmax(s (zᵢ − Δ_{yᵢ} e_{yᵢ})) − onehot(yᵢ)) / Σᵢ wᵢ`,
/// with `Δ_c = m · n_c^{−1/4} / max_k n_k^{−1/4}` (the rarest class gets the margin `m`).
///
/// Deferred re-weighting (DRW): the class weights `w` apply from `reweightingEpoch` on; before
/// it every class weighs 1, so the features are learnt on the natural distribution first.
public struct LDAMLoss: ClassificationLoss, Sendable {
    /// `Δ_c`, one per class.
    public var margins: [Float]
    /// `s`, which the margins are measured against.
    public var scale: Float
    /// One weight per class from `reweightingEpoch` on, or nil for none.
    public var classWeights: [Float]?
    /// The first epoch (1-based) the class weights apply in.
    public var reweightingEpoch: Int

    public init(margins: [Float], scale: Float, classWeights: [Float]? = nil, reweightingEpoch: Int = 1) {
        precondition(margins.allSatisfy { $0 >= 0 && $0.isFinite }, "LDAM margins must be finite and non-negative")
        precondition(scale > 0 && scale.isFinite, "LDAM scale must be positive and finite, got \(scale)")
        precondition(classWeights.map { $0.count == margins.count && $0.allSatisfy { $0 >= 0 && $0.isFinite } } ?? true,
                     "one finite, non-negative weight per class")
        precondition(reweightingEpoch >= 1, "re-weighting from epoch \(reweightingEpoch)")
        self.margins = margins
        self.scale = scale
        self.classWeights = classWeights
        self.reweightingEpoch = reweightingEpoch
    }

    /// The margins `Δ_c = maxMargin · n_c^{−1/4} / max_k n_k^{−1/4}` for training images with
    /// `classCounts` (a class without images counts as one).
    public init(classCounts: [Int], maxMargin: Float, scale: Float, classWeights: [Float]? = nil, reweightingEpoch: Int = 1) {
        precondition(maxMargin >= 0 && maxMargin.isFinite, "LDAM margin must be finite and non-negative, got \(maxMargin)")
        let raw = classCounts.map { Foundation.pow(Double(max($0, 1)), -0.25) }
        let largest = raw.max() ?? 1
        self.init(margins: raw.map { Float(Double(maxMargin) * $0 / largest) }, scale: scale, classWeights: classWeights,
                  reweightingEpoch: reweightingEpoch)
    }

    /// The loss with the class weights applied (as in the epochs from `reweightingEpoch` on).
    public func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        lossAndGradient(logits: logits, labels: labels, weights: classWeights)
    }

    public func lossAndGradient(logits: Tensor, labels: [Int], epoch: Int) -> (loss: Float, gradient: Tensor) {
        lossAndGradient(logits: logits, labels: labels, weights: epoch >= reweightingEpoch ? classWeights : nil)
    }

    private func lossAndGradient(logits: Tensor, labels: [Int], weights: [Float]?) -> (loss: Float, gradient: Tensor) {
        let c = margins.count
        precondition(logits.rank == 2 && logits.shape[1] == c && logits.shape[0] == labels.count,
                     "logits \(logits.shape) for \(labels.count) labels and \(c) margins")
        let s = scale
        let adjusted = Tensor(shape: logits.shape) { out in
            logits.withUnsafeBufferPointer { z in
                for i in z.indices { out[i] = s * z[i] }
                for (i, y) in labels.enumerated() { out[i * c + y] -= s * margins[y] }
            }
        }
        var (value, gradient) = SoftmaxCrossEntropy(classWeights: weights).lossAndGradient(logits: adjusted, labels: labels)
        gradient.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] *= s }
        }
        return (value, gradient)
    }
}
