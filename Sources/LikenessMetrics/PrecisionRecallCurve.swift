/// Precision and recall of scores against a binary truth: calling a sample positive when its score
/// `s ≥ t` gives `P(t) = TP(t) / (TP(t) + FP(t))` and `R(t) = TP(t) / P`.
///
/// The points are scikit-learn's `precision_recall_curve`, in its order of increasing threshold:
/// point `k` is at `thresholds[k]` (the distinct scores, increasing), and a last point
/// `(precision 1, recall 0)` with no threshold closes the curve.
public struct PrecisionRecallCurve: Sendable, Equatable, Codable {
    /// Precision at each point.
    public let precisions: [Double]
    /// Recall at each point, non-increasing from 1 to 0.
    public let recalls: [Double]
    /// The distinct scores, increasing; one fewer than the points.
    public let thresholds: [Double]
    /// `AP = Σ_n (R_n − R_{n−1}) P_n` over the thresholds in decreasing order, `R_0 = 0`: the step
    /// integral without interpolation (scikit-learn's `average_precision_score`). Tied scores are one step.
    public let averagePrecision: Double

    /// The curve of `scores` against `positives`; nil when the truth has no positive (scikit-learn
    /// warns and sets every recall to 1: not a meaningful curve).
    public init?(positives: [Bool], scores: [Double]) throws(MetricsError) {
        try MetricsError.checkFinite(scores)
        self.init(ThresholdCounts(positives: positives, scores: scores))
    }

    init?(_ counts: ThresholdCounts) {
        let positiveCount = counts.positiveCount
        guard positiveCount > 0 else { return nil }
        // Every threshold is an observed score, so at least one sample is called positive.
        let precisionsByDecreasingThreshold = zip(counts.truePositives, counts.falsePositives).map { tp, fp in
            Double(tp) / Double(tp + fp)
        }
        let recallsByDecreasingThreshold = counts.truePositives.map { Double($0) / Double(positiveCount) }
        var average = 0.0, previousRecall = 0.0
        for (precision, recall) in zip(precisionsByDecreasingThreshold, recallsByDecreasingThreshold) {
            average += (recall - previousRecall) * precision
            previousRecall = recall
        }
        precisions = precisionsByDecreasingThreshold.reversed() + [1]
        recalls = recallsByDecreasingThreshold.reversed() + [0]
        thresholds = counts.thresholds.reversed()
        averagePrecision = average
    }
}
