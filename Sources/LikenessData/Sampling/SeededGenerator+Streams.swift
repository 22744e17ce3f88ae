import LikenessCore

extension SeededGenerator {
    /// The generator of one stream of a seed, addressed by a path such as `[epoch]` or
    /// `[batch, image]`.
    ///
    /// Each level forks a fresh generator, so the draws of one stream never depend on how many
    /// draws another stream made, nor on which thread or in which order streams are used.
    package init(seed: UInt64, stream path: Int...) {
        self.init(seed: seed)
        for level in path {
            let child = fork(stream: UInt64(bitPattern: Int64(level)))
            self = child
        }
    }

    /// A uniform draw in `0..<upperBound`.
    package mutating func nextIndex(below upperBound: Int) -> Int {
        Int.random(in: 0..<upperBound, using: &self)
    }

    /// A uniform draw in `range`.
    package mutating func nextUniform(in range: ClosedRange<Float>) -> Float {
        range.lowerBound + nextUniform() * (range.upperBound - range.lowerBound)
    }
}
