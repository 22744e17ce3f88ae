import Foundation
import LikenessCore

/// Mixes each image of a batch with another image of the same batch, and their one-hot labels
/// alike (Zhang et al., "mixup: Beyond Empirical Risk Minimization", ICLR 2018).
///
/// `x̃_i = λ x_i + (1 − λ) x_π(i)`, `ỹ_i = λ e_{y_i} + (1 − λ) e_{y_π(i)}`, with one
/// `λ ~ Beta(α, α)` and one random permutation `π` per batch.
public struct Mixup: Sendable, Hashable {
    /// The `α` of `Beta(α, α)`: small values keep most images close to one of the pair.
    public var alpha: Float
    /// The probability that a batch is mixed at all.
    public var probability: Float

    public init(alpha: Float = 0.2, probability: Float = 1) {
        self.alpha = alpha
        self.probability = probability
    }

    /// Mixes `images` (`N × C × H × W`) in place and returns the `N × classCount` soft labels;
    /// one-hot labels when the draw leaves the batch unmixed.
    func mix(_ images: inout Tensor, labels: [Int], classCount: Int, using rng: inout SeededGenerator) -> Tensor {
        let n = labels.count
        var targets = Tensor(shape: [n, classCount])
        guard rng.nextUniform() < probability, n > 1 else {
            for (i, y) in labels.enumerated() { targets[flat: i * classCount + y] = 1 }
            return targets
        }
        let lambda = Float(Self.beta(Double(alpha), using: &rng))
        var partner = Array(0..<n)
        partner.shuffleFront(n, using: &rng)
        let size = images.count / n
        let source = images
        source.withUnsafeBufferPointer { src in
            images.withUnsafeMutableBufferPointer { dst in
                Parallel.forEachChunk(n, grain: 4) { range in
                    for i in range {
                        let a = i * size, b = partner[i] * size
                        for j in 0..<size { dst[a + j] = lambda * src[a + j] + (1 - lambda) * src[b + j] }
                    }
                }
            }
        }
        targets.withUnsafeMutableBufferPointer { t in
            for i in 0..<n {
                t[i * classCount + labels[i]] += lambda
                t[i * classCount + labels[partner[i]]] += 1 - lambda
            }
        }
        return targets
    }

    /// A draw from `Beta(a, a)` as `G₁ / (G₁ + G₂)` with `Gᵢ ~ Gamma(a, 1)`.
    static func beta(_ a: Double, using rng: inout SeededGenerator) -> Double {
        let g1 = gamma(a, using: &rng), g2 = gamma(a, using: &rng)
        return g1 / (g1 + g2)
    }

    /// A draw from `Gamma(a, 1)` (Marsaglia and Tsang, 2000); for `a < 1`, `Gamma(a + 1) · U^{1/a}`.
    static func gamma(_ a: Double, using rng: inout SeededGenerator) -> Double {
        func openUniform() -> Double { (Double(rng.next() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0) }
        if a < 1 { return gamma(a + 1, using: &rng) * pow(openUniform(), 1 / a) }
        let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = Double(rng.nextNormal())
            let v = pow(1 + c * x, 3)
            guard v > 0 else { continue }
            let u = openUniform()
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
