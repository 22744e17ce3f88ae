import LikenessCore

/// PROTOCOL.md's one-shot novel-class measure, on embeddings already computed.
///
/// Known classes are enrolled from their training embeddings (one mean prototype each); each
/// novel class from exactly one image, chosen for draw `s` by `SeededGenerator(seed: s)` among
/// that class's candidate images (`index = next() mod count`). Every test image gets the class
/// of its nearest prototype (no rejection); the figures are averaged over the draws.
///
/// Each draw's prototypes are a `Gallery` enrolled as `likeness enroll` enrols (class `c` named
/// `"\(c)"`), classified by `PrototypeClassifier(gallery:rejecting: false)`, so that the
/// measure runs the code the product ships.
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
        /// Mean precision of each novel class over the draws (the test images given the class
        /// that are of it; 0 for a draw that gives it none), in `novelClasses` order.
        public var novelPrecision: [Double]
        /// Mean accuracy over all test images and classes.
        public var accuracy: Double
        /// Accuracy of each draw.
        public var accuracyPerDraw: [Double]
        /// The candidate index chosen for each novel class in each draw.
        public var chosen: [[Int]]
    }

    /// The gallery of the known classes: each enrolled from its rows of `known`, named `"\(c)"`.
    ///
    /// - Throws: `EnrollmentError` for embeddings that are not unit length, or a known class without
    ///   a row (its shots cannot make a prototype).
    public func knownGallery(_ known: (embeddings: Tensor, labels: [Int])) throws -> Gallery {
        precondition(known.embeddings.rank == 2, "known embeddings of shape \(known.embeddings.shape)")
        let row = Dictionary(uniqueKeysWithValues: knownClasses.enumerated().map { ($1, $0) })
        var gallery = Gallery(modelDigest: "", dimension: known.embeddings.shape[1])
        try gallery.enroll(embeddings: known.embeddings, labels: known.labels.map { row[$0] ?? -1 },
                           classNames: knownClasses.map(String.init))
        for c in knownClasses where gallery["\(c)"] == nil {
            throw EnrollmentError(.invalidValue, field: "known embeddings",
                                  expected: "at least one embedding of every known class", found: "none of class \(c)")
        }
        return gallery
    }

    /// Draw `s`'s gallery: `known` (from `knownGallery`) with each novel class enrolled from the
    /// one candidate `SeededGenerator(seed: s)` picks; and the candidate index of each.
    public func gallery(draw s: Int, known: Gallery, candidates: [Tensor]) throws -> (gallery: Gallery, chosen: [Int]) {
        precondition(candidates.count == novelClasses.count, "one candidate set per novel class")
        var rng = SeededGenerator(seed: UInt64(s))
        var gallery = known
        var picks: [Int] = []
        for (c, candidate) in zip(novelClasses, candidates) {
            precondition(candidate.rank == 2 && candidate.shape[0] > 0, "candidates of shape \(candidate.shape)")
            let i = Int(rng.next() % UInt64(candidate.shape[0]))
            picks.append(i)
            let d = candidate.shape[1]
            let shot = candidate.withUnsafeBufferPointer { Tensor(shape: [1, d], scalars: $0[(i * d)..<((i + 1) * d)]) }
            try gallery.enroll(name: "\(c)", embeddings: shot)
        }
        return (gallery, picks)
    }

    /// - Parameters:
    ///   - known: training embeddings and labels of the known classes.
    ///   - candidates: for each novel class (in order), the embeddings it may be enrolled from (`n × D`).
    ///   - test: test embeddings and labels (all classes).
    /// - Throws: as `knownGallery` and `Gallery.enroll`.
    public func run(known: (embeddings: Tensor, labels: [Int]), candidates: [Tensor],
                    test: (embeddings: Tensor, labels: [Int])) throws -> Result {
        let knownGallery = try knownGallery(known)
        var novelHits = [Double](repeating: 0, count: novelClasses.count)
        var knownHits = [Double](repeating: 0, count: knownClasses.count)
        var novelPrecision = [Double](repeating: 0, count: novelClasses.count)
        var accuracies: [Double] = [], chosen: [[Int]] = []
        let support = Dictionary(grouping: test.labels, by: { $0 }).mapValues(\.count)
        for s in 0..<draws {
            let (gallery, picks) = try gallery(draw: s, known: knownGallery, candidates: candidates)
            chosen.append(picks)
            let classes = knownClasses + novelClasses
            precondition(gallery.classNames == classes.map(String.init), "the draw's gallery enrols \(gallery.classNames), not \(classes)")
            let predicted = PrototypeClassifier(gallery: gallery, rejecting: false).classify(test.embeddings).map { classes[$0.nearest] }
            var hits = [Int: Int]()
            for (p, y) in zip(predicted, test.labels) where p == y { hits[y, default: 0] += 1 }
            accuracies.append(Double(hits.values.reduce(0, +)) / Double(test.labels.count))
            for (k, c) in novelClasses.enumerated() { novelHits[k] += Double(hits[c] ?? 0) / Double(max(support[c] ?? 0, 1)) }
            for (k, c) in knownClasses.enumerated() { knownHits[k] += Double(hits[c] ?? 0) / Double(max(support[c] ?? 0, 1)) }
            for (k, c) in novelClasses.enumerated() {
                let given = predicted.filter { $0 == c }.count
                novelPrecision[k] += given > 0 ? Double(hits[c] ?? 0) / Double(given) : 0
            }
        }
        let n = Double(draws)
        return Result(novelRecall: novelHits.map { $0 / n }, knownRecall: knownHits.map { $0 / n }, novelPrecision: novelPrecision.map { $0 / n },
                      accuracy: accuracies.reduce(0, +) / n, accuracyPerDraw: accuracies, chosen: chosen)
    }
}
