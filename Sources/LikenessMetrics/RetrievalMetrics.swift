import LikenessCore
import LikenessSearch

/// Retrieval measures of labelled embeddings searched against themselves, each query left out:
/// pytorch-metric-learning's `AccuracyCalculator` (2.x, defaults: `avg_of_avgs=False`, `k=None`,
/// Euclidean distance) called as `get_accuracy(x, labels)`.
///
/// For a query `q` of class `y` with `R = |{j ≠ q : y_j = y}|` other rows of its class, its other
/// rows ranked nearest first (``ExactNearestNeighbours/nearestOtherRows(of:k:)``), and
/// `rel(i) = 1` when the `i`-th of them is of class `y`:
///
/// - `precision@1 = rel(1)`;
/// - `R-precision = (1/R) Σ_{i≤R} rel(i)`;
/// - `MAP@R = (1/R) Σ_{i≤R} P(i) · rel(i)`, with `P(i) = (1/i) Σ_{j≤i} rel(j)`.
///
/// Overall: the mean over the queries (pml's default, not a mean of class means); per class: the
/// mean over the class's queries (pml's `return_per_class=True`).
///
/// A query alone in its class (`R = 0`) has nothing to retrieve: pml leaves such "lone" queries
/// out of every measure, overall and per class, and so does this type (the class's measures are
/// nil, "not defined"). Where every query is alone pml returns NaN; here the overall measures are
/// nil.
public struct RetrievalMetrics: Sendable, Equatable, Codable {
    /// The measures of the queries of one class.
    public struct ClassMetrics: Sendable, Equatable, Codable {
        public let name: String
        /// The samples of the class, each a query.
        public let queryCount: Int
        /// `R`: the other samples of the class, what each of its queries should retrieve.
        public let relevantCount: Int
        /// Nil when the class has fewer than two samples (`R = 0`), and so for the others.
        public let precisionAt1: Double?
        public let rPrecision: Double?
        public let meanAveragePrecisionAtR: Double?
    }

    /// One entry per class, by class index.
    public let classes: [ClassMetrics]
    /// The queries measured: the samples whose class has at least one other sample.
    public let queryCount: Int
    /// Means over the measured queries; nil when there is none.
    public let precisionAt1: Double?
    public let rPrecision: Double?
    public let meanAveragePrecisionAtR: Double?

    /// The measures of `embeddings` (`N × D`, one row per sample) with `labels` (`N`, in
    /// `0..<classNames.count`), each row a query against all the others.
    ///
    /// One exact search for `k = max_c |c| − 1` neighbours of every row (pml's `k=None`), so
    /// `N × k` indices in memory.
    /// - Throws: `NearestNeighbourError.nonFiniteValue` for a NaN or an infinity in `embeddings`.
    public init(embeddings: Tensor, labels: [Int], classNames: [String]) throws(NearestNeighbourError) {
        precondition(embeddings.rank == 2 && embeddings.shape[0] == labels.count,
                     "embeddings of shape \(embeddings.shape) for \(labels.count) labels: expected [\(labels.count), D]")
        precondition(labels.allSatisfy(classNames.indices.contains), "labels outside 0..<\(classNames.count)")
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels { counts[label] += 1 }
        let k = (counts.max() ?? 0) - 1
        let neighbours = k >= 1 ? try ExactNearestNeighbours.nearestOtherRows(of: embeddings, k: k) : []
        self.init(neighbours: neighbours, k: max(k, 0), labels: labels, classNames: classNames)
    }

    /// The measures from each row's `k` nearest other rows, `neighbours` being `N × k` row indices,
    /// row-major, nearest first; `k` at least the largest class's size less one.
    init(neighbours: [Int], k: Int, labels: [Int], classNames: [String]) {
        precondition(neighbours.count == labels.count * k, "\(neighbours.count) neighbours for \(labels.count) rows of \(k)")
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels { counts[label] += 1 }
        precondition(counts.allSatisfy { $0 - 1 <= k }, "\(k) neighbours per row for classes of up to \(counts.max() ?? 0) samples")
        // Sums of each measure over the measured queries of each class.
        var sums = [(precisionAt1: Double, rPrecision: Double, map: Double)](repeating: (0, 0, 0), count: classNames.count)
        for (q, label) in labels.enumerated() {
            let r = counts[label] - 1
            guard r > 0 else { continue }
            var hits = 0, precisionSum = 0.0
            for i in 0..<r where labels[neighbours[q * k + i]] == label {
                hits += 1
                precisionSum += Double(hits) / Double(i + 1)
            }
            sums[label].precisionAt1 += labels[neighbours[q * k]] == label ? 1 : 0
            sums[label].rPrecision += Double(hits) / Double(r)
            sums[label].map += precisionSum / Double(r)
        }
        classes = classNames.indices.map { c in
            let measured = counts[c] > 1 ? Double(counts[c]) : nil
            return ClassMetrics(name: classNames[c], queryCount: counts[c], relevantCount: max(counts[c] - 1, 0),
                                precisionAt1: measured.map { sums[c].precisionAt1 / $0 },
                                rPrecision: measured.map { sums[c].rPrecision / $0 },
                                meanAveragePrecisionAtR: measured.map { sums[c].map / $0 })
        }
        let measuredClasses = classNames.indices.filter { counts[$0] > 1 }
        queryCount = measuredClasses.reduce(0) { $0 + counts[$1] }
        let total = queryCount > 0 ? Double(queryCount) : nil
        precisionAt1 = total.map { t in measuredClasses.reduce(0) { $0 + sums[$1].precisionAt1 } / t }
        rPrecision = total.map { t in measuredClasses.reduce(0) { $0 + sums[$1].rPrecision } / t }
        meanAveragePrecisionAtR = total.map { t in measuredClasses.reduce(0) { $0 + sums[$1].map } / t }
    }
}
