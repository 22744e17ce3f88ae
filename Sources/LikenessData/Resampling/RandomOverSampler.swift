import LikenessCore

/// Grows classes by drawing their images again, uniformly with replacement
/// (imbalanced-learn's `RandomOverSampler`).
///
/// Works on index lists: the result repeats indices rather than copying pixels.
public struct RandomOverSampler: ClassResampler {
    /// Which classes grow, and to how many images.
    public var strategy: SamplingStrategy
    public var seed: UInt64

    public init(strategy: SamplingStrategy = .auto, seed: UInt64) {
        self.strategy = strategy
        self.seed = seed
    }

    /// `indices` (all images when `nil`) followed by the drawn repeats, class by class.
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
}
