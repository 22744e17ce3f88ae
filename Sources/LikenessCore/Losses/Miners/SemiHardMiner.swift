/// One triplet per anchor–positive pair, with a semi-hard negative where there is one
/// (Schroff et al. 2015, FaceNet), by the rule of TensorFlow's `triplet_semihard_loss`.
///
/// For each anchor `a` and positive `p ≠ a` of its class, the negative is
/// - the nearest negative farther than the positive, `argmin { d(a, n) : d(a, n) > d(a, p) }`:
///   the hardest semi-hard negative when one lies in `(d(a, p), d(a, p) + margin)`, otherwise
///   a negative beyond the margin whose triplet has zero hinge loss;
/// - when every negative is nearer than the positive (no semi-hard or easy negative), the
///   farthest negative, `argmax d(a, n)`: the least hard of the hard ones.
///
/// The rule needs no margin: the nearest negative beyond `d(a, p)` is the hardest semi-hard
/// one whatever the margin. pytorch-metric-learning's `TripletMarginMiner("semihard")` keeps
/// instead every triplet with `d(a, p) < d(a, n) ≤ d(a, p) + margin` and drops the pairs with
/// none; the FaceNet rule keeps one triplet per pair, so a batch's triplet count stays fixed.
public struct SemiHardMiner: TripletMiner {
    public init() {}

    public func triplets(distances: Tensor, labels: [Int]) -> [Triplet] {
        checkBatch(distances: distances, labels: labels)
        let byClass = Dictionary(grouping: labels.indices, by: { labels[$0] })
        let n = labels.count
        var triplets: [Triplet] = []
        distances.withUnsafeBufferPointer { d in
            for a in labels.indices {
                let positives = byClass[labels[a]]!.filter { $0 != a }
                let negatives = labels.indices.filter { labels[$0] != labels[a] }
                guard !positives.isEmpty && !negatives.isEmpty else { continue }
                var farthest = negatives[0]
                for j in negatives where d[a * n + j] > d[a * n + farthest] { farthest = j }
                for p in positives {
                    let dap = d[a * n + p]
                    var nearestBeyond = -1
                    for j in negatives where d[a * n + j] > dap && (nearestBeyond < 0 || d[a * n + j] < d[a * n + nearestBeyond]) {
                        nearestBeyond = j
                    }
                    triplets.append(Triplet(anchor: a, positive: p, negative: nearestBeyond >= 0 ? nearestBeyond : farthest))
                }
            }
        }
        return triplets
    }
}

extension TripletMiner where Self == SemiHardMiner {
    /// Per anchor–positive pair, the hardest semi-hard negative (FaceNet's rule).
    public static var semiHard: SemiHardMiner { SemiHardMiner() }
}
