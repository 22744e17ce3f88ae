import LikenessCore

/// PROTOCOL.md's one-shot novel-class measure, on embeddings already computed.
///
/// Known classes are enrolled from their training embeddings (one mean prototype each); each
/// novel class from exactly one image, chosen for draw `s` by `SeededGenerator(seed: s)` among
/// that class's candidate images (`index = next() mod count`). Every test image gets the class
/// of its nearest prototype (no rejection); the figures are averaged over the draws.
///
/// Each draw's prototypes are a `Gallery` enrolled as `likeness enroll` enrols (class `c` named
/// `"\(c)"`, the shot with its augmented views and the gallery's score as `enrolment` says),
/// classified by `PrototypeClassifier(gallery:rejecting: false)`, so that the measure runs the
/// code the product ships. Given an unlabelled pool, each draw is measured a second time with
/// the novel prototypes refined from it (`Gallery.refine`), reported apart (`Result.refined`).
public struct OneShotEvaluation: Sendable {
    public let knownClasses: [Int]
    public let novelClasses: [Int]
    public let draws: Int
    public let enrolment: ShotEnrolment

    /// The augmented views of a novel class's candidate shot: `(k, i) ↦ N × D` unit embeddings of
    /// `N = enrolment.augmentedViews` views of candidate `i` of `novelClasses[k]`.
    public typealias ShotViews = (_ novelClass: Int, _ candidate: Int) throws -> Tensor

    public init(knownClasses: [Int], novelClasses: [Int], draws: Int = 20, enrolment: ShotEnrolment = ShotEnrolment()) {
        precondition(Set(knownClasses).isDisjoint(with: novelClasses), "a class cannot be both known and novel")
        precondition(draws > 0, "\(draws) draws")
        self.knownClasses = knownClasses
        self.novelClasses = novelClasses
        self.draws = draws
        self.enrolment = enrolment
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
        /// The same draws with the novel prototypes refined from the unlabelled pool; nil without one.
        public var refined: Refined? = nil
    }

    /// The figures of the draws with refined novel prototypes.
    public struct Refined: Sendable, Codable, Equatable {
        public var novelRecall: [Double]
        public var knownRecall: [Double]
        public var novelPrecision: [Double]
        public var accuracy: Double
        public var accuracyPerDraw: [Double]
        /// The number of unlabelled pool images.
        public var poolSize: Int
    }

    /// The gallery of the known classes: each enrolled from its rows of `known`, named `"\(c)"`.
    ///
    /// - Throws: `EnrollmentError` for embeddings that are not unit length, or a known class without
    ///   a row (its shots cannot make a prototype).
    public func knownGallery(_ known: (embeddings: Tensor, labels: [Int])) throws -> Gallery {
        precondition(known.embeddings.rank == 2, "known embeddings of shape \(known.embeddings.shape)")
        let row = Dictionary(uniqueKeysWithValues: knownClasses.enumerated().map { ($1, $0) })
        var gallery = Gallery(modelDigest: "", dimension: known.embeddings.shape[1])
        gallery.score = enrolment.score
        try gallery.enroll(embeddings: known.embeddings, labels: known.labels.map { row[$0] ?? -1 },
                           classNames: knownClasses.map(String.init))
        for c in knownClasses where gallery["\(c)"] == nil {
            throw EnrollmentError(.invalidValue, field: "known embeddings",
                                  expected: "at least one embedding of every known class", found: "none of class \(c)")
        }
        return gallery
    }

    /// Draw `s`'s gallery: `known` (from `knownGallery`) with each novel class enrolled from the
    /// one candidate `SeededGenerator(seed: s)` picks, with its augmented views from `views`
    /// (needed when `enrolment.augmentedViews > 0`); and the candidate index of each.
    public func gallery(draw s: Int, known: Gallery, candidates: [Tensor], views: ShotViews? = nil) throws -> (gallery: Gallery, chosen: [Int]) {
        precondition(candidates.count == novelClasses.count, "one candidate set per novel class")
        precondition(enrolment.augmentedViews == 0 || views != nil, "\(enrolment.augmentedViews) augmented views and no way to make them")
        precondition(candidates.allSatisfy { $0.rank == 2 && $0.shape[0] > 0 }, "candidates of shapes \(candidates.map(\.shape))")
        var gallery = known
        let picks = Self.candidatesDrawn(draw: UInt64(s), counts: candidates.map { $0.shape[0] })
        for (k, (c, candidate)) in zip(novelClasses, candidates).enumerated() {
            let i = picks[k], d = candidate.shape[1]
            var shot = candidate.rows(i..<(i + 1)).scalars
            if let views, enrolment.augmentedViews > 0 {
                let augmented = try views(k, i)
                precondition(augmented.shape == [enrolment.augmentedViews, d],
                             "views of shape \(augmented.shape), expected [\(enrolment.augmentedViews), \(d)]")
                shot += augmented.scalars
            }
            let perShot = 1 + enrolment.augmentedViews
            var shots = PrototypeAccumulator(dimension: d, classCount: 1)
            try shots.add(embeddings: Tensor(shape: [perShot, d], scalars: shot), labels: [0], viewsPerShot: perShot)
            try gallery.enroll(shots, classNames: ["\(c)"])
        }
        return (gallery, picks)
    }

