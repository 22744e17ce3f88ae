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
}
