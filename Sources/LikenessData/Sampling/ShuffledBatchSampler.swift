import LikenessCore

/// Every image once per epoch, in a new random order each epoch, cut into batches.
public struct ShuffledBatchSampler: BatchSampler {
    /// The images sampled, as indices into a dataset.
    public var indices: [Int]
    public var batchSize: Int
    /// Whether an epoch ends without the last batch when it holds fewer than `batchSize` images.
    public var dropLast: Bool
    public var seed: UInt64

    public init(indices: [Int], batchSize: Int, dropLast: Bool = false, seed: UInt64) {
        precondition(batchSize >= 1, "batch size must be at least 1, got \(batchSize)")
        self.indices = indices
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.seed = seed
    }

    /// The number of batches of each epoch.
    public var batchesPerEpoch: Int {
        dropLast ? indices.count / batchSize : (indices.count + batchSize - 1) / batchSize
    }

    public func batches(epoch: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: seed, stream: epoch)
        var order = indices
        order.shuffleFront(order.count, using: &rng)
        return (0..<batchesPerEpoch).map { b in
            Array(order[(b * batchSize)..<min((b + 1) * batchSize, order.count)])
        }
    }
}
