import LikenessMetrics

/// The top probability of each sample (its largest score, the answer's probability for a
/// softmax), counted apart for right and wrong answers in the same bins: a classifier that knows
/// when it is wrong keeps its wrong answers at low probabilities.
///
/// An "unknown" answer counts as wrong, so `right.total + wrong.total` is every sample.
public struct TopProbabilityHistograms: Sendable, Equatable, Codable {
    /// The top probabilities of the samples answered their true class.
    public let right: Histogram
    /// Those of the other samples.
    public let wrong: Histogram

    public init(right: Histogram, wrong: Histogram) {
        precondition(right.binEdges == wrong.binEdges, "right and wrong histograms of different bins")
        self.right = right
        self.wrong = wrong
    }

    /// The histograms of the top probabilities `max_c scores[i][c]` (each in [0, 1]), in
    /// `binCount` even bins over [0, 1], of samples answered `predictedLabels[i] = trueLabels[i]`
    /// and of the others.
    public init(trueLabels: [Int], predictedLabels: [Int?], scores: [[Double]], binCount: Int = 20) {
        precondition(predictedLabels.count == trueLabels.count && scores.count == trueLabels.count,
                     "\(predictedLabels.count) answers and \(scores.count) score rows for \(trueLabels.count) samples")
        var right: [Double] = [], wrong: [Double] = []
        for i in trueLabels.indices {
            let top = scores[i].max() ?? 0
            precondition((0...1).contains(top), "top probability \(top) of sample \(i) outside [0, 1]")
            if predictedLabels[i] == trueLabels[i] { right.append(top) } else { wrong.append(top) }
        }
        let edges = Histogram.evenEdges(from: 0, to: 1, count: binCount)
        self.init(right: Histogram(values: right, binEdges: edges), wrong: Histogram(values: wrong, binEdges: edges))
    }
}
