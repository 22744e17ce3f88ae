/// Rows as bytes for the filter product of exact search: `code = round(x · scale)`, one scale
/// per row set (base) or per row (queries), with the norms that bound the error it makes.
///
/// With `q̃ = codes_q / scale_q` and `b̃ = codes_b / scale_b`,
/// `|q·b − q̃·b̃| ≤ ‖q − q̃‖ · ‖b‖ + ‖q̃‖ · ‖b − b̃‖` (Cauchy–Schwarz on `(q − q̃)·b + q̃·(b − b̃)`),
/// which is what lets the integer product discard rows without changing any result.
enum Quantization {
    /// Base codes lie in `-127...127`.
    static let baseLevels: Float = 127
    /// Query codes lie in `-63...63`, stored as `code + 64` in `1...127`: with the base's, any
    /// two products add up within `Int16` (the integer product's bound, see `GEMM.multiply`).
    static let queryLevels: Float = 63
    static let queryOffset: UInt8 = 64

    /// `levels / max|x|`, kept finite for all-zero or subnormal rows (whose codes are then 0).
    static func scale(levels: Float, maxMagnitude: Float) -> Float {
        maxMagnitude > 0 ? Swift.min(levels / maxMagnitude, .greatestFiniteMagnitude) : 1
    }

    /// The first NaN or infinity in row-major `values` (`columns` per row), if any.
    static func firstNonFinite(_ values: UnsafeBufferPointer<Float>, columns: Int) -> (row: Int, column: Int, value: Float)? {
        guard let at = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (at / columns, at % columns, values[at])
    }
}

/// A chunk of base rows with its byte codes (one scale for the chunk).
///
/// Layout: `rows` is `count × dimension` Float, `codes` the same shape in `-127...127`.
struct QuantizedBase: Sendable {
    let rows: Tensor
    /// The global index of the chunk's row 0.
    let firstIndex: Int
    let count: Int, dimension: Int
    let codes: [Int8]
    let scale: Float
    /// `‖b‖²` of each row, computed in `Float`.
    let squaredNorms: [Float]
    /// `max ‖b‖` over the chunk.
    let maxNorm: Float
    /// `max ‖b − b̃‖` over the chunk.
    let maxResidualNorm: Float

    init(rows: Tensor, firstIndex: Int) throws(NearestNeighbourError) {
        precondition(rows.rank == 2 && rows.shape[1] >= 1, "base rows must be N × D with D ≥ 1, got shape \(rows.shape)")
        let count = rows.shape[0], dimension = rows.shape[1]
        let bad = rows.withUnsafeBufferPointer { Quantization.firstNonFinite($0, columns: dimension) }
        if let bad { throw .nonFiniteValue(in: .base, row: firstIndex + bad.row, column: bad.column, value: bad.value) }

        let maxMagnitude = rows.withUnsafeBufferPointer { $0.reduce(Float(0)) { max($0, abs($1)) } }
        let scale = Quantization.scale(levels: Quantization.baseLevels, maxMagnitude: maxMagnitude)
        var codes = [Int8](repeating: 0, count: count * dimension)
        var squaredNorms = [Float](repeating: 0, count: count)
        var maxSquaredNorm: Float = 0, maxSquaredResidual: Float = 0
        rows.withUnsafeBufferPointer { x in
            for r in 0..<count {
                var squaredNorm: Float = 0, squaredResidual: Float = 0
                for c in r * dimension..<(r + 1) * dimension {
                    let code = (x[c] * scale).rounded().clamped(to: -Quantization.baseLevels...Quantization.baseLevels)
                    codes[c] = Int8(code)
                    let residual = x[c] - code / scale
                    squaredNorm += x[c] * x[c]
                    squaredResidual += residual * residual
                }
                squaredNorms[r] = squaredNorm
                maxSquaredNorm = max(maxSquaredNorm, squaredNorm)
                maxSquaredResidual = max(maxSquaredResidual, squaredResidual)
            }
        }
        self.rows = rows
        self.firstIndex = firstIndex
        self.count = count
        self.dimension = dimension
        self.codes = codes
        self.scale = scale
        self.squaredNorms = squaredNorms
        self.maxNorm = maxSquaredNorm.squareRoot()
        self.maxResidualNorm = maxSquaredResidual.squareRoot()
    }
}

/// Queries with their byte codes (one scale per query).
///
/// Layout: `rows` is `count × dimension` Float; `codes` the same shape, `code + 64` in `1...127`.
struct QuantizedQueries: Sendable {
    let rows: Tensor
    let count: Int, dimension: Int
    let codes: [UInt8]
    /// `1 / scale` of each query.
    let inverseScales: [Float]
    /// `‖q‖²`, computed in `Float`.
    let squaredNorms: [Float]
    /// `‖q̃‖`.
    let codeNorms: [Float]
    /// `‖q − q̃‖`.
    let residualNorms: [Float]

    init(rows: Tensor) throws(NearestNeighbourError) {
        precondition(rows.rank == 2 && rows.shape[1] >= 1, "queries must be Q × D with D ≥ 1, got shape \(rows.shape)")
        let count = rows.shape[0], dimension = rows.shape[1]
        let bad = rows.withUnsafeBufferPointer { Quantization.firstNonFinite($0, columns: dimension) }
        if let bad { throw .nonFiniteValue(in: .queries, row: bad.row, column: bad.column, value: bad.value) }

        var codes = [UInt8](repeating: 0, count: count * dimension)
        var inverseScales = [Float](repeating: 1, count: count)
        var squaredNorms = [Float](repeating: 0, count: count)
        var codeNorms = [Float](repeating: 0, count: count)
        var residualNorms = [Float](repeating: 0, count: count)
        rows.withUnsafeBufferPointer { x in
            for r in 0..<count {
                let row = r * dimension..<(r + 1) * dimension
                let maxMagnitude = x[row].reduce(Float(0)) { max($0, abs($1)) }
                let scale = Quantization.scale(levels: Quantization.queryLevels, maxMagnitude: maxMagnitude)
                var squaredNorm: Float = 0, squaredCodeNorm: Float = 0, squaredResidual: Float = 0
                for c in row {
                    let code = (x[c] * scale).rounded().clamped(to: -Quantization.queryLevels...Quantization.queryLevels)
                    codes[c] = UInt8(Int(code) + Int(Quantization.queryOffset))
                    let value = code / scale, residual = x[c] - value
                    squaredNorm += x[c] * x[c]
                    squaredCodeNorm += value * value
                    squaredResidual += residual * residual
                }
                inverseScales[r] = 1 / scale
                squaredNorms[r] = squaredNorm
                codeNorms[r] = squaredCodeNorm.squareRoot()
                residualNorms[r] = squaredResidual.squareRoot()
            }
        }
        self.rows = rows
        self.count = count
        self.dimension = dimension
        self.codes = codes
        self.inverseScales = inverseScales
        self.squaredNorms = squaredNorms
        self.codeNorms = codeNorms
        self.residualNorms = residualNorms
    }
}

fileprivate extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
