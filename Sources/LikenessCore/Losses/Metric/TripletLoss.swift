import Foundation

/// The triplet loss on a batch of embeddings, over the triplets a miner picks:
/// `ℓ(a, p, n) = max(d(a, p) − d(a, n) + m, 0)` with margin `m`, or with the soft margin of
/// Hermans et al. 2017 `ℓ(a, p, n) = log(1 + exp(d(a, p) − d(a, n)))` (no margin inside, unlike
/// pytorch-metric-learning's `smooth_loss`, which takes the softplus of `d(a, p) − d(a, n) + m`);
/// the batch's loss is the mean of `ℓ` by `reduction`.
///
/// Embeddings `N × D` (unit rows from an embedding head), `N` labels. Distances come from one
/// matrix product (`SquaredDistances.pairwise`); the gradient with respect to
/// the embeddings is `∂L/∂xᵢ = 2 Σⱼ (Gᵢⱼ + Gⱼᵢ)(xᵢ − xⱼ)` with `Gᵢⱼ = ∂L/∂‖xᵢ − xⱼ‖²`. For the
/// Euclidean distance `∂d/∂s = 1 / (2 max(d, ε))`, `ε = 1e-12`: a pair at distance zero adds
/// nothing rather than dividing by zero.
public struct TripletLoss: MetricLoss, Sendable {
    /// How the losses of a batch's triplets become one number.
    public enum Reduction: String, Sendable, Codable, CaseIterable {
        /// The mean over the triplets with positive loss, 0 when none has
        /// (pytorch-metric-learning's `AvgNonZeroReducer`, its `TripletMarginLoss` default):
        /// easy triplets do not dilute the gradient as training makes most of them easy.
        case meanOverActive
        /// The mean over every mined triplet (TensorFlow's `triplet_semihard_loss`, Hermans et
        /// al.'s batch hard).
        case mean
    }

    /// What the loss returns for a batch.
    public struct Result: Sendable {
        public var loss: Float
        /// `∂L/∂x`, `N × D` like the embeddings.
        public var gradient: Tensor
        public var statistics: TripletStatistics
    }

    /// `m`, in the units of `distance`. With the soft margin it only sets which triplets
    /// `TripletStatistics` counts as active.
    public var margin: Float
    public var distance: EmbeddingDistance
    /// `log(1 + exp(d(a, p) − d(a, n)))` in place of the hinge.
    public var softMargin: Bool
    public var miner: any TripletMiner
    public var reduction: Reduction

    /// The defaults are PROTOCOL.md's: margin 0.2 on the Euclidean distance, semi-hard mining.
    public init(margin: Float = 0.2, distance: EmbeddingDistance = .euclidean, softMargin: Bool = false,
                miner: any TripletMiner = .semiHard, reduction: Reduction = .meanOverActive) {
        precondition(margin >= 0 && margin.isFinite, "triplet margin must be finite and non-negative, got \(margin)")
        self.margin = margin
        self.distance = distance
        self.softMargin = softMargin
        self.miner = miner
        self.reduction = reduction
    }

    /// The loss when every embedding of the batch is the same point: `m` with the hinge,
    /// `log 2` with the soft margin. A loss stuck there means the embeddings have collapsed.
    public var collapsedValue: Float { softMargin ? Float(M_LN2) : margin }

    public func collapsedValue(batchSize: Int) -> Float { collapsedValue }

    /// The names of the loss's figures (`MetricLossResult.statistics`).
    public enum Statistic {
        /// Per batch and per epoch: active triplets (inside the margin) over all mined triplets,
        /// pooled over the epoch's batches.
        public static let activeFraction = "active fraction"
        /// Per batch: the mined triplets; per epoch: their mean per batch.
        public static let triplets = "triplets"
        /// The mean anchor–positive and anchor–negative distances of the mined triplets (pooled
        /// over the epoch), in the loss's distance.
        public static let positiveDistance = "d(a,p)"
        public static let negativeDistance = "d(a,n)"
    }

    /// The loss, its gradient and the triplet figures as `Statistic` names them.
    public func lossAndGradient(embeddings x: Tensor, labels: [Int]) -> MetricLossResult {
        let result = evaluate(embeddings: x, labels: labels)
        let s = result.statistics
        return MetricLossResult(loss: result.loss, gradient: result.gradient, statistics: [
            Statistic.triplets: Double(s.tripletCount),
            Statistic.activeFraction: s.activeFraction,
            Statistic.positiveDistance: Double(s.meanPositiveDistance),
            Statistic.negativeDistance: Double(s.meanNegativeDistance),
        ])
    }

    /// The triplet figures of an epoch's batches: active fraction and distances pooled over the
    /// epoch's triplets (a batch counts by its triplets), triplets per batch.
    public func epochStatistics(of batches: [[String: Double]]) -> [String: Double] {
        var triplets = 0.0, active = 0.0, positive = 0.0, negative = 0.0
        for s in batches {
            let n = s[Statistic.triplets] ?? 0
            triplets += n
            active += (s[Statistic.activeFraction] ?? 0) * n
            positive += (s[Statistic.positiveDistance] ?? 0) * n
            negative += (s[Statistic.negativeDistance] ?? 0) * n
        }
        let pooled = max(triplets, 1)
        return [Statistic.triplets: triplets / Double(max(batches.count, 1)), Statistic.activeFraction: active / pooled,
                Statistic.positiveDistance: positive / pooled, Statistic.negativeDistance: negative / pooled]
    }

