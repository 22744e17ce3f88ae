import Foundation

/// Binary cross-entropy on logits, averaged over the batch:
/// `L = (1/N) Σᵢ [max(zᵢ, 0) − zᵢ·tᵢ + log(1 + e^(−|zᵢ|))]` (that is `−t log σ(z) − (1−t) log(1−σ(z))`
/// without overflow), and `∂L/∂zᵢ = (σ(zᵢ) − tᵢ) / N` (PyTorch's `BCEWithLogitsLoss`).
///
/// A GAN's discriminator loss (targets 1 for real images, 0 for generated ones) and its
/// generator's non-saturating loss (target 1 for generated images).
public struct BinaryCrossEntropyWithLogits: Sendable {
    public init() {}

    /// - Parameters:
    ///   - logits: one score per example, `N` or `N × 1`.
    ///   - target: the probability each example is positive, the same for all of them.
    public func lossAndGradient(logits: Tensor, target: Float) -> (loss: Float, gradient: Tensor) {
        precondition(logits.count > 0 && (logits.rank == 1 || (logits.rank == 2 && logits.shape[1] == 1)),
                     "binary logits of shape \(logits.shape), expected N or N×1")
        precondition((0...1).contains(target), "binary target \(target) outside [0, 1]")
        let n = logits.count
        var loss: Double = 0
        let gradient = Tensor(shape: logits.shape) { g in
            logits.withUnsafeBufferPointer { z in
                for i in 0..<n {
                    let zi = Double(z[i]), t = Double(target)
                    loss += max(zi, 0) - zi * t + Foundation.log1p(Foundation.exp(-abs(zi)))
                    let sigmoid = zi >= 0 ? 1 / (1 + Foundation.exp(-zi)) : Foundation.exp(zi) / (1 + Foundation.exp(zi))
                    g[i] = Float((sigmoid - t) / Double(n))
                }
            }
        }
        return (Float(loss / Double(n)), gradient)
    }
}
