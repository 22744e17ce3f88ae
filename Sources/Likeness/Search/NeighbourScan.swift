/// The kernel of exact search: an integer product filters, `Float` distances decide.
///
/// For a block of queries × a block of base rows, `C = codes_q · codes_bᵀ` (bytes, exact integers)
/// gives `ã = ‖b‖² − 2 q̃·b̃`, within `M = 2E + slop` of `d² − ‖q‖²`, where `d² = Σ (qᵢ − bᵢ)²`
/// is the squared distance computed in `Float`, `E = ‖q − q̃‖ · max‖b‖ + ‖q̃‖ · max‖b − b̃‖`
/// bounds `|q·b − q̃·b̃|`, and `slop` the `Float` rounding of both sides. A row can enter a
/// query's list only if `d² ≤ Tₖ` (`Tₖ` its k-th best so far), hence only if
/// `ã ≤ Tₖ − ‖q‖² + M`: those few rows get `d²` computed and offered to the list, ordered by
/// `d²` then index. No other row can enter, so the lists are those of brute force on `d²`,
/// whatever the blocking, the thread count or the chunks.
///
/// The integer product runs at about twice the rate of the `Float` one, and fewer than one row
/// in three hundred reaches the exact stage on 64-d unit vectors, so the product sets the speed
/// (on 2 threads, 60,000 rows × 10,000 queries: 65 % of the time in the product, 20 % in the
/// scan of its results, 15 % in exact distances).
enum NeighbourScan {
    /// At most this many queries per integer product. Measured on 60,000 × 10,000 64-d rows
    /// (2 threads): 1,024 × 256 beat 512 × 512 and 256 × 256 by 3 to 10 %; larger query blocks
    /// reuse each packed base block more.
    static let queryBlockRows = 1_024
    /// Base rows per integer product.
    static let baseBlockRows = 256

    /// Merges `base`'s rows into every query's list, blocks of queries split across `Parallel`'s threads.
    static func merge(_ base: QuantizedBase, queries: QuantizedQueries, into lists: inout NeighbourLists) {
        precondition(base.dimension == queries.dimension,
                     "base rows have \(base.dimension) columns, queries \(queries.dimension)")
        let queryCount = queries.count, k = lists.k
        guard queryCount > 0, base.count > 0 else { return }
        // Equal blocks, as many for each thread.
        let threads = Parallel.threadCount
        let blocksPerThread = (queryCount + threads * queryBlockRows - 1) / (threads * queryBlockRows)
        let blockRows = (queryCount + threads * blocksPerThread - 1) / (threads * blocksPerThread)
        let blockCount = (queryCount + blockRows - 1) / blockRows
        lists.squaredDistances.withUnsafeMutableBufferPointer { listDistances in
        lists.indices.withUnsafeMutableBufferPointer { listIndices in
        lists.counts.withUnsafeMutableBufferPointer { listCounts in
            let lists = ListPointers(squaredDistances: listDistances.baseAddress!, indices: listIndices.baseAddress!,
                                     counts: listCounts.baseAddress!, k: k)
            Parallel.forEachPart(blockCount) { _, blocks in
                let products = UnsafeMutablePointer<Int32>.allocate(capacity: blockRows * min(baseBlockRows, base.count))
                defer { products.deallocate() }
                for block in blocks {
                    scan(queries: queries, rows: block * blockRows..<min((block + 1) * blockRows, queryCount),
                         base: base, products: products, lists: lists)
                }
            }
        }
        }
        }
    }

    /// One block of queries against every row of `base`, block of base rows by block.
    private static func scan(queries: QuantizedQueries, rows: Range<Int>, base: QuantizedBase,
                             products: UnsafeMutablePointer<Int32>, lists: ListPointers) {
        let d = base.dimension, k = lists.k
        let slopFactor = Float(16 * (d + 8)) * Float.ulpOfOne
        queries.rows.withUnsafeBufferPointer { queryValues in
        base.rows.withUnsafeBufferPointer { baseValues in
        queries.codes.withUnsafeBufferPointer { queryCodes in
        base.codes.withUnsafeBufferPointer { baseCodes in
        base.squaredNorms.withUnsafeBufferPointer { baseSquaredNorms in
            for start in stride(from: 0, to: base.count, by: baseBlockRows) {
                let n = min(baseBlockRows, base.count - start)
                GEMM.multiply(.none, .transposed, m: rows.count, n: n, k: d,
                              a: queryCodes.baseAddress! + rows.lowerBound * d, aOffset: Quantization.queryOffset,
                              b: baseCodes.baseAddress! + start * d, c: products, ldc: n)
                let minimumSquaredNorm = baseSquaredNorms[start..<start + n].min()!
                for q in rows {
                    let error = queries.residualNorms[q] * base.maxNorm + queries.codeNorms[q] * base.maxResidualNorm
                    let reach = queries.squaredNorms[q].squareRoot() + base.maxNorm
                    var scan = QueryScan(
                        query: queryValues.baseAddress! + q * d, dimension: d,
                        squaredNorm: queries.squaredNorms[q], margin: 2 * error * 1.001 + slopFactor * reach * reach,
                        list: NeighbourList(squaredDistances: lists.squaredDistances + q * k,
                                            indices: lists.indices + q * k, k: k, count: lists.counts[q]),
                        baseRows: baseValues.baseAddress!, firstIndex: base.firstIndex)
                    scan.scan(products: products + (q - rows.lowerBound) * n, count: n, first: start,
                              alpha: 2 * queries.inverseScales[q] / base.scale,
                              baseSquaredNorms: baseSquaredNorms.baseAddress!, minimumSquaredNorm: minimumSquaredNorm)
                    lists.counts[q] = scan.list.count
                }
            }
        }
        }
        }
        }
        }
    }
}

