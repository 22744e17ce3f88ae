import LikenessCore

/// An order of base rows that puts rows near each other together, so that the blocks of the
/// filter product hold alike rows: each row goes to the nearest of a few centres, groups follow
/// each other, rows keep their order within a group. Queries are put in the order of their
/// nearest base block, so that a block of queries meets the base blocks nearest to it first
/// and its thresholds tighten at once.
///
/// The centres: rows at a regular stride, then the means of their groups (Lloyd's k-means,
/// `rounds` assignments). Only speed depends on the orders; search results do not.
enum BaseGrouping {
    /// Centres: enough for groups of a few blocks, few enough to cost little next to the search.
    static let maximumGroups = 64
    static let rounds = 2
    /// Rows per assignment product (bounds its scratch memory).
    static let rowsPerProduct = 8_192

    /// `order[r]` = the row placed at position `r`.
    static func order(_ rows: Tensor) -> [Int] {
        let n = rows.shape[0], d = rows.shape[1]
        let groupCount = min(maximumGroups, n / (2 * NeighbourScan.baseBlockRows))
        guard groupCount >= 2 else { return Array(0..<n) }
        var centres = [Float](repeating: 0, count: groupCount * d)
        rows.withUnsafeBufferPointer { x in
            for g in 0..<groupCount {
                let row = g * n / groupCount
                for c in 0..<d { centres[g * d + c] = x[row * d + c] }
            }
        }
        var assignment: [Int] = []
        for round in 0..<rounds {
            assignment = nearestCentres(rows, centres: centres, centreCount: groupCount)
            if round < rounds - 1 {
                centres = means(rows, assignment: assignment, groupCount: groupCount, keeping: centres)
            }
        }
        return order(byGroup: assignment, groupCount: groupCount)
    }

    /// `order[r]` = the query placed at position `r`: by nearest block of the grouped `base`.
    static func order(_ queries: QuantizedQueries, _ base: QuantizedBase) -> [Int] {
        order(byGroup: nearestCentres(queries.rows, centres: base.centres, centreCount: base.blockCount),
              groupCount: base.blockCount)
    }

    /// The positions sorted by group, stably: index order within each group (a counting sort).
    static func order(byGroup assignment: [Int], groupCount: Int) -> [Int] {
        var starts = [Int](repeating: 0, count: groupCount + 1)
        for g in assignment { starts[g + 1] += 1 }
        for g in 0..<groupCount { starts[g + 1] += starts[g] }
        var order = [Int](repeating: 0, count: assignment.count)
        for (r, g) in assignment.enumerated() {
            order[starts[g]] = r
            starts[g] += 1
        }
        return order
    }

    /// Each row's nearest centre (`centreCount × D`, row-major): `argmin_c ‖c‖² − 2 b·c`, the
    /// products by blocks of rows.
    static func nearestCentres(_ rows: Tensor, centres: [Float], centreCount groupCount: Int) -> [Int] {
        let n = rows.shape[0], d = rows.shape[1]
        var assignment = [Int](repeating: 0, count: n)
        let centreSquaredNorms = (0..<groupCount).map { g in centres[g * d..<(g + 1) * d].reduce(Float(0)) { $0 + $1 * $1 } }
        var products = [Float](repeating: 0, count: min(rowsPerProduct, n) * groupCount)
        rows.withUnsafeBufferPointer { x in
            centres.withUnsafeBufferPointer { c in
                products.withUnsafeMutableBufferPointer { p in
                    for start in stride(from: 0, to: n, by: rowsPerProduct) {
                        let m = min(rowsPerProduct, n - start)
                        GEMM.multiply(.none, .transposed, m: m, n: groupCount, k: d, alpha: -2,
                                      a: x.baseAddress! + start * d, b: c.baseAddress!, c: p.baseAddress!)
                        for r in 0..<m {
                            var best = 0, bestScore = Float.infinity
                            for g in 0..<groupCount where centreSquaredNorms[g] + p[r * groupCount + g] < bestScore {
                                bestScore = centreSquaredNorms[g] + p[r * groupCount + g]
                                best = g
                            }
                            assignment[start + r] = best
                        }
                    }
                }
            }
        }
        return assignment
    }

    /// The mean of each group's rows; an empty group keeps its centre.
    private static func means(_ rows: Tensor, assignment: [Int], groupCount: Int, keeping previous: [Float]) -> [Float] {
        let d = rows.shape[1]
        var sums = [Float](repeating: 0, count: groupCount * d), counts = [Int](repeating: 0, count: groupCount)
        rows.withUnsafeBufferPointer { x in
            for (r, g) in assignment.enumerated() {
                counts[g] += 1
                for c in 0..<d { sums[g * d + c] += x[r * d + c] }
            }
        }
        for g in 0..<groupCount {
            for c in 0..<d { sums[g * d + c] = counts[g] > 0 ? sums[g * d + c] / Float(counts[g]) : previous[g * d + c] }
        }
        return sums
    }
}
