import LikenessCore

/// The kernel of exact search: whole blocks are skipped by their centre's distance, an integer
/// product filters the rows of the others, `Float` distances decide.
///
/// For a block of queries × a block of base rows (centre `μ`, offsets `δ = b − μ`, see
/// `QuantizedBase`): a query whose list is full skips the block when `‖q − μ‖ − max‖δ‖`, a
/// lower bound on every row's distance, already exceeds its k-th best (`blockMayReach`). For
/// the others, `C = codes_q · codes_δᵀ` (bytes, exact integers) gives
/// `ã = ‖b‖² − 2 q·μ − 2 q̃·δ̃`, within `M = 2E + slop` of `d² − ‖q‖²`, where
/// `d² = Σ (qᵢ − bᵢ)²` is the squared distance computed in `Float`,
/// `E = ‖q − q̃‖ · max‖δ‖ + ‖q̃‖ · max‖δ − δ̃‖` bounds `|q·δ − q̃·δ̃|`, and `slop` the `Float`
/// rounding of both sides. A row can enter a query's list only if `d² ≤ Tₖ` (`Tₖ` its k-th
/// best so far), hence only if `ã ≤ Tₖ − ‖q‖² + M`: those few rows get `d²` computed and
/// offered to the list, ordered by `d²` then index. No other row can enter, so the lists are
/// those of brute force on `d²`, whatever the blocking, the orders, the threads or the chunks.
///
/// The integer product runs at about twice the rate of the `Float` one, and about one row in
/// four hundred reaches the exact stage on 64-d random unit vectors (one in a hundred on tight
/// clusters), so the product sets the speed. On random unit vectors no block is ever skipped;
/// on the embeddings of a trained network (60,000 Fashion-MNIST training images × the 10,000
/// test images) about two thirds of the (query, block) pairs are, since the queries come in the
/// order of their nearest base block and each query block meets the blocks nearest it first.
enum NeighbourScan {
    /// Queries per block: a block meets the base blocks in its own order (nearest its queries'
    /// mean first), and each base block is multiplied by the runs of its queries it may reach.
    /// Measured with `Scripts/compare-speed.sh OLD NEW 3 query-random query` (60,000 × 10,000
    /// 64-d rows, 2 threads, AMD EPYC AVX2), queries/s against blocks of 1,024 queries and no
    /// skipping: 256 with runs 1.75× on embeddings and 0.94× on random unit vectors; 128 with one
    /// run from the first query reached to the last 1.72× / 0.90×; 512 with runs 1.58× / 0.93×;
    /// 1,024 with runs 1.67× / 0.97× (smaller blocks of alike queries skip more base blocks,
    /// larger ones reuse each packed base block more).
    static let queryBlockRows = 256
    /// Base rows per integer product. 128 skipped a little more on embeddings (+3 %) and cost
    /// 13 % on random unit vectors; 512 skipped far less (−21 %).
    static let baseBlockRows = 256
    /// Two runs of queries a base block reaches are multiplied as one when at most this many
    /// queries apart: a product per run costs more than a few rows (8 measured no better).
    static let runGap = 32

