import Foundation

/// The multi-similarity loss (Wang et al., "Multi-Similarity Loss with General Pair Weighting
/// for Deep Metric Learning", CVPR 2019):
/// `L = (1/N) Σᵢ [ (1/α) log(1 + Σ_{p∈Pᵢ} exp(−α(Sᵢₚ − λ))) + (1/β) log(1 + Σ_{n∈Nᵢ} exp(β(Sᵢₙ − λ))) ]`
/// with `Sᵢⱼ = xᵢ · xⱼ`, `Pᵢ` the other rows of `i`'s class and `Nᵢ` the rows of other classes
/// (or the pairs the paper's miner keeps, `miningEpsilon`).
///
/// It matches pytorch-metric-learning 2.x's `MultiSimilarityLoss` (2.9 in MetricLossTests'
/// fixture) on unit rows: an anchor with no positive (no negative) has 0 for that term, and the
/// mean is over all `N` anchors, as pml's default `MeanReducer` takes it, not over the anchors
/// with a non-zero term. pml's `CosineSimilarity` normalises the rows inside the loss; here they
/// are taken as given (the network's `L2Normalize` does it), so pml's gradient is this one
/// projected on each row's tangent plane.
///
/// Embeddings `N × D`, unit rows. With `wᵢⱼ` the softmax weight of pair `(i, j)` in its term's
/// log-sum-exp (the `1` counting as one more entry), `∂L/∂Sᵢₚ = −wᵢₚ / N`,
/// `∂L/∂Sᵢₙ = wᵢₙ / N`, then `∂L/∂x = (G + Gᵀ) x`.
public struct MultiSimilarityLoss: MetricLoss, Sendable, Equatable {
    /// `α`: how sharply the positive term weights the least similar positives.
    public var alpha: Float
    /// `β`: how sharply the negative term weights the most similar negatives.
    public var beta: Float
    /// `λ`: the similarity that positives are pulled above and negatives pushed below.
    public var base: Float
    /// The paper's pair mining (pml's `MultiSimilarityMiner(epsilon:)`): keep a positive `p` of
    /// anchor `i` when `Sᵢₚ − ε < maxₙ Sᵢₙ`, a negative `n` when `Sᵢₙ + ε > minₚ Sᵢₚ`; every
    /// pair when nil.
    public var miningEpsilon: Float?

    /// The defaults are the paper's and pml's: `α = 2`, `β = 50`, `λ = 0.5`, every pair
    /// (the paper mines with `ε = 0.1`).
    public init(alpha: Float = 2, beta: Float = 50, base: Float = 0.5, miningEpsilon: Float? = nil) {
        precondition(alpha > 0 && alpha.isFinite && beta > 0 && beta.isFinite,
                     "multi-similarity α and β must be positive, got \(alpha) and \(beta)")
        precondition(base.isFinite, "multi-similarity base \(base)")
        precondition(miningEpsilon.map { $0 >= 0 && $0.isFinite } ?? true, "mining ε \(miningEpsilon!)")
        self.alpha = alpha
        self.beta = beta
        self.base = base
        self.miningEpsilon = miningEpsilon
    }

    /// The names of the loss's figures.
    public enum Statistic {
        /// The positive and negative pairs that enter the loss (all, or those mined).
        public static let positivePairs = "positive pairs"
        public static let negativePairs = "negative pairs"
        /// The mean similarity of the batch's positive and negative pairs (all of them, mined or not).
        public static let positiveSimilarity = "S(a,p)"
        public static let negativeSimilarity = "S(a,n)"
    }

