/// A decision threshold on one score, for a binary task or one class against the rest, with the
/// confusion counts it gives: a sample is called positive when its `score ≥ threshold`.
///
/// `precision = TP / (TP + FP)`, `recall = TP / (TP + FN)`, `FPR = FP / (FP + TN)`,
/// `specificity = TN / (FP + TN)`, `F1 = 2 TP / (2 TP + FP + FN)`, each 0 when its denominator is 0
/// (scikit-learn's `zero_division=0`).
public struct OperatingPoint: Sendable, Equatable, Codable {
    /// What a threshold is chosen for. Candidates are the distinct observed scores, so the chosen
    /// point always calls at least one sample positive.
    public enum Target: Sendable, Equatable, Codable {
        /// The highest threshold whose recall is at least this (the fewest positives called for it).
        case recall(Double)
        /// The lowest threshold whose precision is at least this (the most recall at that precision).
        case precision(Double)
    }

    public let threshold: Double
    public let truePositives: Int
    public let falsePositives: Int
    public let falseNegatives: Int
    public let trueNegatives: Int
    public let precision: Double
    public let recall: Double
    public let falsePositiveRate: Double
    public let specificity: Double
    public let f1: Double

    /// The point at a given `threshold` (finite) of `scores` against `positives`.
    /// - Throws: `MetricsError.nonFiniteScore` for a NaN or infinite score.
    public init(threshold: Double, positives: [Bool], scores: [Double]) throws(MetricsError) {
        precondition(threshold.isFinite, "threshold \(threshold) is not finite")
        precondition(positives.count == scores.count, "\(positives.count) truth values for \(scores.count) scores")
        try MetricsError.checkFinite(scores)
        var tp = 0, fp = 0
        for (positive, score) in zip(positives, scores) where score >= threshold {
            if positive { tp += 1 } else { fp += 1 }
        }
        let positiveCount = positives.count(where: { $0 })
        self.init(threshold: threshold, truePositives: tp, falsePositives: fp,
                  positiveCount: positiveCount, negativeCount: positives.count - positiveCount)
    }

    /// The point that reaches `target` on `scores` against `positives`; nil when no observed score
    /// reaches it (a recall above 0 with no positive sample, or a precision never attained).
    /// - Throws: `MetricsError.nonFiniteScore` for a NaN or infinite score.
    public init?(reaching target: Target, positives: [Bool], scores: [Double]) throws(MetricsError) {
        try MetricsError.checkFinite(scores)
        let counts = ThresholdCounts(positives: positives, scores: scores)
        let points = counts.thresholds.indices.map { k in
            OperatingPoint(threshold: counts.thresholds[k], truePositives: counts.truePositives[k],
                           falsePositives: counts.falsePositives[k],
                           positiveCount: counts.positiveCount, negativeCount: counts.negativeCount)
        }
        // `points` runs from the highest threshold to the lowest.
        let chosen: OperatingPoint?
        switch target {
        case .recall(let goal):
            precondition((0...1).contains(goal), "target recall \(goal) outside [0, 1]")
            chosen = points.first { $0.recall >= goal }
        case .precision(let goal):
            precondition((0...1).contains(goal), "target precision \(goal) outside [0, 1]")
            chosen = points.last { $0.precision >= goal }
        }
        guard let chosen else { return nil }
        self = chosen
    }

    /// The point that reaches `target` for class `c` against the rest: positives are the samples
    /// labelled `c`, scores the column `c` of the `N × C` matrix.
    public init?(reaching target: Target, forClass c: Int, trueLabels: [Int], scores: [[Double]]) throws(MetricsError) {
        precondition(trueLabels.count == scores.count, "\(trueLabels.count) true labels for \(scores.count) score rows")
        precondition(scores.allSatisfy { $0.indices.contains(c) }, "class \(c) has no score column")
        try self.init(reaching: target, positives: trueLabels.map { $0 == c }, scores: scores.map { $0[c] })
    }

    init(threshold: Double, truePositives tp: Int, falsePositives fp: Int, positiveCount: Int, negativeCount: Int) {
        self.threshold = threshold
        truePositives = tp
        falsePositives = fp
        falseNegatives = positiveCount - tp
        trueNegatives = negativeCount - fp
        precision = ClassificationReport.ratio(tp, tp + fp)
        recall = ClassificationReport.ratio(tp, positiveCount)
        falsePositiveRate = ClassificationReport.ratio(fp, negativeCount)
        specificity = ClassificationReport.ratio(negativeCount - fp, negativeCount)
        f1 = ClassificationReport.ratio(2 * tp, 2 * tp + fp + positiveCount - tp)
    }
}
