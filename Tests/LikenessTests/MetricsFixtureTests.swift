import Foundation
import Likeness
import Testing

/// ClassificationReport, ROCCurve, PrecisionRecallCurve and OperatingPoint against scikit-learn on
/// a committed fixture (Fixtures/make_metrics_fixture.py made it): every number to 1e-9.
@Suite("Metrics against scikit-learn")
struct MetricsFixtureTests {
    struct Fixture: Decodable {
        struct ROC: Decodable {
            let falsePositiveRates: [Double]
            let truePositiveRates: [Double]
            let thresholds: [Double]
        }
        struct PrecisionRecall: Decodable {
            let precisions: [Double]
            let recalls: [Double]
            let thresholds: [Double]
        }
        struct Curves: Decodable {
            let roc: ROC
            let precisionRecall: PrecisionRecall
        }
        struct ClassEntry: Decodable {
            let precision: Double
            let recall: Double
            let f1: Double
            let support: Int
            let rocAuc: Double?
            let averagePrecision: Double?
            let curves: Curves?
        }
        struct Averages: Decodable {
            let precision: Double
            let recall: Double
            let f1: Double
        }
        struct Point: Decodable {
            let kind: String
            let target: Double
            let threshold: Double?
            let truePositives: Int?
            let falsePositives: Int?
            let falseNegatives: Int?
            let trueNegatives: Int?
        }
        struct OperatingPoints: Decodable {
            let `class`: Int
            let points: [Point]
        }
        struct Case: Decodable {
            let name: String
            let classCount: Int
            let trueLabels: [Int]
            let predictedLabels: [Int?]
            let scores: [[Double]]
            let perClass: [ClassEntry]
            let macro: Averages
            let weighted: Averages
            let accuracy: Double
            let balancedAccuracy: Double
            let matthewsCorrcoef: Double
            let geometricMeanRecall: Double
            let confusionMatrix: [[Int]]
            let hasUnknownColumn: Bool
            let macroRocAucSklearn: Double?
            let macroRocAucDefined: Double
            let macroAveragePrecisionDefined: Double
            let operatingPoints: OperatingPoints
        }
        let cases: [Case]

        static func load() throws -> Fixture {
            let url = try #require(Bundle.module.url(forResource: "metrics", withExtension: "json", subdirectory: "Fixtures"))
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Fixture.self, from: Data(contentsOf: url))
        }

