import Foundation
import Testing
import LikenessData

/// `Fixtures/resampling.json`, made by `Fixtures/make_resampling_fixture.py` with imbalanced-learn.
struct ResamplingFixture: Decodable {
    struct LabelSet: Decodable {
        var class_count: Int
        var labels: [Int]
    }
    struct Strategy: Decodable {
        var kind: String
        var counts: [String: Int]?
        var ratio: Double?
    }
    struct Case: Decodable, CustomTestStringConvertible {
        var labels: String
        var sampler: String
        var neighbours: Int
        var strategy: Strategy
        /// The count of each class after resampling, or nil when imbalanced-learn raised `error`.
        var counts: [Int]?
        var error: String?
        var testDescription: String { "\(sampler) \(strategy.kind) \(strategy.counts ?? [:]) \(strategy.ratio ?? 0) on \(labels), k=\(neighbours)" }
    }
    struct Weights: Decodable {
        var labels: String
        var weights: [Double]
    }
    var label_sets: [String: LabelSet]
    var cases: [Case]
    var balanced_class_weights: [Weights]

    static let shared: ResamplingFixture = {
        guard let url = Bundle.module.url(forResource: "resampling", withExtension: "json", subdirectory: "Fixtures") else {
            preconditionFailure("Fixtures/resampling.json is missing from the test bundle")
        }
        do {
            return try JSONDecoder().decode(ResamplingFixture.self, from: Data(contentsOf: url))
        } catch {
            preconditionFailure("cannot read \(url.path): \(error)")
        }
    }()
}

extension ResamplingFixture.Strategy {
    var strategy: SamplingStrategy {
        switch kind {
        case "auto": .auto
        case "minority": .minority
        case "majority": .majority
        case "not minority": .notMinority
        case "not majority": .notMajority
        case "all": .all
        case "ratio": .ratio(ratio!)
        case "counts": .counts(Dictionary(uniqueKeysWithValues: counts!.map { (Int($0.key)!, $0.value) }))
        default: preconditionFailure("unknown strategy kind \(kind) in the fixture")
        }
    }
}

/// The number of each class among `labels`.
func histogram(_ labels: some Sequence<Int>, classCount: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: classCount)
    for l in labels { counts[l] += 1 }
    return counts
}
