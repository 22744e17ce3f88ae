/// Every semi-hard triplet of the batch: `d(a, p) < d(a, n) < d(a, p) + m`, the negatives
/// farther than the positive but inside the margin (pytorch-metric-learning's
/// `TripletMarginMiner(margin: m, type_of_triplets: "semihard")`).
///
/// Unlike `SemiHardMiner` (FaceNet's one negative per anchor-positive pair), it keeps all of
/// them, and an anchor-positive pair with none gives no triplet.
public struct SemiHardWithinMarginMiner: TripletMiner {
    /// The margin `m`, in the units of the distances the miner is given.
    public let margin: Float

    public init(margin: Float) {
        precondition(margin > 0 && margin.isFinite, "semi-hard margin must be positive, got \(margin)")
        self.margin = margin
    }

    public func triplets(distances: Tensor, labels: [Int]) -> [Triplet] {
        checkBatch(distances: distances, labels: labels)
        let n = labels.count
        var triplets: [Triplet] = []
        distances.withUnsafeBufferPointer { d in
            for a in 0..<n {
                for p in 0..<n where p != a && labels[p] == labels[a] {
                    let dap = d[a * n + p]
                    for q in 0..<n where labels[q] != labels[a] {
                        let dan = d[a * n + q]
                        if dan > dap && dan < dap + margin { triplets.append(Triplet(anchor: a, positive: p, negative: q)) }
                    }
                }
            }
        }
        return triplets
    }
}
