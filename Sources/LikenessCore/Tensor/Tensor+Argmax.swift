extension Tensor {
    /// The index of the largest element of each row of an `N × C` tensor (the first on ties).
    public var argmaxRows: [Int] {
        precondition(rank == 2, "argmaxRows of a \(shape) tensor")
        let c = shape[1]
        return withUnsafeBufferPointer { p in
            (0..<shape[0]).map { i in
                var best = 0
                for j in 1..<c where p[i * c + j] > p[i * c + best] { best = j }
                return best
            }
        }
    }
}
