import Foundation

/// Per-class and overall measures of a classifier on a labelled set, with scikit-learn's conventions.
///
/// Inputs are plain arrays, so that a softmax head and the nearest-prototype classifier feed it
/// alike: true labels in `0..<C`, answers in `0..<C` or nil ("unknown", the embedding classifier's
/// rejection), and an `N × C` score matrix where higher means more likely the class (softmax
/// probabilities, or minus the distance to each class's prototype).
///
/// Per class `c`, with `TP_c` its samples answered `c`, `S_c` its support and `A_c` the answers `c`:
/// precision `TP_c / A_c`, recall `TP_c / S_c`, `F1 = 2 TP_c / (S_c + A_c)`, each 0 when its
/// denominator is 0 (scikit-learn's `zero_division=0`: a class never answered has precision 0, a
/// class absent from the truth recall 0). ROC AUC and average precision of the class against the
/// rest on its score column (``ROCCurve``, ``PrecisionRecallCurve``); the AUC
/// is nil when the class is absent from the truth or is all of it, the AP when it is absent
/// (scikit-learn warns and gives NaN or a meaningless value: not defined, rather than 0).
///
/// An "unknown" answer is wrong for its sample's class and counts as an answer of no class: it
/// lowers recall and accuracy, never precision. For the Matthews correlation it is one more label,
/// as scikit-learn sees an answer `-1`.
public struct ClassificationReport: Sendable, Equatable, Codable {
    /// The measures of one class.
    public struct ClassMetrics: Sendable, Equatable, Codable {
        public let name: String
        /// Whether the classifier never saw this class in training (e.g. enrolled one-shot).
        public let isNovel: Bool
        /// `S_c`: the samples of the class.
        public let support: Int
        /// `A_c`: the samples answered the class.
        public let predictedCount: Int
        /// `TP_c`: the samples of the class answered the class.
        public let truePositives: Int
        /// The samples of the class answered "unknown".
        public let unknownCount: Int
        public let precision: Double
        public let recall: Double
        public let f1: Double
        /// One-vs-rest ROC AUC; nil when the class is absent from the truth or is all of it.
        public let rocAUC: Double?
        /// One-vs-rest average precision; nil when the class is absent from the truth.
        public let averagePrecision: Double?
        /// The class's ROC curve when the report keeps curves and the AUC is defined.
        public let roc: ROCCurve?
        /// The class's precision-recall curve when the report keeps curves and the AP is defined.
        public let precisionRecall: PrecisionRecallCurve?
    }

    /// Means of per-class precision, recall and F1.
    public struct Averages: Sendable, Equatable, Codable {
        public let precision: Double
        public let recall: Double
        public let f1: Double
    }

    /// One entry per class, by class index.
    public let classes: [ClassMetrics]
    public let sampleCount: Int
    public let confusion: ConfusionMatrix
    /// Correct answers over all samples (an "unknown" answer is wrong).
    public let accuracy: Double
    /// The mean recall of the classes present in the truth (scikit-learn's
    /// `balanced_accuracy_score`, which leaves out classes with no sample).
    public let balancedAccuracy: Double
    /// Unweighted means over all `C` classes, those absent from the truth or never answered included
    /// with their zeros (scikit-learn's `classification_report(labels=range(C))` "macro avg").
    public let macro: Averages
    /// Means weighted by support (scikit-learn's "weighted avg").
    public let weighted: Averages
    /// The mean one-vs-rest ROC AUC over the classes where it is defined; nil when none is.
    /// With every class defined it is scikit-learn's `roc_auc_score(multi_class="ovr", average="macro")`.
    public let macroROCAUC: Double?
    /// The mean average precision over the classes where it is defined; nil when none is.
    public let macroAveragePrecision: Double?
    /// `MCC = (c·s − Σ_k t_k p_k) / √((s² − Σ_k p_k²)(s² − Σ_k t_k²))` with `c` the correct answers,
    /// `s` the samples, `t_k`/`p_k` the true/answered counts of label `k` ("unknown" one more label);
    /// 0 when the denominator is 0 (scikit-learn's `matthews_corrcoef`).
    public let matthewsCorrelation: Double
    /// `(Π_c R_c)^(1/k)` over the `k` classes present in the truth: 0 as soon as one of them is never
    /// recognised.
    public let geometricMeanRecall: Double
    /// The share of samples answered "unknown".
    public let unknownShare: Double

