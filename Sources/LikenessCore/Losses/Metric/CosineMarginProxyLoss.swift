import Foundation

/// The large-margin cosine loss on learnable class proxies (CosFace: Wang et al., "CosFace:
/// Large Margin Cosine Loss for Deep Face Recognition", CVPR 2018):
/// `ℓᵢ = −log(exp z_iy / Σ_c exp z_ic)` with logits `z_ic = s (cos θ_ic − m [c = yᵢ])`,
/// `cos θ_ic = xᵢ · W_c / ‖W_c‖`; `L` is the mean of `ℓᵢ` over the batch.
///
/// It matches pytorch-metric-learning 2.x's `CosFaceLoss` (2.9 in MetricLossTests' fixture) on
/// unit rows, with its `W` (`D × C`) stored transposed. pml normalises the rows inside the loss;
/// here they are taken as given (the network's `L2Normalize` does it), so pml's embedding
/// gradient is this one projected on each row's tangent plane.
///
/// Embeddings `N × D`, unit rows; proxies `W` `C × D`, one row per class, any length. With
/// `G = ∂L/∂z = (softmax(z) − onehot(y)) / N` (`N × C`) and `Ŵ` the unit proxies,
/// `∂L/∂x = s G Ŵ` and `∂L/∂W_c = (I − Ŵ_c Ŵ_cᵀ) (s Gᵀ x)_c / ‖W_c‖`.
public struct CosineMarginProxyLoss: MetricLoss {
    /// `m`: how much larger the cosine to its own class's proxy must be than to the others'.
    public let margin: Float
    /// `s`: the logits' scale, the inverse temperature of the softmax.
    public let scale: Float
    /// `W`, `C × D`: the proxy of each class, trained with the network (`parameters`).
    public let proxies: Parameter

    /// The number of classes `C`: labels are in `0..<classCount`.
    public var classCount: Int { proxies.value.shape[0] }

    /// The defaults are pml's and the paper's: margin 0.35, scale 64, on small batches too (the
    /// loss is per row, and Adam's steps do not grow with `s`; SGD's do). Proxies start as
    /// standard normal rows (pml's `W` initialisation), from `seed`.
    public init(classCount: Int, dimension: Int, margin: Float = 0.35, scale: Float = 64, seed: UInt64 = 0) {
        precondition(classCount >= 2 && dimension >= 1, "proxies for \(classCount) classes of dimension \(dimension)")
        precondition(margin >= 0 && margin.isFinite, "cosine margin must be finite and non-negative, got \(margin)")
        precondition(scale > 0 && scale.isFinite, "cosine scale must be positive, got \(scale)")
        self.margin = margin
        self.scale = scale
        var rng = SeededGenerator(seed: seed)
        proxies = Parameter(.randomNormal(shape: [classCount, dimension], using: &rng))
    }

    public var parameters: [(name: String, parameter: Parameter)] { [("proxies", proxies)] }

    /// The names of the loss's figures.
    public enum Statistic {
        /// The fraction of rows whose largest cosine is to their own class's proxy.
        public static let accuracy = "proxy accuracy"
        /// The mean cosine of a row to its own class's proxy.
        public static let targetCosine = "cos(x,W_y)"
    }

