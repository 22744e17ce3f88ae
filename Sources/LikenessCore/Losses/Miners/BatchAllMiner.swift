/// Every valid triplet of the batch: each anchor `a`, each positive `p ≠ a` of its class and
/// each negative `n` of another class (pytorch-metric-learning's
/// `TripletMarginMiner(type_of_triplets="all")`, the "batch all" of Hermans et al. 2017).
///
/// A batch of `P` classes × `K` images has `P·K · (K − 1) · (P − 1)·K` of them. Most are easy
/// (zero hinge loss) once training is under way, which is why `TripletLoss` averages over
/// the triplets with positive loss by default.
public struct BatchAllMiner: TripletMiner {
    public init() {}

    public func triplets(distances: Tensor, labels: [Int]) -> [Triplet] {
        checkBatch(distances: distances, labels: labels)
        let byClass = Dictionary(grouping: labels.indices, by: { labels[$0] })
        var triplets: [Triplet] = []
        for a in labels.indices {
            let positives = byClass[labels[a]]!.filter { $0 != a }
            guard !positives.isEmpty else { continue }
            let negatives = labels.indices.filter { labels[$0] != labels[a] }
            for p in positives {
                for n in negatives { triplets.append(Triplet(anchor: a, positive: p, negative: n)) }
            }
        }
        return triplets
    }
}

extension TripletMiner where Self == BatchAllMiner {
    /// Every valid triplet of the batch.
    public static var batchAll: BatchAllMiner { BatchAllMiner() }
}
