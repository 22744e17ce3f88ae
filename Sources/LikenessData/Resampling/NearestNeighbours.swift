import LikenessCore

/// The `k` nearest other rows of each row of `points` (`count × dimension`, row-major), by
/// Euclidean distance, nearest first: `count × k` row indices. Of rows at equal distance, the
/// one with the lower index comes first.
///
/// Brute force: `‖a − b‖² = ‖a‖² + ‖b‖² − 2 a·b`, the dot products by blocks of rows through
/// one matrix product each, so memory stays at `block × count` distances.
func nearestNeighbours(of points: [Float], count n: Int, dimension d: Int, k: Int) -> [Int] {
    precondition(points.count == n * d, "\(points.count) values for \(n) points of dimension \(d)")
    precondition(k >= 1 && k < n, "\(k) neighbours among \(n) points")
    let squaredNorms = (0..<n).map { i in
        var s: Float = 0
        for j in 0..<d { s += points[i * d + j] * points[i * d + j] }
        return s
    }
    let block = 256
    var neighbours = [Int](repeating: 0, count: n * k)
    var dots = [Float](repeating: 0, count: min(block, n) * n)
    for start in stride(from: 0, to: n, by: block) {
        let rows = min(block, n - start)
        points.withUnsafeBufferPointer { p in
            dots.withUnsafeMutableBufferPointer { g in
                GEMM.multiply(.none, .transposed, m: rows, n: n, k: d,
                              a: p.baseAddress! + start * d, b: p.baseAddress!, c: g.baseAddress!)
            }
        }
        dots.withUnsafeBufferPointer { g in
            neighbours.withUnsafeMutableBufferPointer { out in
                Parallel.forEachChunk(rows, grain: 16) { range in
                    var bestDistance = [Float](repeating: 0, count: k)
                    var bestIndex = [Int](repeating: 0, count: k)
                    for r in range {
                        let i = start + r
                        var filled = 0
                        for j in 0..<n where j != i {
                            let distance = squaredNorms[i] + squaredNorms[j] - 2 * g[r * n + j]
                            if filled == k && distance >= bestDistance[k - 1] { continue }
                            // Insertion into the sorted list; strict `<` keeps the lower index first on ties.
                            var slot = filled == k ? k - 1 : filled
                            while slot > 0 && distance < bestDistance[slot - 1] {
                                bestDistance[slot] = bestDistance[slot - 1]
                                bestIndex[slot] = bestIndex[slot - 1]
                                slot -= 1
                            }
                            bestDistance[slot] = distance
                            bestIndex[slot] = j
                            filled = min(filled + 1, k)
                        }
                        for s in 0..<k { out[i * k + s] = bestIndex[s] }
                    }
                }
            }
        }
    }
    return neighbours
}
