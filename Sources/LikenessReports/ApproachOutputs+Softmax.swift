import Foundation

extension ApproachOutputs {
    /// The softmax approach's outputs from its `logits` (`N` rows, one logit per class of
    /// `modelClassNames`), for the `classNames` of the labelled set, classes matched by name.
    ///
    /// The model answers only the classes it was trained on (`trainingClassCounts[k] > 0`, every
    /// class when nil) that the set has: the probabilities are the softmax over those classes'
    /// logits, the answer the most probable. A class of the set the model has no training image
    /// of, or no output for, scores probability 0, is never answered, and is novel to it
    /// (`Novelty.notTrainedOn`).
    ///
    /// - Precondition: `trainingClassCounts`, when given, has one count per model class.
    public static func softmax(logits: [[Double]], modelClassNames: [String], trainingClassCounts: [Int]?,
                               classNames: [String], name: String, modelFile: String) -> ApproachOutputs {
        precondition(trainingClassCounts.map { $0.count == modelClassNames.count } ?? true,
                     "\(trainingClassCounts?.count ?? 0) training class counts for \(modelClassNames.count) classes")
        // (model column, set column) of every class the model answers.
        let answered = modelClassNames.indices.compactMap { k -> (model: Int, set: Int)? in
            guard trainingClassCounts.map({ $0[k] > 0 }) ?? true, let c = classNames.firstIndex(of: modelClassNames[k]) else { return nil }
            return (k, c)
        }
        let known = Set(answered.map(\.set))
        var scores: [[Double]] = [], answers: [Int?] = []
        for row in logits {
            var probabilities = [Double](repeating: 0, count: classNames.count)
            let largest = answered.map { row[$0.model] }.max() ?? 0
            let exponentials = answered.map { Foundation.exp(row[$0.model] - largest) }
            let total = exponentials.reduce(0, +)
            for (j, pair) in answered.enumerated() { probabilities[pair.set] = exponentials[j] / total }
            scores.append(probabilities)
            answers.append(answered.indices.max { exponentials[$0] < exponentials[$1] }.map { answered[$0].set })
        }
        return ApproachOutputs(name: name, modelFile: modelFile, scoreDescription: "softmax probability",
                               predictedLabels: answers, scores: scores,
                               novelClasses: Set(classNames.indices.filter { !known.contains($0) }), novelty: .notTrainedOn,
                               scoresAreProbabilities: true)
    }
}
