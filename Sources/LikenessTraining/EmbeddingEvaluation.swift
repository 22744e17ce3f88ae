import LikenessCore
import LikenessSearch

/// Measures of a set of embeddings (`N × D` rows) that need no gallery.
public enum EmbeddingEvaluation {
    /// Leave-one-out recall@1: the fraction of rows whose nearest other row (Euclidean
    /// distance, ties to the lowest index) has the same label. 0 for fewer than 2 rows.
    ///
    /// The neighbours are exact search's (`ExactNearestNeighbours.nearestOtherRows`), ranked by
    /// the distance `query` reports.
    ///
    /// - Throws: `NearestNeighbourError.nonFiniteValue` for a NaN or an infinity in `x`.
    public static func recallAtOne(embeddings x: Tensor, labels: [Int]) throws(NearestNeighbourError) -> Double {
        try recallAtOne(embeddings: x, labels: labels, parts: [Int](repeating: 0, count: labels.count), partCount: 1)[0]
    }

    /// Leave-one-out recall@1 of each part of the rows, the neighbours searched among all of them:
    /// `|{i : part(i) = p, label(nn(i)) = label(i)}| / |{i : part(i) = p}|` for part `p`, with
    /// `nn(i)` row `i`'s nearest other row (as `recallAtOne(embeddings:labels:)`); 0 for a part
    /// without rows, and for every part with fewer than 2 rows in all.
    ///
    /// - Throws: `NearestNeighbourError.nonFiniteValue` for a NaN or an infinity in `x`.
    public static func recallAtOne(embeddings x: Tensor, labels: [Int], parts: [Int], partCount: Int) throws(NearestNeighbourError) -> [Double] {
        precondition(x.rank == 2 && x.shape[0] == labels.count && parts.count == labels.count,
                     "embeddings of shape \(x.shape) for \(labels.count) labels and \(parts.count) parts: expected [\(labels.count), D]")
        precondition(parts.allSatisfy { (0..<partCount).contains($0) }, "a part outside 0..<\(partCount)")
        let n = x.shape[0]
        guard n > 1 else { return [Double](repeating: 0, count: partCount) }
        let nearest = try ExactNearestNeighbours.nearestOtherRows(of: x, k: 1)
        var hits = [Int](repeating: 0, count: partCount), rows = [Int](repeating: 0, count: partCount)
        for i in 0..<n {
            rows[parts[i]] += 1
            if labels[nearest[i]] == labels[i] { hits[parts[i]] += 1 }
        }
        return zip(hits, rows).map { $1 == 0 ? 0 : Double($0) / Double($1) }
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