    /// Merges `base`'s rows into every query's list, blocks of queries split across `Parallel`'s threads.
    static func merge(_ base: QuantizedBase, queries: QuantizedQueries, into lists: inout NeighbourLists) {
        precondition(base.dimension == queries.dimension,
                     "base rows have \(base.dimension) columns, queries \(queries.dimension)")
        let queryCount = queries.count, k = lists.k
        guard queryCount > 0, base.count > 0 else { return }
        let queries = base.grouped ? queries.reordered(BaseGrouping.order(queries, base)) : queries
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
                let centreProducts = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * base.blockCount)
                let reaching = UnsafeMutablePointer<Bool>.allocate(capacity: blockRows)
                defer {
                    products.deallocate()
                    centreProducts.deallocate()
                    reaching.deallocate()
                }
                for block in blocks {
                    scan(queries: queries, rows: block * blockRows..<min((block + 1) * blockRows, queryCount),
                         base: base, products: products, centreProducts: centreProducts, reaching: reaching, lists: lists)
                }
            }
        }
        }
        }
    }

    /// One block of queries against every block of `base`.
    private static func scan(queries: QuantizedQueries, rows: Range<Int>, base: QuantizedBase,
                             products: UnsafeMutablePointer<Int32>, centreProducts: UnsafeMutablePointer<Float>,
                             reaching: UnsafeMutablePointer<Bool>, lists: ListPointers) {
        let d = base.dimension, k = lists.k
        let slopFactor = Float(16 * (d + 8)) * Float.ulpOfOne
        queries.rows.withUnsafeBufferPointer { queryValues in
        base.rows.withUnsafeBufferPointer { baseValues in
        queries.codes.withUnsafeBufferPointer { queryCodes in
        base.codes.withUnsafeBufferPointer { baseCodes in
        base.centres.withUnsafeBufferPointer { centres in
        base.order.withUnsafeBufferPointer { order in
        base.squaredNorms.withUnsafeBufferPointer { baseSquaredNorms in
            // q·μ for every block's centre.
            let blockCount = base.blockCount
            GEMM.multiply(.none, .transposed, m: rows.count, n: blockCount, k: d,
                          a: queryValues.baseAddress! + rows.lowerBound * d, b: centres.baseAddress!, c: centreProducts)
            for block in blockOrder(queryValues.baseAddress!, rows: rows, base: base) {
                let start = block * baseBlockRows, n = min(baseBlockRows, base.count - start)
                // Which queries the block can reach at all.
                var first = rows.upperBound, last = rows.lowerBound - 1
                for q in rows {
                    let list = queries.indices[q]
                    let reaches = Self.blockMayReach(
                        limit: lists.counts[list] < k ? .infinity : lists.squaredDistances[list * k + k - 1],
                        querySquaredNorm: queries.squaredNorms[q], centreProduct: centreProducts[(q - rows.lowerBound) * blockCount + block],
                        centreSquaredNorm: base.centreSquaredNorms[block], radius: base.maximumOffsetNorms[block],
                        slopFactor: slopFactor)
                    reaching[q - rows.lowerBound] = reaches
                    if reaches {
                        first = min(first, q)
                        last = q
                    }
                }
                guard first <= last else { continue }
                // q̃·δ̃ for the block's rows, for each run of the queries it may reach.
                func multiply(_ run: ClosedRange<Int>) {
                    GEMM.multiply(.none, .transposed, m: run.count, n: n, k: d,
                                  a: queryCodes.baseAddress! + run.lowerBound * d, aOffset: Quantization.queryOffset,
                                  b: baseCodes.baseAddress! + start * d, c: products + (run.lowerBound - rows.lowerBound) * n, ldc: n)
                }
                var runStart = first, runEnd = first
                for q in first...last where reaching[q - rows.lowerBound] {
                    if q - runEnd > runGap {
                        multiply(runStart...runEnd)
                        runStart = q
                    }
                    runEnd = q
                }
                multiply(runStart...runEnd)
                for q in first...last where reaching[q - rows.lowerBound] {
                    let list = queries.indices[q]
                    let error = queries.residualNorms[q] * base.maximumOffsetNorms[block]
                        + queries.codeNorms[q] * base.maximumResidualNorms[block]
                    let reach = queries.squaredNorms[q].squareRoot() + base.maximumNorms[block]
                    var scan = QueryScan(
                        query: queryValues.baseAddress! + q * d, dimension: d,
                        squaredNorm: queries.squaredNorms[q], margin: 2 * error * 1.001 + slopFactor * reach * reach,
                        list: NeighbourList(squaredDistances: lists.squaredDistances + list * k,
                                            indices: lists.indices + list * k, k: k, count: lists.counts[list]),
                        baseRows: baseValues.baseAddress! + start * d, baseSquaredNorms: baseSquaredNorms.baseAddress! + start,
                        indices: order.baseAddress! + start, firstIndex: base.firstIndex)
                    scan.scan(products: products + (q - rows.lowerBound) * n, count: n,
                              shift: 2 * centreProducts[(q - rows.lowerBound) * blockCount + block],
                              alpha: 2 * queries.inverseScales[q] / base.scales[block],
                              minimumSquaredNorm: base.minimumSquaredNorms[block])
                    lists.counts[list] = scan.list.count
                }
            }
        }
        }
        }
        }
        }
        }
        }
    }
}

extension NeighbourScan {
    /// Whether a row of a block (centre `μ`, every row within `radius` of it) may still enter a
    /// list whose limit is `limit`: false only when `‖q − b‖ ≥ ‖q − μ‖ − radius` (the triangle
    /// inequality) proves every row's `d²` above it. `slopFactor` (`16 (D + 8) ε`) is the room
    /// left for rounding: absolute, `slopFactor · (‖q‖ + ‖μ‖)²`, for `‖q − μ‖² = ‖q‖² − 2 q·μ + ‖μ‖²`,
    /// relative for the radius, the square roots and `d²` (each off by at most `(D + 4) ε`).
    /// NaN lets the block through.
    @inline(__always)
    static func blockMayReach(limit: Float, querySquaredNorm: Float, centreProduct: Float, centreSquaredNorm: Float,
                              radius: Float, slopFactor: Float) -> Bool {
        guard limit < .infinity else { return true }
        let normSum = querySquaredNorm.squareRoot() + centreSquaredNorm.squareRoot()
        let centreDistanceSquared = querySquaredNorm - 2 * centreProduct + centreSquaredNorm - slopFactor * normSum * normSum
        guard centreDistanceSquared > 0 else { return true }
        let gap = centreDistanceSquared.squareRoot() * (1 - slopFactor) - radius * (1 + slopFactor)
        guard gap > 0 else { return true }
        return !(gap * gap * (1 - slopFactor) > limit)
    }

