/// Inputs the metrics cannot score: data a classifier produced, not a programmer's mistake.
public enum MetricsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A score that is NaN or infinite, in row `sample` and class column `column`
    /// (nil for a single list of scores). Like scikit-learn, the rankings need finite scores.
    case nonFiniteScore(sample: Int, column: Int?, value: Double)

    public var description: String {
        switch self {
        case let .nonFiniteScore(sample, column, value):
            let place = column.map { "sample \(sample), class column \($0)" } ?? "sample \(sample)"
            return "score of \(place) is \(value); expected a finite number (did the model diverge?)"
        }
    }

    /// Throws for the first score that is not finite.
    static func checkFinite(_ scores: [Double]) throws(MetricsError) {
        for (i, s) in scores.enumerated() where !s.isFinite {
            throw .nonFiniteScore(sample: i, column: nil, value: s)
        }
    }

    /// Throws for the first score of an `N × C` matrix that is not finite.
    static func checkFinite(_ scores: [[Double]]) throws(MetricsError) {
        for (i, row) in scores.enumerated() {
            for (j, s) in row.enumerated() where !s.isFinite {
                throw .nonFiniteScore(sample: i, column: j, value: s)
            }
        }
    }
}
