import LikenessCore

/// Rows as bytes for the filter product of exact search: `code = round(x · scale)`, one scale
/// per block of base rows or per query, with the norms that bound the error it makes.
///
/// With `q̃ = codes_q / scale_q` and `δ̃ = codes_b / scale_b` for a base row's offset `δ` from
/// its block's centre, `|q·δ − q̃·δ̃| ≤ ‖q − q̃‖ · ‖δ‖ + ‖q̃‖ · ‖δ − δ̃‖` (Cauchy–Schwarz on
/// `(q − q̃)·δ + q̃·(δ − δ̃)`), which is what lets the integer product discard rows without
/// changing any result.
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
}

/// A chunk of base rows as the filter product reads it: rows near each other put together
/// (`BaseGrouping`), cut into blocks, each block coded relative to its centre.
///
/// With `μ` a block's centre and `δ = b − μ`, `q·b = q·μ + q·δ`: the product approximates
/// `q·δ` by `q̃·δ̃`, whose error scales with `‖δ‖`, small where the block's rows are alike
/// (embeddings of one class), so the filter stays tight on clustered data.
///
/// Layout: `rows` is `count × dimension` Float in the grouped order, `codes` the same shape
/// in `-127...127`; row `r` is the chunk's row `order[r]`. Per block `b` (rows
/// `b · blockRows..<min((b + 1) · blockRows, count)`): `centres[b · dimension..<(b + 1) · dimension]`,
/// `scales[b]`, and the bounds below.
struct QuantizedBase: Sendable {
    static let blockRows = NeighbourScan.baseBlockRows

    /// Whether the rows were put in grouped order (then queries are too, see `BaseGrouping`).
    let grouped: Bool
    let rows: Tensor
    /// The global index of the chunk's row 0.
    let firstIndex: Int
    let count: Int, dimension: Int
    /// The chunk's row behind each row of `rows`.
    let order: [Int]
    /// `round(δ · scale)` of every row, its block's scale.
    let codes: [Int8]
    /// `‖b‖²` of each row, computed in `Float`.
    let squaredNorms: [Float]
    let centres: [Float]
    /// `‖μ‖²` of each block's centre, computed in `Float`.
    let centreSquaredNorms: [Float]
    let scales: [Float]
    /// Per block: `min ‖b‖²`, `max ‖b‖`, `max ‖δ‖`, `max ‖δ − δ̃‖`.
    let minimumSquaredNorms: [Float], maximumNorms: [Float], maximumOffsetNorms: [Float], maximumResidualNorms: [Float]

    var blockCount: Int { (count + Self.blockRows - 1) / Self.blockRows }