    /// The report on `trueLabels` (`N`, in `0..<C`), `predictedLabels` (`N`, in `0..<C` or nil for
    /// "unknown") and `scores` (`N` rows of `C`, higher = more likely), `C = classNames.count`.
    /// - Parameters:
    ///   - novelClasses: classes the classifier never saw in training, flagged in the report.
    ///   - keepingCurves: whether each class keeps its ROC and precision-recall curves (about
    ///     `3 N` numbers each); the AUC and AP are computed either way.
    /// - Throws: `MetricsError.nonFiniteScore` for a NaN or infinite score.
    public init(trueLabels: [Int], predictedLabels: [Int?], scores: [[Double]], classNames: [String],
                novelClasses: Set<Int> = [], keepingCurves: Bool = true) throws(MetricsError) {
        let classCount = classNames.count, n = trueLabels.count
        precondition(n > 0, "a report needs at least one sample")
        precondition(scores.count == n, "\(scores.count) score rows for \(n) samples")
        precondition(scores.allSatisfy { $0.count == classCount }, "score rows must have \(classCount) columns, one per class")
        precondition(novelClasses.allSatisfy { (0..<classCount).contains($0) }, "novel classes \(novelClasses.sorted()) outside 0..<\(classCount)")
        try MetricsError.checkFinite(scores)
        let confusion = ConfusionMatrix(trueLabels: trueLabels, predictedLabels: predictedLabels, classCount: classCount)

        let perClass = (0..<classCount).map { c in
            let support = confusion.support(of: c), predicted = confusion.predictedCount(of: c)
            let tp = confusion[c, c]
            let ranking = ThresholdCounts(positives: trueLabels.map { $0 == c }, scores: scores.map { $0[c] })
            let roc = ROCCurve(ranking), precisionRecall = PrecisionRecallCurve(ranking)
            return ClassMetrics(
                name: classNames[c], isNovel: novelClasses.contains(c),
                support: support, predictedCount: predicted, truePositives: tp, unknownCount: confusion[c, nil],
                precision: Self.ratio(tp, predicted), recall: Self.ratio(tp, support),
                f1: Self.ratio(2 * tp, support + predicted),
                rocAUC: roc?.area, averagePrecision: precisionRecall?.averagePrecision,
                roc: keepingCurves ? roc : nil, precisionRecall: keepingCurves ? precisionRecall : nil)
        }
        classes = perClass
        sampleCount = n
        self.confusion = confusion
        let correct = (0..<classCount).reduce(0) { $0 + confusion[$1, $1] }
        accuracy = Double(correct) / Double(n)
        let presentRecalls = perClass.filter { $0.support > 0 }.map(\.recall)
        balancedAccuracy = confusion.balancedAccuracy
        geometricMeanRecall = presentRecalls.contains(0)
            ? 0 : exp(Self.mean(presentRecalls.map { log($0) }))
        macro = Averages(precision: Self.mean(perClass.map(\.precision)), recall: Self.mean(perClass.map(\.recall)),
                         f1: Self.mean(perClass.map(\.f1)))
        func weightedMean(_ value: KeyPath<ClassMetrics, Double>) -> Double {
            perClass.reduce(0) { $0 + Double($1.support) * $1[keyPath: value] } / Double(n)
        }
        weighted = Averages(precision: weightedMean(\.precision), recall: weightedMean(\.recall), f1: weightedMean(\.f1))
        let aucs = perClass.compactMap(\.rocAUC), aps = perClass.compactMap(\.averagePrecision)
        macroROCAUC = aucs.isEmpty ? nil : Self.mean(aucs)
        macroAveragePrecision = aps.isEmpty ? nil : Self.mean(aps)
        unknownShare = Double(confusion.unknownCount) / Double(n)
        matthewsCorrelation = Self.matthewsCorrelation(confusion, correct: correct)
    }

    /// `MCC` from the confusion matrix, in scikit-learn's arrangement of the terms.
    static func matthewsCorrelation(_ confusion: ConfusionMatrix, correct: Int) -> Double {
        let s = Double(confusion.total), c = Double(correct)
        // True counts per label ("unknown" is never a true label) and answer counts per label.
        let t = (0..<confusion.classCount).map { Double(confusion.support(of: $0)) }
        var p = (0..<confusion.classCount).map { Double(confusion.predictedCount(of: $0)) }
        if confusion.hasUnknownColumn { p.append(Double(confusion.unknownCount)) }
        let covariance = c * s - zip(t, p).reduce(0) { $0 + $1.0 * $1.1 }
        let answerVariance = s * s - p.reduce(0) { $0 + $1 * $1 }
        let truthVariance = s * s - t.reduce(0) { $0 + $1 * $1 }
        let product = answerVariance * truthVariance
        return product == 0 ? 0 : covariance / product.squareRoot()
    }

    /// `a / b`, or 0 when `b = 0` (scikit-learn's `zero_division=0`).
    static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
}
