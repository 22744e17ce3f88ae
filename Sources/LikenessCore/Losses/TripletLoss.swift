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
public struct TripletLoss: Sendable {
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

    /// The loss, its gradient and statistics for one batch.
    ///
    /// - Parameters:
    ///   - embeddings: `N × D`.
    ///   - labels: the class of each row.
    public func lossAndGradient(embeddings x: Tensor, labels: [Int]) -> Result {
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
