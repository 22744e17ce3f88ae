/// The receiver operating characteristic of scores against a binary truth: calling a sample
/// positive when its score `s ≥ t` gives `TPR(t) = TP(t) / P` and `FPR(t) = FP(t) / N`.
///
/// The points are scikit-learn's `roc_curve(drop_intermediate=False)`, in order of decreasing
/// threshold: point 0 is the corner `(0, 0)` (scikit-learn's threshold `inf`, above every score,
/// left out here so that the curve stays plain JSON), and point `k ≥ 1` is at the `k`-th distinct
/// score, `thresholds[k − 1]`. The last point is `(1, 1)`.
public struct ROCCurve: Sendable, Equatable, Codable {
    /// `FPR` at each point, non-decreasing from 0 to 1.
    public let falsePositiveRates: [Double]
    /// `TPR` at each point, non-decreasing from 0 to 1.
    public let truePositiveRates: [Double]
    /// The distinct scores, decreasing; `thresholds[k]` belongs to point `k + 1`.
    public let thresholds: [Double]
    /// `AUC = Σ_k (FPR_k − FPR_{k−1}) (TPR_k + TPR_{k−1}) / 2`, the trapezoid rule over the points:
    /// a group of tied scores is one diagonal step, counting a tied positive–negative pair as ½.
    public let area: Double

    /// The curve of `scores` against `positives`; nil when the truth has no positive or no negative
    /// (scikit-learn warns and gives NaN: the curve is not defined).
    public init?(positives: [Bool], scores: [Double]) throws(MetricsError) {
        try MetricsError.checkFinite(scores)
        self.init(ThresholdCounts(positives: positives, scores: scores))
    }

    init?(_ counts: ThresholdCounts) {
        let p = Double(counts.positiveCount), n = Double(counts.negativeCount)
        guard p > 0, n > 0 else { return nil }
        falsePositiveRates = [0] + counts.falsePositives.map { Double($0) / n }
        truePositiveRates = [0] + counts.truePositives.map { Double($0) / p }
        thresholds = counts.thresholds
        var area = 0.0
        for k in 1..<falsePositiveRates.count {
            area += (falsePositiveRates[k] - falsePositiveRates[k - 1]) * (truePositiveRates[k] + truePositiveRates[k - 1]) / 2
        }
        self.area = area
    }
}
