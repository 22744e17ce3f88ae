import LikenessCore

/// Batches of `P` classes × `K` images each, for triplet mining (Hermans et al., "In Defense
/// of the Triplet Loss for Person Re-Identification", 2017).
///
/// Each batch draws `P` distinct classes uniformly among the classes with images, then `K`
/// images of each: without replacement from a class with at least `K` images; from a smaller
/// class, each of its images once and the rest drawn with replacement. A batch lists its
/// classes one after the other, `K` images each.
public struct PKBatchSampler: BatchSampler {
    /// The images of each class with images, as indices into a dataset.
    public let classMembers: [[Int]]
    /// `P`: the number of classes in a batch.
    public var classesPerBatch: Int
    /// `K`: the number of images of each class in a batch.
    public var imagesPerClass: Int
    /// `⌈N / (P · K)⌉` for `N` sampled images unless given.
    public var batchesPerEpoch: Int
    public var seed: UInt64

    /// - Parameters:
    ///   - labels: the class of every image of the dataset.
    ///   - indices: the images to sample from (all when `nil`).
    public init(labels: [Int], indices: [Int]? = nil, classesPerBatch: Int, imagesPerClass: Int,
                batchesPerEpoch: Int? = nil, seed: UInt64) {
        let members = LikenessData.classMembers(labels: labels, classCount: (labels.max() ?? -1) + 1, indices: indices)
            .filter { !$0.isEmpty }
        precondition(classesPerBatch >= 1 && classesPerBatch <= members.count,
                     "P = \(classesPerBatch) classes per batch, but \(members.count) classes have images")
        precondition(imagesPerClass >= 1, "K must be at least 1, got \(imagesPerClass)")
        let poolSize = members.reduce(0) { $0 + $1.count }
        let batchSize = classesPerBatch * imagesPerClass
        self.classMembers = members
        self.classesPerBatch = classesPerBatch
        self.imagesPerClass = imagesPerClass
        self.batchesPerEpoch = batchesPerEpoch ?? max(1, (poolSize + batchSize - 1) / batchSize)
        precondition(self.batchesPerEpoch >= 1, "an epoch needs at least 1 batch, got \(self.batchesPerEpoch)")
        self.seed = seed
    }

    public func batches(epoch: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: seed, stream: epoch)
        var classes = Array(classMembers.indices)
        var pools = classMembers
        let k = imagesPerClass
        return (0..<batchesPerEpoch).map { _ in
            classes.shuffleFront(classesPerBatch, using: &rng)
            var batch = [Int]()
            batch.reserveCapacity(classesPerBatch * k)
            for c in classes.prefix(classesPerBatch) {
                let n = pools[c].count
                pools[c].shuffleFront(min(n, k), using: &rng)
                batch += pools[c].prefix(k)
                for _ in n..<max(n, k) { batch.append(pools[c][rng.nextIndex(below: n)]) }
            }
            return batch
        }
    }
}
