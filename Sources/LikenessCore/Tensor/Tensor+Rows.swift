extension Tensor {
    /// The rows of an `N × C` tensor as `N` arrays of `C` doubles: the form reports, metrics
    /// and JSON take scores in.
    public var doubleRows: [[Double]] {
        precondition(rank == 2, "rows of a \(shape) tensor: expected N × C")
        let c = shape[1]
        return withUnsafeBufferPointer { p in (0..<shape[0]).map { i in (0..<c).map { Double(p[i * c + $0]) } } }
    }
}
