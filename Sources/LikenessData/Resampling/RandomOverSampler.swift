import LikenessCore

/// Grows classes by drawing their images again, uniformly with replacement
/// (imbalanced-learn's `RandomOverSampler`).
///
/// Works on index lists: the result repeats indices rather than copying pixels.
public struct RandomOverSampler: Sendable {
    /// Which classes grow, and to how many images.
    public var strategy: SamplingStrategy
    public var seed: UInt64

    public init(strategy: SamplingStrategy = .auto, seed: UInt64) {
        self.strategy = strategy
        self.seed = seed
    }

    /// `indices` (all images when `nil`) followed by the drawn repeats, class by class.
    ///
    /// - Parameters:
    ///   - labels: the class of every image of the dataset, in `0..<classCount`.
    ///   - indices: the images to resample, as indices into `labels`.
    public func resample(labels: [Int], classCount: Int, indices: [Int]? = nil) throws(ResamplingError) -> [Int] {
        let members = classMembers(labels: labels, classCount: classCount, indices: indices)
        let targets = try strategy.targetCounts(classCounts: members.map(\.count), direction: .over)
        var result = indices ?? Array(labels.indices)
        for (c, pool) in members.enumerated() where targets[c] > pool.count {
            var rng = SeededGenerator(seed: seed, stream: c)
            for _ in pool.count..<targets[c] { result.append(pool[rng.nextIndex(below: pool.count)]) }
        }
        return result
    }

    /// `indices` (all images when `nil`) followed by the drawn repeats, as indices into `dataset`.
    public func resample(_ dataset: Dataset, indices: [Int]? = nil) throws(ResamplingError) -> [Int] {
        try resample(labels: dataset.labels, classCount: dataset.classNames.count, indices: indices)
    }
}

/// The images of each class among `indices` (all when `nil`), in the order given.
func classMembers(labels: [Int], classCount: Int, indices: [Int]?) -> [[Int]] {
    var members = [[Int]](repeating: [], count: classCount)
    for i in indices ?? Array(labels.indices) {
        precondition(labels.indices.contains(i), "image index \(i) outside 0..<\(labels.count)")
        let c = labels[i]
        precondition(c >= 0 && c < classCount, "label \(c) of image \(i) outside 0..<\(classCount)")
        members[c].append(i)
    }
    return members
}