    /// - Parameter grouped: whether to put rows near each other together first (worth its cost,
    ///   a few passes over the rows, when many queries will read the blocks).
    init(rows original: Tensor, firstIndex: Int, grouped: Bool) throws(NearestNeighbourError) {
        precondition(original.rank == 2 && original.shape[1] >= 1, "base rows must be N × D with D ≥ 1, got shape \(original.shape)")
        let count = original.shape[0], d = original.shape[1]
        if let bad = original.firstNonFiniteValue() { throw .nonFiniteValue(in: .base, row: firstIndex + bad.row, column: bad.column, value: bad.value) }

        let order = grouped ? BaseGrouping.order(original) : Array(0..<count)
        let rows = order.elementsEqual(0..<count) ? original : original.withUnsafeBufferPointer { x in
            Tensor(shape: [count, d]) { out in
                for (r, source) in order.enumerated() {
                    for c in 0..<d { out[r * d + c] = x[source * d + c] }
                }
            }
        }
        let blockCount = (count + Self.blockRows - 1) / Self.blockRows
        var codes = [Int8](repeating: 0, count: count * d)
        var squaredNorms = [Float](repeating: 0, count: count)
        var centres = [Float](repeating: 0, count: blockCount * d), scales = [Float](repeating: 1, count: blockCount)
        var minimumSquaredNorms = [Float](repeating: 0, count: blockCount), maximumNorms = minimumSquaredNorms
        var maximumOffsetNorms = minimumSquaredNorms, maximumResidualNorms = minimumSquaredNorms
        rows.withUnsafeBufferPointer { x in
            var offset = [Float](repeating: 0, count: Self.blockRows * d)
            for block in 0..<blockCount {
                let blockRows = block * Self.blockRows..<min((block + 1) * Self.blockRows, count)
                // The centre: the rows' mean (any vector would keep results exact; the mean keeps δ small).
                for r in blockRows {
                    for c in 0..<d { centres[block * d + c] += x[r * d + c] }
                }
                for c in 0..<d { centres[block * d + c] /= Float(blockRows.count) }
                var maxMagnitude: Float = 0
                for r in blockRows {
                    for c in 0..<d {
                        let value = x[r * d + c] - centres[block * d + c]
                        offset[(r - blockRows.lowerBound) * d + c] = value
                        maxMagnitude = max(maxMagnitude, abs(value))
                    }
                }
                let scale = Quantization.scale(levels: Quantization.baseLevels, maxMagnitude: maxMagnitude)
                var minimumSquaredNorm = Float.infinity, maxSquaredNorm: Float = 0
                var maxSquaredOffset: Float = 0, maxSquaredResidual: Float = 0
                for r in blockRows {
                    var squaredNorm: Float = 0, squaredOffset: Float = 0, squaredResidual: Float = 0
                    for c in 0..<d {
                        let value = offset[(r - blockRows.lowerBound) * d + c]
                        let code = (value * scale).rounded().clamped(to: -Quantization.baseLevels...Quantization.baseLevels)
                        codes[r * d + c] = Int8(code)
                        let residual = value - code / scale
                        squaredNorm += x[r * d + c] * x[r * d + c]
                        squaredOffset += value * value
                        squaredResidual += residual * residual
                    }
                    squaredNorms[r] = squaredNorm
                    minimumSquaredNorm = min(minimumSquaredNorm, squaredNorm)
                    maxSquaredNorm = max(maxSquaredNorm, squaredNorm)
                    maxSquaredOffset = max(maxSquaredOffset, squaredOffset)
                    maxSquaredResidual = max(maxSquaredResidual, squaredResidual)
                }
                scales[block] = scale
                minimumSquaredNorms[block] = minimumSquaredNorm
                maximumNorms[block] = maxSquaredNorm.squareRoot()
                maximumOffsetNorms[block] = maxSquaredOffset.squareRoot()
                maximumResidualNorms[block] = maxSquaredResidual.squareRoot()
            }
        }
        self.rows = rows
        self.grouped = grouped
        self.firstIndex = firstIndex
        self.count = count
        self.dimension = d
        self.order = order
        self.codes = codes
        self.squaredNorms = squaredNorms
        self.centres = centres
        centreSquaredNorms = (0..<blockCount).map { block in
            centres[block * d..<(block + 1) * d].reduce(Float(0)) { $0 + $1 * $1 }
        }
        self.scales = scales
        self.minimumSquaredNorms = minimumSquaredNorms
        self.maximumNorms = maximumNorms
        self.maximumOffsetNorms = maximumOffsetNorms
        self.maximumResidualNorms = maximumResidualNorms
    }
}

/// Queries with their byte codes (one scale per query).
///
/// Layout: `rows` is `count × dimension` Float; `codes` the same shape, `code + 64` in `1...127`.
struct QuantizedQueries: Sendable {
    let rows: Tensor
    let count: Int, dimension: Int
    /// The query behind each row (its list's index): the rows may be reordered.
    let indices: [Int]
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
        if let bad = rows.firstNonFiniteValue() { throw .nonFiniteValue(in: .queries, row: bad.row, column: bad.column, value: bad.value) }

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
        self.indices = Array(0..<count)
        self.codes = codes
        self.inverseScales = inverseScales
        self.squaredNorms = squaredNorms
        self.codeNorms = codeNorms
        self.residualNorms = residualNorms
    }
}

extension QuantizedQueries {
    private init(rows: Tensor, indices: [Int], codes: [UInt8], inverseScales: [Float], squaredNorms: [Float],
                 codeNorms: [Float], residualNorms: [Float]) {
        self.rows = rows
        self.count = rows.shape[0]
        self.dimension = rows.shape[1]
        self.indices = indices
        self.codes = codes
        self.inverseScales = inverseScales
        self.squaredNorms = squaredNorms
        self.codeNorms = codeNorms
        self.residualNorms = residualNorms
    }

    /// The same queries with row `r` being row `order[r]` of these.
    func reordered(_ order: [Int]) -> QuantizedQueries {
        let d = dimension
        let rows = self.rows.withUnsafeBufferPointer { x in
            Tensor(shape: [count, d]) { out in
                for (r, source) in order.enumerated() {
                    for c in 0..<d { out[r * d + c] = x[source * d + c] }
                }
            }
        }
        return QuantizedQueries(rows: rows, indices: order.map { indices[$0] },
                                codes: order.flatMap { codes[$0 * d..<($0 + 1) * d] },
                                inverseScales: order.map { inverseScales[$0] }, squaredNorms: order.map { squaredNorms[$0] },
                                codeNorms: order.map { codeNorms[$0] }, residualNorms: order.map { residualNorms[$0] })
    }
}

fileprivate extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
