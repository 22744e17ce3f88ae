/// A wrong answer of one approach: a sample of class `trueLabel` answered `predictedLabel` with
/// the score `score` of that class (a probability, or minus a distance: higher is surer).
///
/// An "unknown" answer is wrong but names no class, so it is never such a mistake.
public struct ComparedMistake: Sendable, Equatable, Codable {
    /// The sample's index in the comparison's samples.
    public let sampleIndex: Int
    /// The sample's id in its dataset (the reports show its image; report.json, this id).
    public let id: String
    public let trueLabel: Int
    public let predictedLabel: Int
    /// The score of the answered class.
    public let score: Double

    public init(sampleIndex: Int, id: String, trueLabel: Int, predictedLabel: Int, score: Double) {
        self.sampleIndex = sampleIndex
        self.id = id
        self.trueLabel = trueLabel
        self.predictedLabel = predictedLabel
        self.score = score
    }

    /// The `count` wrong answers (`predictedLabels[i] ≠ trueLabels[i]`, not unknown) of highest
    /// score `scores[i][predictedLabels[i]]`, highest first, equal scores by sample index.
    static func worst(_ count: Int, sampleIDs: [String], trueLabels: [Int], predictedLabels: [Int?],
                      scores: [[Double]]) -> [ComparedMistake] {
        precondition(count >= 0, "\(count) mistakes")
        let wrong = trueLabels.indices.compactMap { i -> ComparedMistake? in
            guard let answer = predictedLabels[i], answer != trueLabels[i] else { return nil }
            return ComparedMistake(sampleIndex: i, id: sampleIDs[i], trueLabel: trueLabels[i], predictedLabel: answer,
                                   score: scores[i][answer])
        }
        let ordered = wrong.sorted { ($0.score, -$0.sampleIndex) > ($1.score, -$1.sampleIndex) }
        return Array(ordered.prefix(count))
    }
}
