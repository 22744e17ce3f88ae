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
        precondition(x.rank == 2 && x.shape[0] == labels.count,
                     "embeddings of shape \(x.shape) for \(labels.count) labels: expected [\(labels.count), D]")
        let n = x.shape[0]
        guard n > 1 else { return 0 }
        let nearest = try ExactNearestNeighbours.nearestOtherRows(of: x, k: 1)
        let hits = (0..<n).filter { labels[nearest[$0]] == labels[$0] }.count
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
