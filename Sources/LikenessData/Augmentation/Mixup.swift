import Foundation
import LikenessCore

/// Mixes each image of a batch with another image of the same batch, and their one-hot labels
/// alike: mixup (Zhang et al., "mixup: Beyond Empirical Risk Minimization", ICLR 2018) blends
/// the pair, CutMix (Yun et al., ICCV 2019) pastes a box of the partner into the image.
///
/// mixup: `x̃_i = λ x_i + (1 − λ) x_π(i)`; CutMix: `x̃_i = x_i` outside a box, `x_π(i)` inside it,
/// the box of side `√(1 − λ)` times the image's, centred uniformly and clipped to the image, and
/// `λ` then the share of the image left outside it. The targets are
/// `ỹ_i = λ e_{y_i} + (1 − λ) e_{y_π(i)}`, with one `λ ~ Beta(α, α)`, one random permutation `π`
/// and (CutMix) one box per batch. Given both α, each batch is mixed by one of the two, chosen
/// with probability 0.5 (as timm does).
public struct Mixup: Sendable, Hashable {
    /// The `α` of mixup's `Beta(α, α)`, nil for no blending: small values keep most images close
    /// to one of the pair.
    public var alpha: Float?
    /// The `α` of CutMix's `Beta(α, α)`, nil for no CutMix.
    public var cutMixAlpha: Float?
    /// The probability that a batch is mixed at all.
    public var probability: Float
    /// The batches mixed: those holding an image in scope (all for `.allImages`), so that mixing
    /// can be kept to batches with a rare class.
    public var batches: AugmentationScope

    public init(alpha: Float? = nil, cutMixAlpha: Float? = nil, probability: Float = 1, batches: AugmentationScope = .allImages) {
        precondition(alpha != nil || cutMixAlpha != nil, "mixing needs mixup's α, CutMix's α or both")
        self.alpha = alpha
        self.cutMixAlpha = cutMixAlpha
        self.probability = probability
        self.batches = batches
    }

    /// Mixes `images` (`N × C × H × W`) in place and returns the `N × classCount` soft labels;
    /// nil when the batch is left unmixed (by the draw, or holding no image in scope).
    func mix(_ images: inout Tensor, labels: [Int], classCount: Int, using rng: inout SeededGenerator) -> Tensor? {
        let n = labels.count
        guard rng.nextUniform() < probability, n > 1, labels.contains(where: batches.includes) else { return nil }
        let cutMix: Bool
        switch (alpha, cutMixAlpha) {
        case (.some, .some): cutMix = rng.nextUniform() < 0.5
        case (.some, nil): cutMix = false
        default: cutMix = true
        }
        var lambda = Float(Self.beta(Double(cutMix ? cutMixAlpha! : alpha!), using: &rng))
        var partner = Array(0..<n)
        partner.shuffleFront(n, using: &rng)
        let (height, width) = (images.shape[2], images.shape[3])
        let box = cutMix ? Self.box(lambda: lambda, height: height, width: width, using: &rng) : nil
        if let box { lambda = 1 - Float(box.rows.count * box.columns.count) / Float(height * width) }
        let size = images.count / n, planes = images.shape[1]
        let source = images
        source.withUnsafeBufferPointer { src in
            images.withUnsafeMutableBufferPointer { dst in
                Parallel.forEachChunk(n, grain: 4) { range in
                    for i in range {
                        let a = i * size, b = partner[i] * size
                        if let box {
                            for plane in 0..<planes {
                                for y in box.rows {
                                    let offset = (plane * height + y) * width
                                    for x in box.columns { dst[a + offset + x] = src[b + offset + x] }
                                }
                            }
                        } else {
                            for j in 0..<size { dst[a + j] = lambda * src[a + j] + (1 - lambda) * src[b + j] }
                        }
                    }
                }
            }
        }
        var targets = Tensor.oneHot(labels, classCount: classCount)
        targets.withUnsafeMutableBufferPointer { t in
            for i in 0..<n {
                t[i * classCount + labels[i]] = lambda
                t[i * classCount + labels[partner[i]]] += 1 - lambda
            }
        }
        return targets
    }

    /// CutMix's box for `λ`: sides `√(1 − λ)` times the image's (rounded down), centred
    /// uniformly on a pixel, clipped to the image (rows, columns).
    public static func box(lambda: Float, height: Int, width: Int, using rng: inout SeededGenerator) -> (rows: Range<Int>, columns: Range<Int>) {
        let ratio = (1 - Double(lambda)).squareRoot()
        let boxHeight = Int(Double(height) * ratio), boxWidth = Int(Double(width) * ratio)
        let cy = Int(rng.next() % UInt64(height)), cx = Int(rng.next() % UInt64(width))
        return (max(cy - boxHeight / 2, 0)..<min(cy + boxHeight / 2, height),
                max(cx - boxWidth / 2, 0)..<min(cx + boxWidth / 2, width))
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