    /// The loss, its gradient and statistics for one batch.
    ///
    /// - Parameters:
    ///   - embeddings: `N × D`.
    ///   - labels: the class of each row.
    public func evaluate(embeddings x: Tensor, labels: [Int]) -> Result {
        precondition(x.rank == 2 && x.shape[0] == labels.count,
                     "embeddings of shape \(x.shape) for \(labels.count) labels: expected [\(labels.count), D]")
        let n = x.shape[0], dimension = x.shape[1]
        let distances = distance.pairwise(x)
        let triplets = miner.triplets(distances: distances, labels: labels)

        // ∂(Σ ℓ)/∂d(i, j), accumulated over the triplets; scaled by the reduction afterwards.
        var distanceGradient = [Float](repeating: 0, count: n * n)
        var total = 0.0, counted = 0, active = 0
        var positiveSum = 0.0, negativeSum = 0.0
        distances.withUnsafeBufferPointer { d in
            for t in triplets {
                let ap = t.anchor * n + t.positive, an = t.anchor * n + t.negative
                let dap = d[ap], dan = d[an]
                positiveSum += Double(dap)
                negativeSum += Double(dan)
                let violation = dap - dan + margin
                if violation > 0 { active += 1 }
                let (value, slope) = softMargin ? Self.softplus(dap - dan) : (max(violation, 0), violation > 0 ? 1 : 0)
                guard value > 0 else { continue }
                total += Double(value)
                counted += 1
                distanceGradient[ap] += slope
                distanceGradient[an] -= slope
            }
        }
        let denominator = reduction == .mean ? triplets.count : counted
        let statistics = TripletStatistics(
            tripletCount: triplets.count, activeCount: active,
            meanPositiveDistance: triplets.isEmpty ? 0 : Float(positiveSum / Double(triplets.count)),
            meanNegativeDistance: triplets.isEmpty ? 0 : Float(negativeSum / Double(triplets.count)))
        guard denominator > 0, counted > 0 else {
            return Result(loss: 0, gradient: Tensor(shape: x.shape), statistics: statistics)
        }
        let scale = 1 / Float(denominator)

        // S = G + Gᵀ, where G = ∂L/∂s for the squared distances s; then
        // ∂L/∂xᵢ = 2 Σⱼ Sᵢⱼ (xᵢ − xⱼ), from the differences themselves: the expanded form
        // 2 (Σⱼ Sᵢⱼ) xᵢ − 2 (S X)ᵢ cancels, and its rounding error grows with the 1/d of near pairs.
        var gradient = Tensor(shape: x.shape)
        gradient.withUnsafeMutableBufferPointer { out in
            distances.withUnsafeBufferPointer { d in
                x.withUnsafeBufferPointer { xp in
                    for i in 0..<n {
                        let xi = xp.baseAddress! + i * dimension, gi = out.baseAddress! + i * dimension
                        for j in 0..<n where j != i {
                            var weight = (distanceGradient[i * n + j] + distanceGradient[j * n + i]) * scale
                            guard weight != 0 else { continue }
                            if distance == .euclidean { weight /= 2 * max(d[i * n + j], 1e-12) }
                            let xj = xp.baseAddress! + j * dimension
                            for k in 0..<dimension { gi[k] += 2 * weight * (xi[k] - xj[k]) }
                        }
                    }
                }
            }
        }
        return Result(loss: Float(total / Double(denominator)), gradient: gradient, statistics: statistics)
    }

    /// `log(1 + exp(z))` and its derivative `1 / (1 + exp(−z))`, without overflow.
    static func softplus(_ z: Float) -> (value: Float, slope: Float) {
        let e = Foundation.exp(-abs(z))
        return (max(z, 0) + Foundation.log1p(e), z >= 0 ? 1 / (1 + e) : e / (1 + e))
    }
}

/// What a triplet loss saw in one batch.
public struct TripletStatistics: Sendable, Codable, Equatable {
    /// The number of triplets the miner picked.
    public var tripletCount: Int
    /// The triplets inside the margin, `d(a, n) < d(a, p) + m`: those with positive hinge loss
    /// (with the soft margin, whose loss is positive everywhere, the same test).
    public var activeCount: Int
    /// The mean `d(a, p)` over the triplets, 0 when there are none.
    public var meanPositiveDistance: Float
    /// The mean `d(a, n)` over the triplets, 0 when there are none.
    public var meanNegativeDistance: Float

    public init(tripletCount: Int, activeCount: Int, meanPositiveDistance: Float, meanNegativeDistance: Float) {
        self.tripletCount = tripletCount
        self.activeCount = activeCount
        self.meanPositiveDistance = meanPositiveDistance
        self.meanNegativeDistance = meanNegativeDistance
    }

    /// `activeCount / tripletCount`, 0 when there are no triplets.
    public var activeFraction: Double {
        tripletCount > 0 ? Double(activeCount) / Double(tripletCount) : 0
    }
}
