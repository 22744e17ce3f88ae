import LikenessCore

/// Batches in which every class is equally likely, whatever its size: each place of a batch
/// draws a class uniformly among the classes with images, then the next image of that class
/// (class-aware sampling, Shen et al., ECCV 2016).
///
/// Each class goes through its images in a random order and starts a new random order when it
/// has shown them all, so within an epoch a class repeats an image only after showing every one.
public struct ClassBalancedBatchSampler: BatchSampler {
    /// The images of each class with images, as indices into a dataset.
    public let classMembers: [[Int]]
    public var batchSize: Int
    public var batchesPerEpoch: Int
    public var seed: UInt64

    /// - Parameters:
    ///   - labels: the class of every image of the dataset.
    ///   - indices: the images to sample from (all when `nil`).
    ///   - batchesPerEpoch: by default, enough batches to hold the sampled images once.
    public init(labels: [Int], indices: [Int]? = nil, batchSize: Int, batchesPerEpoch: Int? = nil, seed: UInt64) {
        precondition(batchSize >= 1, "batch size must be at least 1, got \(batchSize)")
        let members = LikenessData.classMembers(labels: labels, classCount: (labels.max() ?? -1) + 1, indices: indices)
            .filter { !$0.isEmpty }
        precondition(!members.isEmpty, "no image to sample")
        let poolSize = members.reduce(0) { $0 + $1.count }
        self.classMembers = members
        self.batchSize = batchSize
        self.batchesPerEpoch = batchesPerEpoch ?? (poolSize + batchSize - 1) / batchSize
        precondition(self.batchesPerEpoch >= 1, "an epoch needs at least 1 batch, got \(self.batchesPerEpoch)")
        self.seed = seed
    }

    public func batches(epoch: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: seed, stream: epoch)
        var queues = classMembers
        var next = [Int](repeating: 0, count: queues.count)
        return (0..<batchesPerEpoch).map { _ in
            (0..<batchSize).map { _ in
                let c = rng.nextIndex(below: queues.count)
                if next[c] == 0 { queues[c].shuffleFront(queues[c].count, using: &rng) }
                let image = queues[c][next[c]]
                next[c] = (next[c] + 1) % queues[c].count
                return image
            }
        }
    }
}
