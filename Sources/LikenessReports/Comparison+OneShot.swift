import LikenessRecognition

/// The one-shot redraws of an embedding approach as both reports show them, in one place.
extension Comparison {
    /// A class enrolled from one image: its figures over the draws, and each approach's on the
    /// comparison's own answers.
    public struct OneShotRow: Sendable {
        public let name: String
        public let candidateCount: Int
        /// "0.661 ± 0.120 (0.400–0.850)": the mean over the draws ± their standard deviation (min–max).
        public let drawnRecall: String
        public let drawnFalseAcceptRate: String
        /// Per approach: its recall and false-accept rate of the class, "n/a" for a class the dataset lacks.
        public let approachFigures: [(recall: String, falseAcceptRate: String)]
    }

    /// What the sections say of the figures, after "… draws of each class's image from SOURCE".
    static let oneShotNote = "each draw enrols the class afresh from one candidate image (the one-shot protocol's draws 0, 1, …), "
        + "and every sample is classified with the gallery's thresholds. Recall: the class's samples answered with it; "
        + "false-accept rate: the other samples answered with it. Over the draws: mean ± standard deviation (min–max). "
        + "Beside them, each approach's figures on this report's answers (the gallery's own shot for the embedding approach)."

    /// The rows of the classes `redraws` measured, in its order.
    public func oneShotRows(_ redraws: OneShotRedraws) -> [OneShotRow] {
        func spread(_ values: [Double]) -> String {
            "\(Self.format(OneShotEvaluation.mean(values))) ± \(Self.format(OneShotEvaluation.spread(values))) (\(Self.format(values.min()))–\(Self.format(values.max())))"
        }
        return redraws.classes.map { redrawn in
            let c = classNames.firstIndex(of: redrawn.name)
            return OneShotRow(
                name: redrawn.name, candidateCount: redrawn.candidateCount,
                drawnRecall: spread(redrawn.recall), drawnFalseAcceptRate: spread(redrawn.falseAcceptRate),
                approachFigures: approaches.map { approach in
                    guard let c else { return ("n/a", "n/a") }
                    let report = approach.report, metrics = report.classes[c]
                    let others = report.sampleCount - metrics.support
                    let falseAccepts = others > 0 ? Double(metrics.predictedCount - metrics.truePositives) / Double(others) : nil
                    return (Self.format(metrics.recall), Self.format(falseAccepts))
                })
        }
    }
}
