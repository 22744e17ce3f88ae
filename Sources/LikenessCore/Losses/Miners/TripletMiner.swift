/// One triplet of a batch, by row: an anchor, a positive of the anchor's class and a
/// negative of another class.
public struct Triplet: Hashable, Sendable {
    public var anchor: Int
    public var positive: Int
    public var negative: Int

    public init(anchor: Int, positive: Int, negative: Int) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
    }
}

/// Chooses the triplets a triplet loss is computed on, from the distances within a batch.
///
/// Anchors whose class has no other image in the batch (no positive), and batches of a single
/// class (no negative), give no triplets. Every miner breaks ties by the lowest row index.
public protocol TripletMiner: Sendable {
    /// - Parameters:
    ///   - distances: `N × N` distances between the batch's embeddings, symmetric.
    ///   - labels: the class of each of the `N` rows.
    func triplets(distances: Tensor, labels: [Int]) -> [Triplet]
}

extension TripletMiner {
    /// Checks the arguments of `triplets(distances:labels:)`.
    func checkBatch(distances: Tensor, labels: [Int]) {
        precondition(distances.rank == 2 && distances.shape == [labels.count, labels.count],
                     "distances of shape \(distances.shape) for \(labels.count) labels: expected [\(labels.count), \(labels.count)]")
    }
}
