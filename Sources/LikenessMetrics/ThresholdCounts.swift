/// `TP_k = |{i : positiveᵢ, sᵢ ≥ t_k}|`, `FP_k = |{i : ¬positiveᵢ, sᵢ ≥ t_k}|` at every distinct
/// score `t_1 > t_2 > … > t_m`: scikit-learn's `confusion_matrix_at_thresholds`, which its ROC and
/// precision-recall curves, AUC and average precision are read from.
///
/// Tied scores form one threshold, so a group of ties moves both counts in one step.
struct ThresholdCounts {
    /// The distinct scores, decreasing.
    let thresholds: [Double]
    /// Positives scored at or above each threshold (non-decreasing; the last is the positive count).
    let truePositives: [Int]
    /// Negatives scored at or above each threshold (non-decreasing; the last is the negative count).
    let falsePositives: [Int]

    var positiveCount: Int { truePositives.last ?? 0 }
    var negativeCount: Int { falsePositives.last ?? 0 }

    /// From finite scores (callers check them) and whether each sample is positive.
    init(positives: [Bool], scores: [Double]) {
        precondition(positives.count == scores.count, "\(positives.count) truth values for \(scores.count) scores")
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = [], truePositives: [Int] = [], falsePositives: [Int] = []
        var tp = 0, fp = 0
        for (rank, i) in order.enumerated() {
            if positives[i] { tp += 1 } else { fp += 1 }
            // The last sample of a group of equal scores closes the group's threshold.
            if rank + 1 == order.count || scores[order[rank + 1]] != scores[i] {
                thresholds.append(scores[i])
                truePositives.append(tp)
                falsePositives.append(fp)
            }
        }
        self.thresholds = thresholds
        self.truePositives = truePositives
        self.falsePositives = falsePositives
    }
}
