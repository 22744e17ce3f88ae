import Foundation
import LikenessFiles
import LikenessMetrics

/// The figures the Markdown and HTML reports show, in one place so that both show the same.
extension Comparison {
    /// A per-class measure shown side by side for every approach.
    struct ClassMeasure: Sendable {
        let title: String
        /// The `data-measure` name in the HTML.
        let key: String
        let value: @Sendable (ClassificationReport.ClassMetrics) -> Double?
    }

    static let classMeasures: [ClassMeasure] = [
        ClassMeasure(title: "Precision", key: "precision", value: { $0.precision }),
        ClassMeasure(title: "Recall", key: "recall", value: { $0.recall }),
        ClassMeasure(title: "F1", key: "f1", value: { $0.f1 }),
        ClassMeasure(title: "ROC AUC", key: "roc-auc", value: { $0.rocAUC }),
        ClassMeasure(title: "AP", key: "average-precision", value: { $0.averagePrecision }),
    ]

    /// A row of the overall table: one value per approach (nil: not defined).
    struct OverallRow {
        let title: String
        let values: [Double?]
        /// Whether a larger value is better (the difference is then coloured in the HTML).
        let higherIsBetter: Bool
    }

    /// Accuracy, balanced accuracy, macro and weighted precision/recall/F1, macro ROC AUC and AP,
    /// MCC, geometric mean of recalls, unknown share; then, when some approach has novel classes,
    /// macro recall and F1 over those classes and over the others, so that the novel classes'
    /// figures are never only a part of an average.
    var overallRows: [OverallRow] {
        func row(_ title: String, higherIsBetter: Bool = true, _ value: (ClassificationReport) -> Double?) -> OverallRow {
            OverallRow(title: title, values: approaches.map { value($0.report) }, higherIsBetter: higherIsBetter)
        }
        var rows = [
            row("Accuracy") { $0.accuracy },
            row("Balanced accuracy (macro recall)") { $0.balancedAccuracy },
            row("Macro precision") { $0.macro.precision },
            row("Macro recall") { $0.macro.recall },
            row("Macro F1") { $0.macro.f1 },
            row("Weighted precision") { $0.weighted.precision },
            row("Weighted recall") { $0.weighted.recall },
            row("Weighted F1") { $0.weighted.f1 },
            row("Macro ROC AUC") { $0.macroROCAUC },
            row("Macro average precision") { $0.macroAveragePrecision },
            row("Matthews correlation") { $0.matthewsCorrelation },
            row("Geometric mean of recalls") { $0.geometricMeanRecall },
            row("Unknown share", higherIsBetter: false) { $0.unknownShare },
        ]
        let novel = novelToSomeApproach
        if !novel.isEmpty {
            let others = classNames.indices.filter { !novel.contains($0) }
            let novelNames = novel.map { classNames[$0] }.joined(separator: ", ")
            rows += [
                row("Macro recall, novel classes (\(novelNames))") { Self.mean(of: \.recall, over: novel, in: $0) },
                row("Macro F1, novel classes (\(novelNames))") { Self.mean(of: \.f1, over: novel, in: $0) },
                row("Macro recall, the other classes") { Self.mean(of: \.recall, over: others, in: $0) },
                row("Macro F1, the other classes") { Self.mean(of: \.f1, over: others, in: $0) },
            ]
        }
        return rows
    }

    /// The classes that at least one approach never saw in training, increasing.
    var novelToSomeApproach: [Int] {
        classNames.indices.filter { c in approaches.contains { $0.report.classes[c].isNovel } }
    }

    /// "novel for B (enrolled one-shot)", "novel for A (not trained on); B (enrolled one-shot)": the
    /// approaches `novel` by letter, those of one novelty together with its words.
    func novelFor(_ novel: [Int]) -> String {
        var groups: [(novelty: Novelty, letters: [String])] = []
        for a in novel {
            if let g = groups.firstIndex(where: { $0.novelty == approaches[a].novelty }) {
                groups[g].letters.append(Self.letter(a))
            } else {
                groups.append((approaches[a].novelty, [Self.letter(a)]))
            }
        }
        return "novel for " + groups.map { "\($0.letters.joined(separator: ", ")) (\($0.novelty.rawValue))" }.joined(separator: "; ")
    }

    /// The approaches (indices) that never saw class `c` in training.
    func approachesNovel(toClass c: Int) -> [Int] {
        approaches.indices.filter { approaches[$0].report.classes[c].isNovel }
    }

    /// The mean of a measure over the classes of `group` that have samples; nil when none has.
    static func mean(of measure: KeyPath<ClassificationReport.ClassMetrics, Double>, over group: [Int],
                     in report: ClassificationReport) -> Double? {
        let present = group.filter { report.classes[$0].support > 0 }
        guard !present.isEmpty else { return nil }
        return present.reduce(0) { $0 + report.classes[$1][keyPath: measure] } / Double(present.count)
    }

    /// "A", "B", … "Z", "AA"…: the short name of approach `a` in tables and legends.
    static func letter(_ a: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return a < letters.count ? String(letters[a]) : letter(a / letters.count - 1) + String(letters[a % letters.count])
    }

    /// A measure with three decimals; "n/a" when not defined.
    static func format(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        guard value.isFinite else { return String(value) }
        return String(format: "%.3f", value)
    }

    /// `later − first` with a sign and three decimals ("0.000" when it rounds to zero); "n/a" when
    /// either is not defined.
    static func formatDifference(_ later: Double?, minus first: Double?) -> String {
        guard let later, let first else { return "n/a" }
        let difference = later - first
        guard difference.isFinite else { return String(difference) }
        let rounded = (difference * 1000).rounded() / 1000
        return rounded == 0 ? "0.000" : String(format: "%+.3f", rounded)
    }

    /// How an operating-point target reads: "recall ≥ 0.900".
    static func describe(_ target: OperatingPoint.Target) -> String {
        switch target {
        case .recall(let value): "recall ≥ \(format(value))"
        case .precision(let value): "precision ≥ \(format(value))"
        }
    }
}
