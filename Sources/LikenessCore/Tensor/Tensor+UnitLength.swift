/// The largest amount by which an embedding's Euclidean length may differ from 1 and still
/// count as unit length (float32 normalisation and storage leave about 1e-7).
package let unitLengthTolerance: Float = 1e-3

extension Tensor {
    /// The index and length of the first row of an `N × D` tensor whose Euclidean length is
    /// not 1 (within `unitLengthTolerance`) or not finite; nil if every row is unit length.
    package func firstRowNotUnitLength() -> (row: Int, length: Float)? {
        let width = shape[1]
        return withUnsafeBufferPointer { values in
            for row in 0..<shape[0] {
                var squares: Float = 0
                for value in values[(row * width)..<((row + 1) * width)] { squares += value * value }
                let length = squares.squareRoot()
                if !(abs(length - 1) <= unitLengthTolerance) { return (row, length) }
            }
            return nil
        }
    }
}
