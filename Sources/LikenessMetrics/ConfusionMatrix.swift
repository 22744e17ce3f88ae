/// Counts of (true class, answer) pairs over `C` classes.
///
/// `counts[i][j]` is the number of samples of class `i` answered `j` (`j < C`); when any answer is
/// "unknown" (nil, the embedding classifier's rejection) each row has one more entry, `counts[i][C]`,
/// the samples of class `i` answered "unknown". scikit-learn's `confusion_matrix` with
/// `labels=[0, …, C−1, -1]` gives the same rows, plus an all-zero row for the label -1.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public let classCount: Int
    /// `C` rows (true classes) of `C` or `C + 1` columns (answers).
    public let counts: [[Int]]
    /// Whether the last column counts "unknown" answers.
    public let hasUnknownColumn: Bool

    /// Counts from true labels in `0..<classCount` and answers in `0..<classCount` or nil.
    public init(trueLabels: [Int], predictedLabels: [Int?], classCount: Int) {
        precondition(classCount > 0, "\(classCount) classes")
        precondition(trueLabels.count == predictedLabels.count, "\(trueLabels.count) true labels for \(predictedLabels.count) predictions")
        let hasUnknown = predictedLabels.contains(nil)
        var counts = Array(repeating: Array(repeating: 0, count: classCount + (hasUnknown ? 1 : 0)), count: classCount)
        for (truth, answer) in zip(trueLabels, predictedLabels) {
            precondition((0..<classCount).contains(truth), "true label \(truth) outside 0..<\(classCount)")
            if let answer {
                precondition((0..<classCount).contains(answer), "predicted label \(answer) outside 0..<\(classCount)")
                counts[truth][answer] += 1
            } else {
                counts[truth][classCount] += 1
            }
        }
        self.classCount = classCount
        self.counts = counts
        self.hasUnknownColumn = hasUnknown
    }

    /// The samples of `trueClass` answered `answer` (nil: "unknown").
    public subscript(trueClass: Int, answer: Int?) -> Int {
        guard let answer else { return hasUnknownColumn ? counts[trueClass][classCount] : 0 }
        return counts[trueClass][answer]
    }

    /// The samples of class `c`: its row sum.
    public func support(of c: Int) -> Int { counts[c].reduce(0, +) }

    /// The samples answered `c`: its column sum.
    public func predictedCount(of c: Int) -> Int { counts.reduce(0) { $0 + $1[c] } }

    /// The samples answered "unknown".
    public var unknownCount: Int { hasUnknownColumn ? counts.reduce(0) { $0 + $1[classCount] } : 0 }

    /// All samples.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Balanced accuracy: the mean recall `(1/k) Σ_c n_cc / n_c` over the `k` classes with
    /// samples (scikit-learn's `balanced_accuracy_score`); 0 with none.
    public var balancedAccuracy: Double {
        let recalls = (0..<classCount).compactMap { c in
            let support = support(of: c)
            return support > 0 ? Double(self[c, c]) / Double(support) : nil
        }
        return recalls.isEmpty ? 0 : recalls.reduce(0, +) / Double(recalls.count)
    }
}
