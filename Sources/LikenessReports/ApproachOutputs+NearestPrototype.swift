import LikenessCore
import LikenessRecognition

extension ApproachOutputs {
    /// The embedding approach's outputs on `embeddings` (`N × D`, one row per sample), for the
    /// `classNames` of the labelled set: the answer is the accepted nearest prototype's class
    /// (`PrototypeClassifier.classify`), nil for `unknown` or for a class the set does not have;
    /// the score of class `c` is minus what decides (`PrototypeClassifier.score`): `−‖e − p_c‖₂`,
    /// or its shot-adjusted form, or −4 (below any distance between unit vectors) for a class the
    /// gallery does not enrol.
    ///
    /// Classes are matched by name between the classifier and the set.
    public static func nearestPrototype(_ classifier: PrototypeClassifier, embeddings: Tensor, classNames: [String],
                                        name: String, modelFile: String, novelClasses: Set<Int> = []) -> ApproachOutputs {
        let column = classifier.classNames.map { classNames.firstIndex(of: $0) }
        let distances = classifier.distances(embeddings)
        let n = embeddings.shape[0]
        var scores = [[Double]](repeating: [Double](repeating: -4, count: classNames.count), count: n)
        for i in 0..<n {
            for (g, c) in column.enumerated() { if let c { scores[i][c] = -Double(classifier.score(distance: distances[i, g], toClass: g)) } }
        }
        let answers = classifier.classify(distances: distances).map { $0.accepted.flatMap { column[$0] } }
        let adjusted = classifier.offsets.contains { $0 != 0 }
        return ApproachOutputs(name: name, modelFile: modelFile,
                               scoreDescription: "minus the \(adjusted ? "shot-adjusted " : "")distance to the class prototype",
                               predictedLabels: answers, scores: scores, novelClasses: novelClasses)
    }
}
