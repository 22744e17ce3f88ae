import LikenessCore

/// Shrinks classes by keeping a uniform draw of their images, without replacement
/// (imbalanced-learn's `RandomUnderSampler`).
public struct RandomUnderSampler: ClassResampler {
    /// Which classes shrink, and to how many images.
    public var strategy: SamplingStrategy
    public var seed: UInt64

    public init(strategy: SamplingStrategy = .auto, seed: UInt64) {
        self.strategy = strategy
        self.seed = seed
    }

    /// The kept images among `indices` (all images when `nil`), in their given order.
    public func resample(labels: [Int], classCount: Int, indices: [Int]? = nil) throws(ResamplingError) -> [Int] {
        let pool = indices ?? Array(labels.indices)
        // Positions in `pool` rather than image indices, so that a pool listing an image twice
        // (after over-sampling) is thinned like any other.
        let positionsByClass = classMembers(labels: pool.map { i in
            precondition(labels.indices.contains(i), "image index \(i) outside 0..<\(labels.count)")
            return labels[i]
        }, classCount: classCount)
        let targets = try strategy.targetCounts(classCounts: positionsByClass.map(\.count), direction: .under)
        var isKept = [Bool](repeating: false, count: pool.count)
        for (c, var positions) in positionsByClass.enumerated() {
            if targets[c] < positions.count {
                var rng = SeededGenerator(seed: seed, stream: c)
                positions.shuffleFront(targets[c], using: &rng)
                positions.removeLast(positions.count - targets[c])
            }
            for p in positions { isKept[p] = true }
        }
        return pool.indices.filter { isKept[$0] }.map { pool[$0] }
    }
}