/// Where the threads write the lists: each query's list belongs to the thread scanning it.
private struct ListPointers: @unchecked Sendable {
    let squaredDistances: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int>
    let counts: UnsafeMutablePointer<Int>
    let k: Int
}

/// One query's pass over a block of base rows.
private struct QueryScan {
    let query: UnsafePointer<Float>
    let dimension: Int
    let squaredNorm: Float
    /// `M`: how far `ã` may be from `d² − ‖q‖²`.
    let margin: Float
    var list: NeighbourList
    /// The chunk's rows (`Float`) and the global index of its row 0.
    let baseRows: UnsafePointer<Float>
    let firstIndex: Int

    /// The largest `ã` a row may have and still enter the list: `Tₖ − ‖q‖² + M` (∞ while the
    /// list is not full, and where overflowing norms leave nothing to filter on).
    var limit: Float {
        let limit = list.limit - squaredNorm + margin
        return limit.isNaN ? .infinity : limit
    }

    /// Offers rows `first..<first + count` of the chunk, whose products with the query are
    /// `products[0..<count]`. Sixteen products at a time are compared with the integer bound
    /// the limit implies (`ã ≤ τ` needs `C ≥ (min‖b‖² − τ) / alpha`); the rare ones above it get
    /// `ã = ‖b‖² − alpha · C` checked against the limit, and those within it their `d²`. Where
    /// `ã` is NaN (norms overflowing `Float`), the row is let through.
    @inline(__always)
    mutating func scan(products: UnsafePointer<Int32>, count n: Int, first: Int, alpha: Float,
                       baseSquaredNorms: UnsafePointer<Float>, minimumSquaredNorm: Float) {
        var limit = self.limit
        var productLimits = SIMD16<Int32>(repeating: Self.productLimit(limit, minimumSquaredNorm: minimumSquaredNorm, alpha: alpha))
        var j = 0
        while j + 16 <= n {
            let above = UnsafeRawPointer(products + j).loadUnaligned(as: SIMD16<Int32>.self) .>= productLimits
            if any(above) {
                var lanes = UInt32(truncatingIfNeeded: SIMD16<Int32>().replacing(with: Self.laneBits, where: above).wrappedSum())
                while lanes != 0 {
                    let lane = lanes.trailingZeroBitCount
                    lanes &= lanes - 1
                    if !(baseSquaredNorms[first + j + lane] - alpha * Float(products[j + lane]) > limit) {
                        offer(row: first + j + lane)
                        limit = self.limit
                    }
                }
                productLimits = SIMD16(repeating: Self.productLimit(limit, minimumSquaredNorm: minimumSquaredNorm, alpha: alpha))
            }
            j += 16
        }
        while j < n {
            if !(baseSquaredNorms[first + j] - alpha * Float(products[j]) > limit) {
                offer(row: first + j)
                limit = self.limit
            }
            j += 1
        }
    }

    /// Bit `i` in lane `i`: the sum of the lanes a mask selects is the mask as an integer.
    static let laneBits = SIMD16<Int32>(1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7,
                                        1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15)

    /// The smallest product that can pass `‖b‖² − alpha · C ≤ limit`, rounded down with room
    /// for `Float` rounding (the `Float` check follows, so a low bound only costs time).
    @inline(__always)
    static func productLimit(_ limit: Float, minimumSquaredNorm: Float, alpha: Float) -> Int32 {
        let bound = (minimumSquaredNorm - limit) / alpha
        let lowered = (bound - abs(bound) * 0x1p-16 - 2).rounded(.down)
        if !(lowered > Float(Int32.min)) { return .min }
        return lowered < Float(Int32.max) ? Int32(lowered) : .max
    }

    /// Computes the row's `d²` and offers it to the list.
    @inline(__always)
    mutating func offer(row: Int) {
        list.offer(squaredDistance(query, baseRows + row * dimension, dimension), index: firstIndex + row)
    }
}

/// `Σ (aᵢ − bᵢ)²` in `Float`, eight lanes then their sum: the same operations for every pair.
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
    var lanes = SIMD8<Float>()
    var i = 0
    while i + 8 <= d {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) - UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        lanes += x * x
        i += 8
    }
    var sum = lanes.sum()
    while i < d {
        let x = a[i] - b[i]
        sum += x * x
        i += 1
    }
    return sum
}
