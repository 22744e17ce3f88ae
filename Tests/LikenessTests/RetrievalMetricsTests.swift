import Foundation
import Likeness
import Testing

/// RetrievalMetrics against pytorch-metric-learning's AccuracyCalculator on a committed fixture
/// (Fixtures/make_retrieval_fixture.py made it): every number to 1e-6.
@Suite("Retrieval metrics against pytorch-metric-learning")
struct RetrievalMetricsTests {
    struct Fixture: Decodable {
        struct Measures: Decodable {
            let precisionAt1: Double?
            let rPrecision: Double?
            let meanAveragePrecisionAtR: Double?

            enum CodingKeys: String, CodingKey {
                case precisionAt1 = "precision_at_1", rPrecision = "r_precision", meanAveragePrecisionAtR = "mean_average_precision_at_r"
            }
        }
        struct PerClass: Decodable {
            let precisionAt1: [String: Double]
            let rPrecision: [String: Double]
            let meanAveragePrecisionAtR: [String: Double]

            enum CodingKeys: String, CodingKey {
                case precisionAt1 = "precision_at_1", rPrecision = "r_precision", meanAveragePrecisionAtR = "mean_average_precision_at_r"
            }
        }
        struct Case: Decodable {
            let name: String
            let class_count: Int
            let labels: [Int]
            let embeddings: [[Double]]
            let overall: Measures
            let per_class: PerClass
        }
        let cases: [Case]

        static func load() throws -> Fixture {
            let url = try #require(Bundle.module.url(forResource: "retrieval", withExtension: "json", subdirectory: "Fixtures"))
            return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        }
    }

    static let tolerance = 1e-6

    func metrics(_ fixtureCase: Fixture.Case) throws -> RetrievalMetrics {
        let dimension = try #require(fixtureCase.embeddings.first?.count)
        let embeddings = Tensor(shape: [fixtureCase.embeddings.count, dimension], scalars: fixtureCase.embeddings.flatMap { $0.map(Float.init) })
        return try RetrievalMetrics(embeddings: embeddings, labels: fixtureCase.labels,
                                    classNames: (0..<fixtureCase.class_count).map { "class \($0)" })
    }

    func expectClose(_ mine: Double?, _ theirs: Double?, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        switch (mine, theirs) {
        case (nil, nil): break
        case let (mine?, theirs?):
            #expect(abs(mine - theirs) <= Self.tolerance, "\(what): \(mine), pml \(theirs)", sourceLocation: sourceLocation)
        default:
            Issue.record("\(what): \(String(describing: mine)), pml \(String(describing: theirs))", sourceLocation: sourceLocation)
        }
    }

    @Test func overallAndPerClassEqualPML() throws {
        let fixture = try Fixture.load()
        #expect(fixture.cases.map(\.name) == ["clustered_with_singleton", "random", "all_alone"])
        for fixtureCase in fixture.cases {
            let retrieval = try metrics(fixtureCase)
            let name = fixtureCase.name
            expectClose(retrieval.precisionAt1, fixtureCase.overall.precisionAt1, "\(name) precision@1")
            expectClose(retrieval.rPrecision, fixtureCase.overall.rPrecision, "\(name) R-precision")
            expectClose(retrieval.meanAveragePrecisionAtR, fixtureCase.overall.meanAveragePrecisionAtR, "\(name) MAP@R")
            // pml lists the classes with at least two samples; the others are not defined here.
            for (c, entry) in retrieval.classes.enumerated() {
                let key = String(c)
                expectClose(entry.precisionAt1, fixtureCase.per_class.precisionAt1[key], "\(name) class \(c) precision@1")
                expectClose(entry.rPrecision, fixtureCase.per_class.rPrecision[key], "\(name) class \(c) R-precision")
                expectClose(entry.meanAveragePrecisionAtR, fixtureCase.per_class.meanAveragePrecisionAtR[key], "\(name) class \(c) MAP@R")
                #expect(entry.queryCount == fixtureCase.labels.filter { $0 == c }.count)
                #expect(entry.relevantCount == max(entry.queryCount - 1, 0))
            }
        }
    }

    @Test func aClassAloneIsLeftOut() throws {
        let fixtureCase = try #require(try Fixture.load().cases.first { $0.name == "clustered_with_singleton" })
        let retrieval = try metrics(fixtureCase)
        let alone = try #require(retrieval.classes.last)
        #expect(alone.queryCount == 1 && alone.relevantCount == 0)
        #expect(alone.precisionAt1 == nil && alone.rPrecision == nil && alone.meanAveragePrecisionAtR == nil)
        #expect(retrieval.queryCount == fixtureCase.labels.count - 1)
        // Overall is the mean over the measured queries, not over the classes.
        let classMean = retrieval.classes.compactMap(\.precisionAt1).reduce(0, +) / 4
        let queryMean = retrieval.classes.reduce(0.0) { $0 + ($1.precisionAt1 ?? 0) * Double($1.queryCount) } / Double(retrieval.queryCount)
        #expect(abs(try #require(retrieval.precisionAt1) - queryMean) < 1e-12)
        #expect(abs(classMean - queryMean) > 1e-6)
    }

    @Test func perfectlySeparatedClassesScoreOne() throws {
        // Two tight clusters far apart: every query's R nearest others are its class.
        let rows: [[Float]] = [[0, 0], [0.01, 0], [0, 0.02], [5, 5], [5.01, 5], [5, 5.03], [5.02, 5.02]]
        let retrieval = try RetrievalMetrics(embeddings: Tensor(shape: [7, 2], scalars: rows.flatMap { $0 }),
                                             labels: [0, 0, 0, 1, 1, 1, 1], classNames: ["a", "b"])
        #expect(retrieval.precisionAt1 == 1 && retrieval.rPrecision == 1 && retrieval.meanAveragePrecisionAtR == 1)
        // Swapping one label of each class: the query's first neighbour is of the other class.
        let swapped = try RetrievalMetrics(embeddings: Tensor(shape: [7, 2], scalars: rows.flatMap { $0 }),
                                           labels: [0, 0, 1, 1, 1, 1, 0], classNames: ["a", "b"])
        #expect(try #require(swapped.precisionAt1) < 1)
    }
}