    /// The base blocks nearest the queries' mean first (by their centres), when the base is grouped.
    fileprivate static func blockOrder(_ queryValues: UnsafePointer<Float>, rows: Range<Int>, base: QuantizedBase) -> [Int] {
        guard base.grouped else { return Array(0..<base.blockCount) }
        let d = base.dimension
        var mean = [Float](repeating: 0, count: d)
        for q in rows {
            for c in 0..<d { mean[c] += queryValues[q * d + c] }
        }
        for c in 0..<d { mean[c] /= Float(rows.count) }
        let distances = (0..<base.blockCount).map { block in
            (0..<d).reduce(Float(0)) { s, c in
                let x = base.centres[block * d + c] - mean[c]
                return s + x * x
            }
        }
        return (0..<base.blockCount).sorted { (distances[$0], $0) < (distances[$1], $1) }
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
    /// The block's rows (`Float`), their `‖b‖²`, and their indices in the chunk.
    let baseRows: UnsafePointer<Float>
    let baseSquaredNorms: UnsafePointer<Float>
    let indices: UnsafePointer<Int>
    /// The global index of the chunk's row 0.
    let firstIndex: Int

    /// The largest `ã` a row may have and still enter the list: `Tₖ − ‖q‖² + M` (∞ while the
    /// list is not full, and where overflowing norms leave nothing to filter on).
    var limit: Float {
        let limit = list.limit - squaredNorm + margin
        return limit.isNaN ? .infinity : limit
    }

    /// Offers the block's `count` rows, whose byte products with the query are `products`:
    /// `ã = ‖b‖² − shift − alpha · C` (`shift = 2 q·μ`). Sixteen products at a time are
    /// compared with the integer bound the limit implies (`ã ≤ τ` needs
    /// `C ≥ (min‖b‖² − shift − τ) / alpha`); the rare ones above it get `ã` checked against the
    /// limit, and those within it their `d²`. Where `ã` is NaN (norms overflowing `Float`), the
    /// row is let through.
    @inline(__always)
    mutating func scan(products: UnsafePointer<Int32>, count n: Int, shift: Float, alpha: Float, minimumSquaredNorm: Float) {
        var limit = self.limit
        var productLimits = SIMD16<Int32>(repeating: Self.productLimit(limit, minimumSquaredNorm - shift, alpha: alpha))
        var j = 0
        while j + 16 <= n {
            let above = UnsafeRawPointer(products + j).loadUnaligned(as: SIMD16<Int32>.self) .>= productLimits
            if any(above) {
                var lanes = UInt32(truncatingIfNeeded: SIMD16<Int32>().replacing(with: Self.laneBits, where: above).wrappedSum())
                while lanes != 0 {
                    let row = j + lanes.trailingZeroBitCount
                    lanes &= lanes - 1
                    if !(baseSquaredNorms[row] - shift - alpha * Float(products[row]) > limit) {
                        offer(row: row)
                        limit = self.limit
                    }
                }
                productLimits = SIMD16(repeating: Self.productLimit(limit, minimumSquaredNorm - shift, alpha: alpha))
            }
            j += 16
        }
        while j < n {
            if !(baseSquaredNorms[j] - shift - alpha * Float(products[j]) > limit) {
                offer(row: j)
                limit = self.limit
            }
            j += 1
        }
    }

    /// Bit `i` in lane `i`: the sum of the lanes a mask selects is the mask as an integer.
    static let laneBits = SIMD16<Int32>(1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7,
                                        1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15)

    /// The smallest product that can pass `lowest − alpha · C ≤ limit`, rounded down with room
    /// for `Float` rounding (the `Float` check follows, so a low bound only costs time).
    @inline(__always)
    static func productLimit(_ limit: Float, _ lowest: Float, alpha: Float) -> Int32 {
        let bound = (lowest - limit) / alpha
        let lowered = (bound - abs(bound) * 0x1p-16 - 2).rounded(.down)
        if !(lowered > Float(Int32.min)) { return .min }
        return lowered < Float(Int32.max) ? Int32(lowered) : .max
    }

    /// Computes the block row's `d²` and offers it to the list.
    @inline(__always)
    mutating func offer(row: Int) {
        list.offer(SquaredDistances.squaredDistance(query, baseRows + row * dimension, count: dimension), index: firstIndex + indices[row])
    }
}