    public func lossAndGradient(embeddings x: Tensor, labels: [Int]) -> MetricLossResult {
        precondition(x.rank == 2 && x.shape[0] == labels.count,
                     "embeddings of shape \(x.shape) for \(labels.count) labels: expected [\(labels.count), D]")
        let n = labels.count
        guard n > 0 else { return MetricLossResult(loss: 0, gradient: Tensor(shape: x.shape)) }
        let s = Self.gram(x)
        var g = [Float](repeating: 0, count: n * n)
        var total = 0.0
        var positivePairs = 0, negativePairs = 0, allPositives = 0, allNegatives = 0
        var positiveSum = 0.0, negativeSum = 0.0
        for i in 0..<n {
            var positives: [Int] = [], negatives: [Int] = []
            for j in 0..<n where j != i {
                if labels[j] == labels[i] { positives.append(j) } else { negatives.append(j) }
            }
            allPositives += positives.count
            allNegatives += negatives.count
            positiveSum += positives.reduce(0.0) { $0 + Double(s[i * n + $1]) }
            negativeSum += negatives.reduce(0.0) { $0 + Double(s[i * n + $1]) }
            if let epsilon = miningEpsilon {
                // With no negative (positive) nothing is mined on the other side either:
                // max over none is −∞, min over none +∞.
                let hardestNegative = negatives.map { s[i * n + $0] }.max() ?? -.infinity
                let hardestPositive = positives.map { s[i * n + $0] }.min() ?? .infinity
                positives = positives.filter { s[i * n + $0] - epsilon < hardestNegative }
                negatives = negatives.filter { s[i * n + $0] + epsilon > hardestPositive }
            }
            positivePairs += positives.count
            negativePairs += negatives.count
            if !positives.isEmpty {
                let (value, weights) = Self.softplusOfLogSumExp(positives.map { -alpha * (s[i * n + $0] - base) })
                total += Double(value / alpha)
                for (p, w) in zip(positives, weights) { g[i * n + p] = -w }
            }
            if !negatives.isEmpty {
                let (value, weights) = Self.softplusOfLogSumExp(negatives.map { beta * (s[i * n + $0] - base) })
                total += Double(value / beta)
                for (k, w) in zip(negatives, weights) { g[i * n + k] = w }
            }
        }
        let statistics = [
            Statistic.positivePairs: Double(positivePairs), Statistic.negativePairs: Double(negativePairs),
            Statistic.positiveSimilarity: allPositives > 0 ? positiveSum / Double(allPositives) : 0,
            Statistic.negativeSimilarity: allNegatives > 0 ? negativeSum / Double(allNegatives) : 0,
        ]
        let scale = 1 / Float(n)
        for k in g.indices { g[k] *= scale }
        return MetricLossResult(loss: Float(total) * scale, gradient: Self.embeddingGradient(g, of: x), statistics: statistics)
    }

    /// The loss of `N` identical unit rows (every `Sᵢⱼ = 1`) in PK batches of PROTOCOL.md's
    /// `P = 8` classes of `K = N/8` rows (`EmbeddingRecipe`'s default `classesPerBatch`): the loss
    /// depends on the class sizes, which the batch size alone does not give, and other batch
    /// shapes have other values.
    public func collapsedValue(batchSize: Int) -> Float {
        let classes = min(8, batchSize)
        guard classes > 0 else { return 0 }
        let perClass = Float(batchSize) / Float(classes)
        let positives = perClass - 1, negatives = Float(batchSize) - perClass
        let positive = positives > 0 ? Self.softplusOfLogSumExp([-alpha * (1 - base) + Foundation.log(positives)]).value / alpha : 0
        let negative = negatives > 0 ? Self.softplusOfLogSumExp([beta * (1 - base) + Foundation.log(negatives)]).value / beta : 0
        return positive + negative
    }

    /// `log(1 + Σₖ exp zₖ)` and its gradient, the softmax weights `exp zₖ / (1 + Σ exp z)`,
    /// shifted by the largest of the `zₖ` and the `0` that the `1` is, so that `β = 50` does not
    /// overflow.
    static func softplusOfLogSumExp(_ z: [Float]) -> (value: Float, weights: [Float]) {
        let largest = max(z.max() ?? 0, 0)
        let exponentials = z.map { Foundation.exp($0 - largest) }
        let sum = Foundation.exp(-largest) + exponentials.reduce(0, +)
        return (largest + Foundation.log(sum), exponentials.map { $0 / sum })
    }

    /// `S = x xᵀ`, `N × N` row-major.
    static func gram(_ x: Tensor) -> [Float] {
        let n = x.shape[0], d = x.shape[1]
        var s = [Float](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { xp in
            s.withUnsafeMutableBufferPointer { sp in
                guard let xBase = xp.baseAddress, let sBase = sp.baseAddress else { return }
                GEMM.multiply(.none, .transposed, m: n, n: n, k: d, a: xBase, b: xBase, c: sBase)
            }
        }
        return s
    }

    /// `∂L/∂x = (G + Gᵀ) x` from `G = ∂L/∂S` (`N × N`), since `Sᵢⱼ = xᵢ · xⱼ`.
    static func embeddingGradient(_ g: [Float], of x: Tensor) -> Tensor {
        let n = x.shape[0], d = x.shape[1]
        var symmetric = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { symmetric[i * n + j] = g[i * n + j] + g[j * n + i] }
        }
        var out = Tensor(shape: x.shape)
        out.withUnsafeMutableBufferPointer { op in
            x.withUnsafeBufferPointer { xp in
                symmetric.withUnsafeBufferPointer { gp in
                    guard let oBase = op.baseAddress, let xBase = xp.baseAddress, let gBase = gp.baseAddress else { return }
                    GEMM.multiply(.none, .none, m: n, n: d, k: n, a: gBase, b: xBase, c: oBase)
                }
            }
        }
        return out
    }
}
