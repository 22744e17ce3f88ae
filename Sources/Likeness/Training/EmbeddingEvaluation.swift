import LikenessCore

/// Measures of a set of embeddings (`N × D` rows) that need no gallery.
public enum EmbeddingEvaluation {
    /// Leave-one-out recall@1: the fraction of rows whose nearest other row (Euclidean
    /// distance, ties to the lowest index) has the same label. 0 for fewer than 2 rows.
    ///
    /// Distances come from blocks of `blockRows` rows against all rows, one matrix product each
    /// (`‖xⱼ‖² − 2 xᵢ·xⱼ` ranks the rows `j` as `‖xᵢ − xⱼ‖²` does), so memory stays at
    /// `blockRows × N` floats however large the set.
    public static func recallAtOne(embeddings x: Tensor, labels: [Int], blockRows: Int = 512) -> Double {
        precondition(x.rank == 2 && x.shape[0] == labels.count,
                     "embeddings of shape \(x.shape) for \(labels.count) labels: expected [\(labels.count), D]")
        precondition(blockRows > 0, "block of \(blockRows) rows")
        let n = x.shape[0], d = x.shape[1]
        guard n > 1 else { return 0 }
        var hits = 0
        x.withUnsafeBufferPointer { xp in
            let norms = (0..<n).map { i in (0..<d).reduce(Float(0)) { $0 + xp[i * d + $1] * xp[i * d + $1] } }
            var products = [Float](repeating: 0, count: min(blockRows, n) * n)
            for start in stride(from: 0, to: n, by: blockRows) {
                let rows = min(blockRows, n - start)
                products.withUnsafeMutableBufferPointer { s in
                    GEMM.multiply(.none, .transposed, m: rows, n: n, k: d,
                                  a: xp.baseAddress! + start * d, b: xp.baseAddress!, c: s.baseAddress!)
                    for r in 0..<rows {
                        let i = start + r
                        var nearest = -1, nearestScore = Float.infinity
                        for j in 0..<n where j != i {
                            let score = norms[j] - 2 * s[r * n + j]
                            if score < nearestScore { nearest = j; nearestScore = score }
                        }
                        if nearest >= 0 && labels[nearest] == labels[i] { hits += 1 }
                    }
                }
            }
        }
        return Double(hits) / Double(n)
    }

    /// The spread of a set of embeddings: the mean Euclidean distance of the rows to their
    /// centroid, `(1/N) Σᵢ ‖xᵢ − x̄‖`. Near 0 when the embeddings have collapsed to a point;
    /// about 1 for unit embeddings spread evenly over the sphere.
    public static func spread(_ x: Tensor) -> Float {
        precondition(x.rank == 2, "spread of a \(x.shape) tensor: expected N × D")
        let n = x.shape[0], d = x.shape[1]
        guard n > 0 else { return 0 }
        return x.withUnsafeBufferPointer { xp in
            var centroid = [Double](repeating: 0, count: d)
            for i in 0..<n { for k in 0..<d { centroid[k] += Double(xp[i * d + k]) } }
            for k in 0..<d { centroid[k] /= Double(n) }
            var total = 0.0
            for i in 0..<n {
                var squared = 0.0
                for k in 0..<d { squared += (Double(xp[i * d + k]) - centroid[k]) * (Double(xp[i * d + k]) - centroid[k]) }
                total += squared.squareRoot()
            }
            return Float(total / Double(n))
        }
    }
}