        static func testCase(_ name: String) throws -> Case {
            try #require(try load().cases.first { $0.name == name }, "no case \(name) in metrics.json")
        }
    }

    static let caseNames = ["random", "tied_scores", "class_never_predicted", "class_absent_from_truth", "binary", "unknown_answers"]

    func report(_ c: Fixture.Case) throws -> ClassificationReport {
        try ClassificationReport(trueLabels: c.trueLabels, predictedLabels: c.predictedLabels, scores: c.scores,
                                 classNames: (0..<c.classCount).map { "class \($0)" })
    }

    func expectClose(_ a: Double?, _ b: Double?, _ what: @autoclosure () -> String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        switch (a, b) {
        case let (a?, b?): #expect(abs(a - b) <= 1e-9, "\(what()): \(a) vs scikit-learn \(b)", sourceLocation: sourceLocation)
        case (nil, nil): break
        default: Issue.record("\(what()): \(String(describing: a)) vs scikit-learn \(String(describing: b))", sourceLocation: sourceLocation)
        }
    }

    func expectClose(_ a: [Double], _ b: [Double], _ what: @autoclosure () -> String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, "\(what()): \(a.count) values vs scikit-learn \(b.count)", sourceLocation: sourceLocation)
        guard a.count == b.count else { return }
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-9, "\(what()): max difference \(worst)", sourceLocation: sourceLocation)
    }

    @Test func fixtureHoldsTheExpectedCases() throws {
        #expect(try Fixture.load().cases.map(\.name) == Self.caseNames)
    }

    @Test(arguments: caseNames)
    func perClassMeasures(name: String) throws {
        let c = try Fixture.testCase(name)
        let r = try report(c)
        #expect(r.classes.count == c.classCount)
        for (k, (mine, theirs)) in zip(r.classes, c.perClass).enumerated() {
            let label = "\(name) class \(k)"
            #expect(mine.support == theirs.support, "\(label) support")
            expectClose(mine.precision, theirs.precision, "\(label) precision")
            expectClose(mine.recall, theirs.recall, "\(label) recall")
            expectClose(mine.f1, theirs.f1, "\(label) F1")
            expectClose(mine.rocAUC, theirs.rocAuc, "\(label) ROC AUC")
            expectClose(mine.averagePrecision, theirs.averagePrecision, "\(label) average precision")
        }
    }

    @Test(arguments: caseNames)
    func overallMeasures(name: String) throws {
        let c = try Fixture.testCase(name)
        let r = try report(c)
        expectClose(r.accuracy, c.accuracy, "\(name) accuracy")
        expectClose(r.balancedAccuracy, c.balancedAccuracy, "\(name) balanced accuracy")
        expectClose(r.matthewsCorrelation, c.matthewsCorrcoef, "\(name) MCC")
        expectClose(r.geometricMeanRecall, c.geometricMeanRecall, "\(name) geometric mean of recalls")
        for (mine, theirs, what) in [(r.macro, c.macro, "macro"), (r.weighted, c.weighted, "weighted")] {
            expectClose(mine.precision, theirs.precision, "\(name) \(what) precision")
            expectClose(mine.recall, theirs.recall, "\(name) \(what) recall")
            expectClose(mine.f1, theirs.f1, "\(name) \(what) F1")
        }
        expectClose(r.macroROCAUC, c.macroRocAucDefined, "\(name) macro AUC")
        if let sklearn = c.macroRocAucSklearn { expectClose(r.macroROCAUC, sklearn, "\(name) roc_auc_score ovr macro") }
        expectClose(r.macroAveragePrecision, c.macroAveragePrecisionDefined, "\(name) macro AP")
        #expect(r.confusion.counts == c.confusionMatrix, "\(name) confusion matrix")
        #expect(r.confusion.hasUnknownColumn == c.hasUnknownColumn)
        let unknown = c.predictedLabels.filter { $0 == nil }.count
        #expect(r.confusion.unknownCount == unknown)
        expectClose(r.unknownShare, Double(unknown) / Double(c.trueLabels.count), "\(name) unknown share")
        #expect(r.sampleCount == c.trueLabels.count)
    }

    @Test(arguments: caseNames)
    func curves(name: String) throws {
        let c = try Fixture.testCase(name)
        let r = try report(c)
        for (k, (mine, theirs)) in zip(r.classes, c.perClass).enumerated() {
            let label = "\(name) class \(k)"
            // The standalone curves give what the report keeps.
            let positives = c.trueLabels.map { $0 == k }, column = c.scores.map { $0[k] }
            #expect(try ROCCurve(positives: positives, scores: column) == mine.roc, "\(label)")
            #expect(try PrecisionRecallCurve(positives: positives, scores: column) == mine.precisionRecall, "\(label)")
            guard let expected = theirs.curves else {
                #expect(mine.roc == nil, "\(label): scikit-learn has no ROC curve")
                continue
            }
            let roc = try #require(mine.roc, "\(label) ROC curve")
            let pr = try #require(mine.precisionRecall, "\(label) precision-recall curve")
            expectClose(roc.falsePositiveRates, expected.roc.falsePositiveRates, "\(label) FPR")
            expectClose(roc.truePositiveRates, expected.roc.truePositiveRates, "\(label) TPR")
            expectClose(roc.thresholds, expected.roc.thresholds, "\(label) ROC thresholds")
            expectClose(pr.precisions, expected.precisionRecall.precisions, "\(label) precisions")
            expectClose(pr.recalls, expected.precisionRecall.recalls, "\(label) recalls")
            expectClose(pr.thresholds, expected.precisionRecall.thresholds, "\(label) PR thresholds")
        }
    }

    @Test(arguments: caseNames)
    func operatingPoints(name: String) throws {
        let c = try Fixture.testCase(name)
        let k = c.operatingPoints.class
        for expected in c.operatingPoints.points {
            let target: OperatingPoint.Target = expected.kind == "recall" ? .recall(expected.target) : .precision(expected.target)
            let label = "\(name) class \(k) \(target)"
            let point = try OperatingPoint(reaching: target, forClass: k, trueLabels: c.trueLabels, scores: c.scores)
            guard let threshold = expected.threshold else {
                #expect(point == nil, "\(label): scikit-learn reaches no threshold")
                continue
            }
            let p = try #require(point, "\(label)")
            expectClose(p.threshold, threshold, "\(label) threshold")
            #expect(p.truePositives == expected.truePositives && p.falsePositives == expected.falsePositives, "\(label)")
            #expect(p.falseNegatives == expected.falseNegatives && p.trueNegatives == expected.trueNegatives, "\(label)")
        }
    }
}
