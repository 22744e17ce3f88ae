import LikenessCore

/// PROTOCOL.md's one-shot novel-class measure, on embeddings already computed.
///
/// Known classes are enrolled from their training embeddings (one mean prototype each); each
/// novel class from exactly one image, chosen for draw `s` by `SeededGenerator(seed: s)` among
/// that class's candidate images (`index = next() mod count`). Every test image gets the class
/// of its nearest prototype (no rejection); the figures are averaged over the draws.
public struct OneShotEvaluation: Sendable {
    public let knownClasses: [Int]
    public let novelClasses: [Int]
    public let draws: Int

    public init(knownClasses: [Int], novelClasses: [Int], draws: Int = 20) {
        precondition(Set(knownClasses).isDisjoint(with: novelClasses), "a class cannot be both known and novel")
        precondition(draws > 0, "\(draws) draws")
        self.knownClasses = knownClasses
        self.novelClasses = novelClasses
        self.draws = draws
    }

    public struct Result: Sendable, Codable, Equatable {
        /// Mean recall of each novel class over the draws, in `novelClasses` order.
        public var novelRecall: [Double]
        /// Mean recall of each known class over the draws, in `knownClasses` order.
        public var knownRecall: [Double]
        /// Mean accuracy over all test images and classes.
        public var accuracy: Double
        /// Accuracy of each draw.
        public var accuracyPerDraw: [Double]
        /// The candidate index chosen for each novel class in each draw.
        public var chosen: [[Int]]
    }

    /// - Parameters:
    ///   - known: training embeddings and labels of the known classes.
    ///   - candidates: for each novel class (in order), the embeddings it may be enrolled from (`n × D`).
    ///   - test: test embeddings and labels (all classes).
    public func run(known: (embeddings: Tensor, labels: [Int]), candidates: [Tensor],
                    test: (embeddings: Tensor, labels: [Int])) -> Result {
        precondition(candidates.count == novelClasses.count, "one candidate set per novel class")
        let knownPrototypes = Prototypes.mean(of: known.embeddings, labels: known.labels, classes: knownClasses)
        let classes = knownClasses + novelClasses
        let d = knownPrototypes.shape[1]
        var novelHits = [Double](repeating: 0, count: novelClasses.count)
        var knownHits = [Double](repeating: 0, count: knownClasses.count)
        var accuracies: [Double] = [], chosen: [[Int]] = []
        let support = Dictionary(grouping: test.labels, by: { $0 }).mapValues(\.count)
        for s in 0..<draws {
            var rng = SeededGenerator(seed: UInt64(s))
            var rows = knownPrototypes.scalars
            var picks: [Int] = []
            for candidate in candidates {
                precondition(candidate.rank == 2 && candidate.shape[1] == d && candidate.shape[0] > 0, "candidates of shape \(candidate.shape)")
                let i = Int(rng.next() % UInt64(candidate.shape[0]))
                picks.append(i)
                rows += Prototypes.normalised((0..<d).map { Double(candidate[i, $0]) })
            }
            chosen.append(picks)
            let classifier = PrototypeClassifier(prototypes: Tensor(shape: [classes.count, d], scalars: rows),
                                                 classNames: classes.map(String.init))
            let predicted = classifier.classify(test.embeddings).map { classes[$0.nearest] }
            var hits = [Int: Int]()
            for (p, y) in zip(predicted, test.labels) where p == y { hits[y, default: 0] += 1 }
            accuracies.append(Double(hits.values.reduce(0, +)) / Double(test.labels.count))
            for (k, c) in novelClasses.enumerated() { novelHits[k] += Double(hits[c] ?? 0) / Double(max(support[c] ?? 0, 1)) }
            for (k, c) in knownClasses.enumerated() { knownHits[k] += Double(hits[c] ?? 0) / Double(max(support[c] ?? 0, 1)) }
        }
        let n = Double(draws)
        return Result(novelRecall: novelHits.map { $0 / n }, knownRecall: knownHits.map { $0 / n },
                      accuracy: accuracies.reduce(0, +) / n, accuracyPerDraw: accuracies, chosen: chosen)
    }
}
