extension Tensor {
    /// Whether every element is finite: no NaN, no infinity.
    ///
    /// One pass over the elements, cheap enough to run on every gradient of every training step:
    /// a float is NaN or infinite exactly when its exponent bits are all ones, and the largest
    /// exponent field is an integer reduction the compiler vectorises.
    public var isFinite: Bool {
        withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UInt32.self) { bits in
                let exponent: UInt32 = 0x7F80_0000
                var largest: UInt32 = 0
                for word in bits { largest = Swift.max(largest, word & exponent) }
                return largest != exponent
            }
        }
    }

    /// The first NaN or infinity of a rank-2 tensor, row-major, with its row and column; nil
    /// when every element is finite (one pass of `isFinite` when so).
    public func firstNonFiniteValue() -> (row: Int, column: Int, value: Float)? {
        precondition(rank == 2, "firstNonFiniteValue needs a rank-2 tensor, got shape \(shape)")
        guard !isFinite else { return nil }
        return withUnsafeBufferPointer { values in
            values.firstIndex { !$0.isFinite }.map { (row: $0 / shape[1], column: $0 % shape[1], value: values[$0]) }
        }
    }
}
