import Foundation
import Likeness
import Testing

/// ClassificationReport on hand-made cases whose measures follow from the definitions.
@Suite("Classification report edge cases")
struct MetricsEdgeCaseTests {
    /// Scores that rank every sample's own class first: `1` for the class, `0` elsewhere.
    func oneHot(_ labels: [Int], classCount: Int) -> [[Double]] {
        labels.map { y in (0..<classCount).map { $0 == y ? 1 : 0 } }
    }

    @Test func allCorrect() throws {
        let labels = [0, 1, 2, 2, 1, 0, 2]
        let r = try ClassificationReport(trueLabels: labels, predictedLabels: labels,
                                         scores: oneHot(labels, classCount: 3), classNames: ["a", "b", "c"])
        #expect(r.accuracy == 1 && r.balancedAccuracy == 1 && r.matthewsCorrelation == 1 && r.geometricMeanRecall == 1)
        #expect([r.macro.precision, r.macro.recall, r.macro.f1] == [1, 1, 1] && r.weighted == r.macro)
        #expect(r.macroROCAUC == 1 && r.macroAveragePrecision == 1 && r.unknownShare == 0)
        #expect(r.classes.map(\.support) == [2, 2, 3] && r.classes.map(\.name) == ["a", "b", "c"])
        #expect(r.confusion.counts == [[2, 0, 0], [0, 2, 0], [0, 0, 3]] && !r.confusion.hasUnknownColumn)
    }

    @Test func allWrong() throws {
        // Classes 0 and 1 swapped: every answer wrong, and perfectly anti-correlated.
        let truth = [0, 0, 1, 1, 1], answers = [1, 1, 0, 0, 0]
        let r = try ClassificationReport(trueLabels: truth, predictedLabels: answers,
                                         scores: oneHot(answers, classCount: 2), classNames: ["a", "b"])
        #expect(r.accuracy == 0 && r.balancedAccuracy == 0 && r.geometricMeanRecall == 0)
        #expect(r.matthewsCorrelation == -1)
        #expect(r.classes.allSatisfy { $0.precision == 0 && $0.recall == 0 && $0.f1 == 0 })
        // The scores rank every negative above every positive.
        #expect(r.classes.map(\.rocAUC) == [0, 0])
        #expect(r.confusion.counts == [[0, 2], [3, 0]])
    }

    @Test func singleClass() throws {
        // Only class 0 in the truth, of three: its AUC has no negative, the others no positive.
        let truth = [0, 0, 0, 0], answers: [Int?] = [0, 0, 1, 0]
        let scores: [[Double]] = [[0.9, 0.1, 0], [0.8, 0.2, 0], [0.3, 0.7, 0], [0.6, 0.2, 0.2]]
        let r = try ClassificationReport(trueLabels: truth, predictedLabels: answers, scores: scores,
                                         classNames: ["a", "b", "c"])
        #expect(r.classes.map(\.rocAUC) == [nil, nil, nil] && r.macroROCAUC == nil)
        #expect(r.classes.allSatisfy { $0.roc == nil })
        // Every sample is a positive of class 0: precision 1 at every threshold.
        #expect(r.classes.map(\.averagePrecision) == [1, nil, nil] && r.macroAveragePrecision == 1)
        #expect(r.accuracy == 0.75 && r.balancedAccuracy == 0.75 && abs(r.geometricMeanRecall - 0.75) < 1e-15)
        // Class 1 answered once, wrongly; class 2 neither present nor answered: zeros (zero_division=0).
        #expect(r.classes[1].precision == 0 && r.classes[2].precision == 0 && r.classes[2].f1 == 0)
        #expect(r.macro.recall == 0.75 / 3 && r.weighted.recall == 0.75)
        // One true label only: the truth has no variance, MCC's denominator is 0.
        #expect(r.matthewsCorrelation == 0)
    }