    /// The candidate each class enrols from in draw `s`, class `k` having `counts[k]` candidates:
    /// one `SeededGenerator(seed: s)`, `index = next() mod count`, class after class.
    public static func candidatesDrawn(draw s: UInt64, counts: [Int]) -> [Int] {
        precondition(counts.allSatisfy { $0 > 0 }, "a class without candidates: \(counts)")
        var rng = SeededGenerator(seed: s)
        return counts.map { Int(rng.next() % UInt64($0)) }
    }

    /// - Parameters:
    ///   - known: training embeddings and labels of the known classes.
    ///   - candidates: for each novel class (in order), the embeddings it may be enrolled from (`n × D`).
    ///   - views: the augmented views of a candidate (when `enrolment.augmentedViews > 0`).
    ///   - pool: unlabelled embeddings to refine the novel prototypes from (`Result.refined`); nil: none.
    ///   - test: test embeddings and labels (all classes).
    /// - Throws: as `knownGallery`, `Gallery.enroll` and `Gallery.refine`, and what `views` throws.
    public func run(known: (embeddings: Tensor, labels: [Int]), candidates: [Tensor], views: ShotViews? = nil, pool: Tensor? = nil,
                    test: (embeddings: Tensor, labels: [Int])) throws -> Result {
        let knownGallery = try knownGallery(known)
        let classes = knownClasses + novelClasses
        let support = Dictionary(grouping: test.labels, by: { $0 }).mapValues(\.count)
        var pure = Tally(novel: novelClasses.count, known: knownClasses.count)
        var refined = Tally(novel: novelClasses.count, known: knownClasses.count)
        var chosen: [[Int]] = []
        func count(_ gallery: Gallery, into tally: inout Tally) {
            precondition(gallery.classNames == classes.map(String.init), "the draw's gallery enrols \(gallery.classNames), not \(classes)")
            let predicted = PrototypeClassifier(gallery: gallery, rejecting: false).classify(test.embeddings).map { classes[$0.nearest] }
            var hits = [Int: Int]()
            for (p, y) in zip(predicted, test.labels) where p == y { hits[y, default: 0] += 1 }
            tally.accuracies.append(Double(hits.values.reduce(0, +)) / Double(test.labels.count))
            for (k, c) in novelClasses.enumerated() { tally.novelHits[k] += Double(hits[c] ?? 0) / Double(max(support[c] ?? 0, 1)) }
            for (k, c) in knownClasses.enumerated() { tally.knownHits[k] += Double(hits[c] ?? 0) / Double(max(support[c] ?? 0, 1)) }
            for (k, c) in novelClasses.enumerated() {
                let given = predicted.filter { $0 == c }.count
                tally.novelPrecision[k] += given > 0 ? Double(hits[c] ?? 0) / Double(given) : 0
            }
        }
        for s in 0..<draws {
            var (gallery, picks) = try gallery(draw: s, known: knownGallery, candidates: candidates, views: views)
            chosen.append(picks)
            count(gallery, into: &pure)
            if let pool {
                try gallery.refine(classes: novelClasses.map(String.init), pool: pool, using: enrolment.refinement)
                count(gallery, into: &refined)
            }
        }
        let n = Double(draws)
        var result = Result(novelRecall: pure.novelHits.map { $0 / n }, knownRecall: pure.knownHits.map { $0 / n },
                            novelPrecision: pure.novelPrecision.map { $0 / n },
                            accuracy: pure.accuracies.reduce(0, +) / n, accuracyPerDraw: pure.accuracies, chosen: chosen)
        if let pool {
            result.refined = Refined(novelRecall: refined.novelHits.map { $0 / n }, knownRecall: refined.knownHits.map { $0 / n },
                                     novelPrecision: refined.novelPrecision.map { $0 / n },
                                     accuracy: refined.accuracies.reduce(0, +) / n, accuracyPerDraw: refined.accuracies,
                                     poolSize: pool.shape[0])
        }
        return result
    }

    /// Per-class recall sums and per-draw accuracies over the draws.
    private struct Tally {
        var novelHits: [Double]
        var knownHits: [Double]
        var novelPrecision: [Double]
        var accuracies: [Double] = []

        init(novel: Int, known: Int) {
            novelHits = [Double](repeating: 0, count: novel)
            novelPrecision = [Double](repeating: 0, count: novel)
            knownHits = [Double](repeating: 0, count: known)
        }
    }
}

/// How new classes' shots are enrolled: the shot with `augmentedViews` mild augmented views of it
/// averaged into the prototype (`AugmentationPipeline.mildShotViews`), the gallery's `score`, and
/// how a prototype is refined from an unlabelled pool when one is given.
public struct ShotEnrolment: Sendable, Equatable {
    /// `N`: the augmented views of each shot enrolled beside the shot itself.
    public var augmentedViews: Int
    public var score: Gallery.Score
    public var refinement: PrototypeRefinement

    public init(augmentedViews: Int = 0, score: Gallery.Score = Gallery.defaultScore, refinement: PrototypeRefinement = PrototypeRefinement()) {
        precondition(augmentedViews >= 0, "\(augmentedViews) augmented views")
        self.augmentedViews = augmentedViews
        self.score = score
        self.refinement = refinement
    }
}

extension OneShotEvaluation {
    /// The mean of several runs' figures (training seeds, or draws of the shot); 0 for none.
    public static func mean(_ figures: [Double]) -> Double {
        figures.reduce(0, +) / Double(max(figures.count, 1))
    }

    /// The spread of several runs' figures: their sample standard deviation (0 for one).
    public static func spread(_ figures: [Double]) -> Double {
        guard figures.count > 1 else { return 0 }
        let m = mean(figures)
        return (figures.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(figures.count - 1)).squareRoot()
    }
}