    /// The loss, `∂L/∂x`; adds `∂L/∂W` into `proxies.gradient`.
    public func lossAndGradient(embeddings x: Tensor, labels: [Int]) -> MetricLossResult {
        let c = classCount, d = proxies.value.shape[1]
        precondition(x.rank == 2 && x.shape[0] == labels.count && x.shape[1] == d,
                     "embeddings of shape \(x.shape) for \(labels.count) labels and proxies of dimension \(d): expected [\(labels.count), \(d)]")
        precondition(labels.allSatisfy { (0..<c).contains($0) }, "labels outside 0..<\(c): \(labels.filter { !(0..<c).contains($0) })")
        let n = labels.count
        guard n > 0 else { return MetricLossResult(loss: 0, gradient: Tensor(shape: x.shape)) }

        var norms = [Float](repeating: 0, count: c)
        var unitProxies = proxies.value
        unitProxies.withUnsafeMutableBufferPointer { w in
            for k in 0..<c {
                let row = w[(k * d)..<((k + 1) * d)]
                // pml's floor (`F.normalize`): a zero proxy has cosine 0 to every row.
                norms[k] = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                for j in (k * d)..<((k + 1) * d) { w[j] /= norms[k] }
            }
        }
        let cosines = Self.multiply(x, .none, unitProxies, .transposed)  // N × C

        // G = ∂L/∂z, row by row from a stable softmax.
        var g = [Float](repeating: 0, count: n * c)
        var total = 0.0, correct = 0, targetCosineSum = 0.0
        cosines.withUnsafeBufferPointer { cos in
            for i in 0..<n {
                let y = labels[i]
                var logits = (0..<c).map { scale * cos[i * c + $0] }
                logits[y] -= scale * margin
                let largest = logits.max() ?? 0
                let exponentials = logits.map { Foundation.exp($0 - largest) }
                let sum = exponentials.reduce(0, +)
                total += Double(largest + Foundation.log(sum) - logits[y])
                for k in 0..<c { g[i * c + k] = exponentials[k] / sum / Float(n) }
                g[i * c + y] -= 1 / Float(n)
                targetCosineSum += Double(cos[i * c + y])
                if (0..<c).allSatisfy({ $0 == y || cos[i * c + $0] < cos[i * c + y] }) { correct += 1 }
            }
        }
        let logitGradient = Tensor(shape: [n, c], scalars: g.map { $0 * scale })  // ∂L/∂cos
        let embeddingGradient = Self.multiply(logitGradient, .none, unitProxies, .none)  // N × D
        let unitProxyGradient = Self.multiply(logitGradient, .transposed, x, .none)  // C × D

        // Through W_c / ‖W_c‖: drop the radial part, divide by the length.
        proxies.gradient.withUnsafeMutableBufferPointer { out in
            unitProxyGradient.withUnsafeBufferPointer { gw in
                unitProxies.withUnsafeBufferPointer { w in
                    for k in 0..<c {
                        var radial: Float = 0
                        for j in (k * d)..<((k + 1) * d) { radial += gw[j] * w[j] }
                        for j in (k * d)..<((k + 1) * d) { out[j] += (gw[j] - radial * w[j]) / norms[k] }
                    }
                }
            }
        }
        return MetricLossResult(loss: Float(total / Double(n)), gradient: embeddingGradient, statistics: [
            Statistic.accuracy: Double(correct) / Double(n),
            Statistic.targetCosine: targetCosineSum / Double(n),
        ])
    }

    /// `s m + log(C − 1 + exp(−s m))`: the loss of a row with the same cosine to every proxy, as
    /// identical embeddings of several classes have at best; the batch size does not enter.
    public func collapsedValue(batchSize: Int) -> Float {
        let sm = scale * margin
        return sm + Foundation.log(Float(classCount - 1) + Foundation.exp(-sm))
    }

    /// `op(a) · op(b)` for rank-2 tensors.
    private static func multiply(_ a: Tensor, _ transA: GEMM.Transpose, _ b: Tensor, _ transB: GEMM.Transpose) -> Tensor {
        let m = transA == .none ? a.shape[0] : a.shape[1], k = transA == .none ? a.shape[1] : a.shape[0]
        let n = transB == .none ? b.shape[1] : b.shape[0]
        var out = Tensor(shape: [m, n])
        out.withUnsafeMutableBufferPointer { op in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    guard let oBase = op.baseAddress, let aBase = ap.baseAddress, let bBase = bp.baseAddress else { return }
                    GEMM.multiply(transA, transB, m: m, n: n, k: k, a: aBase, b: bBase, c: oBase)
                }
            }
        }
        return out
    }
}