    @Test func unknownAnswers() throws {
        let truth = [0, 0, 1, 1, 2], answers: [Int?] = [0, nil, 1, nil, nil]
        let scores: [[Double]] = [[-0.1, -0.9, -1.2], [-0.8, -1.1, -1.0], [-1.0, -0.2, -0.7], [-1.3, -1.2, -1.4], [-0.9, -1.0, -1.1]]
        let r = try ClassificationReport(trueLabels: truth, predictedLabels: answers, scores: scores,
                                         classNames: ["a", "b", "c"], novelClasses: [2])
        #expect(r.confusion.hasUnknownColumn && r.confusion.counts == [[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 0, 1]])
        #expect(r.confusion[2, nil] == 1 && r.confusion[0, 0] == 1 && r.confusion.unknownCount == 3)
        #expect(r.unknownShare == 0.6 && r.classes.map(\.unknownCount) == [1, 1, 1])
        // "Unknown" costs recall, never precision.
        #expect(r.classes.map(\.precision) == [1, 1, 0] && r.classes.map(\.recall) == [0.5, 0.5, 0])
        #expect(r.accuracy == 0.4)
        // MCC with "unknown" a fourth label: t = (2, 2, 1, 0), p = (1, 1, 0, 3), 2 correct of 5:
        // (2·5 − 4) / √((25 − 11)(25 − 9)) = 6 / √224.
        #expect(abs(r.matthewsCorrelation - 6 / Double(224).squareRoot()) < 1e-15)
        #expect(r.classes.map(\.isNovel) == [false, false, true])
    }

    @Test func tiedScoresCountHalf() throws {
        // One positive and one negative tied, one negative below: the tied pair counts ½.
        let roc = try #require(try ROCCurve(positives: [true, false, false], scores: [0.5, 0.5, 0.1]))
        #expect(roc.area == 0.75)
        #expect(roc.falsePositiveRates == [0, 0.5, 1] && roc.truePositiveRates == [0, 1, 1] && roc.thresholds == [0.5, 0.1])
        let pr = try #require(try PrecisionRecallCurve(positives: [true, false, false], scores: [0.5, 0.5, 0.1]))
        #expect(pr.averagePrecision == 0.5)
        #expect(pr.precisions == [1.0 / 3, 0.5, 1] && pr.recalls == [1, 1, 0] && pr.thresholds == [0.1, 0.5])
    }

    @Test func nonFiniteScoresAreRejected() throws {
        #expect(throws: MetricsError.nonFiniteScore(sample: 1, column: 0, value: .infinity)) {
            try ClassificationReport(trueLabels: [0, 1], predictedLabels: [0, 1], scores: [[1, 0], [.infinity, 0]],
                                     classNames: ["a", "b"])
        }
        #expect(throws: MetricsError.self) {
            try ROCCurve(positives: [true, false], scores: [.nan, 0])
        }
    }

    @Test func curvesAreOptionalAndTheReportIsPlainJSON() throws {
        let truth = [0, 1, 2, 1, 0, 2, 1], answers: [Int?] = [0, 1, nil, 2, 0, 2, 1]
        var rng = SeededGenerator(seed: 7)
        let scores = truth.map { _ in (0..<3).map { _ in Double(rng.nextUniform()) } }
        let full = try ClassificationReport(trueLabels: truth, predictedLabels: answers, scores: scores,
                                            classNames: ["a", "b", "c"], novelClasses: [1])
        let lean = try ClassificationReport(trueLabels: truth, predictedLabels: answers, scores: scores,
                                            classNames: ["a", "b", "c"], novelClasses: [1], keepingCurves: false)
        #expect(full.classes.allSatisfy { $0.roc != nil && $0.precisionRecall != nil })
        #expect(lean.classes.allSatisfy { $0.roc == nil && $0.precisionRecall == nil })
        #expect(lean.classes.map(\.rocAUC) == full.classes.map(\.rocAUC) && lean.macroROCAUC == full.macroROCAUC)
        let json = try JSONEncoder().encode(full)
        #expect(try JSONDecoder().decode(ClassificationReport.self, from: json) == full)
    }
}
