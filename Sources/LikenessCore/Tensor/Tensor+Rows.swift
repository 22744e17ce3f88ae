extension Tensor {
    /// The rows of an `N × C` tensor as `N` arrays of `C` doubles: the form reports, metrics
    /// and JSON take scores in.
    public var doubleRows: [[Double]] {
        precondition(rank == 2, "rows of a \(shape) tensor: expected N × C")
        let c = shape[1]
        return withUnsafeBufferPointer { p in (0..<shape[0]).map { i in (0..<c).map { Double(p[i * c + $0]) } } }
    }

    /// Rows `range` of an `N × D` tensor, as a `range.count × D` tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank == 2 && range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) of a \(shape) tensor")
        let d = shape[1]
        return Tensor(shape: [range.count, d], scalars: withUnsafeBufferPointer { Array($0[(range.lowerBound * d)..<(range.upperBound * d)]) })
    }

    /// The rows of an `N × D` tensor at `indices`, in their order (repeats allowed), as an
    /// `indices.count × D` tensor.
    public func rows(at indices: [Int]) -> Tensor {
        precondition(rank == 2 && indices.allSatisfy { (0..<shape[0]).contains($0) }, "\(indices.count) row indices into a \(shape) tensor: one is out of range")
        let d = shape[1]
        return withUnsafeBufferPointer { p in
            Tensor(shape: [indices.count, d], scalars: indices.flatMap { p[($0 * d)..<(($0 + 1) * d)] })
        }
    }
}
