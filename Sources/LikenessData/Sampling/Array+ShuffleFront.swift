import LikenessCore

extension Array {
    /// Moves `count` uniformly drawn elements, without replacement, to the front (a partial
    /// Fisher–Yates shuffle), in O(`count`).
    mutating func shuffleFront(_ count: Int, using rng: inout SeededGenerator) {
        precondition(count <= self.count, "cannot draw \(count) of \(self.count) elements")
        for i in 0..<count {
            swapAt(i, i + rng.nextIndex(below: self.count - i))
        }
    }
}
