/// One triplet per anchor: its hardest positive (the farthest image of its class) and its
/// hardest negative (the nearest image of another class) (Hermans et al. 2017, "batch hard";
/// pytorch-metric-learning's `BatchHardMiner`).
///
/// `p(a) = argmax_{p ≠ a, y_p = y_a} d(a, p)`, `n(a) = argmin_{y_n ≠ y_a} d(a, n)`.
public struct BatchHardMiner: TripletMiner {
    public init() {}

    public func triplets(distances: Tensor, labels: [Int]) -> [Triplet] {
        checkBatch(distances: distances, labels: labels)
        let n = labels.count
        return distances.withUnsafeBufferPointer { d in
            labels.indices.compactMap { a -> Triplet? in
                var positive = -1, negative = -1
                for j in 0..<n where j != a {
                    let dist = d[a * n + j]
                    if labels[j] == labels[a] {
                        if positive < 0 || dist > d[a * n + positive] { positive = j }
                    } else if negative < 0 || dist < d[a * n + negative] {
                        negative = j
                    }
                }
                return positive < 0 || negative < 0 ? nil : Triplet(anchor: a, positive: positive, negative: negative)
            }
        }
    }
}

extension TripletMiner where Self == BatchHardMiner {
    /// Per anchor, the hardest positive and the hardest negative.
    public static var batchHard: BatchHardMiner { BatchHardMiner() }
}
