import LikenessCore
import LikenessRecognition

/// The classes a gallery enrols from one image, measured over other draws of that image: how much
/// of a one-shot class's recall is the luck of the shot.
///
/// For draw `s = 0 ..< draws`, each class is enrolled afresh from one candidate image
/// (`Gallery.reenrolling`), chosen as the one-shot protocol draws it
/// (`OneShotEvaluation.candidatesDrawn`); every sample is classified with the
/// gallery's thresholds (nearest prototype, unknown above its threshold), and for each class
/// `recall = |answered c ∧ of c| / |of c|` and `false-accept rate = |answered c ∧ not of c| / |not of c|`.
public struct OneShotRedraws: Sendable, Equatable, Codable {
    /// One class's figures over the draws.
    public struct RedrawnClass: Sendable, Equatable, Codable {
        public let name: String
        /// The images its one shot was drawn from.
        public let candidateCount: Int
        /// The candidate chosen in each draw.
        public let chosen: [Int]
        /// Its recall in each draw.
        public let recall: [Double]
        /// The fraction of the other classes' samples answered with it, in each draw.
        public let falseAcceptRate: [Double]

        public init(name: String, candidateCount: Int, chosen: [Int], recall: [Double], falseAcceptRate: [Double]) {
            precondition(chosen.count == recall.count && recall.count == falseAcceptRate.count,
                         "\(chosen.count) choices, \(recall.count) recalls and \(falseAcceptRate.count) false-accept rates")
            self.name = name
            self.candidateCount = candidateCount
            self.chosen = chosen
            self.recall = recall
            self.falseAcceptRate = falseAcceptRate
        }
    }

    public let draws: Int
    /// Where the candidates came from (a dataset specification).
    public let shotSource: String
    public let classes: [RedrawnClass]

    public init(draws: Int, shotSource: String, classes: [RedrawnClass]) {
        precondition(classes.allSatisfy { $0.recall.count == draws }, "figures of another number of draws than \(draws)")
        self.draws = draws
        self.shotSource = shotSource
        self.classes = classes
    }

    /// The figures of `draws` draws of `gallery`'s classes `redrawn` (names it enrols), class `k`
    /// from the rows of `candidates[k]` (`n_k × D`), on the samples with embeddings `embeddings`
    /// (`N × D`) and true classes `trueLabels` (indexing `classNames`; gallery classes matched by name).
    ///
    /// - Throws: `EnrollmentError` for a class the gallery does not enrol, or a candidate that is
    ///   not of unit length or of another dimension.
    public init(gallery: Gallery, redrawn: [String], candidates: [Tensor], draws: Int, shotSource: String,
                embeddings: Tensor, trueLabels: [Int], classNames: [String]) throws {
        precondition(candidates.count == redrawn.count, "\(candidates.count) candidate sets for \(redrawn.count) classes")
        precondition(candidates.allSatisfy { $0.rank == 2 && $0.shape[0] > 0 }, "a class without candidates")
        precondition(draws > 0, "\(draws) draws")
        precondition(embeddings.rank == 2 && embeddings.shape[0] == trueLabels.count,
                     "embeddings of shape \(embeddings.shape) for \(trueLabels.count) samples")
        let own = redrawn.map { name in trueLabels.filter { classNames[$0] == name }.count }
        var chosen = [[Int]](repeating: [], count: redrawn.count)
        var recall = chosen.map { _ in [Double]() }, falseAccepts = recall
        for s in 0..<draws {
            var drawn = gallery
            let picks = OneShotEvaluation.candidatesDrawn(draw: UInt64(s), counts: candidates.map { $0.shape[0] })
            for (k, (name, i)) in zip(redrawn, picks).enumerated() {
                chosen[k].append(i)
                drawn = try drawn.reenrolling(name, from: candidates[k].rows(i..<(i + 1)))
            }
            let answers = PrototypeClassifier(gallery: drawn).classify(embeddings).map { $0.accepted.map { drawn.classNames[$0] } }
            for (k, name) in redrawn.enumerated() {
                var hits = 0, wrong = 0
                for (answer, truth) in zip(answers, trueLabels) where answer == name {
                    if classNames[truth] == name { hits += 1 } else { wrong += 1 }
                }
                recall[k].append(own[k] > 0 ? Double(hits) / Double(own[k]) : 0)
                let others = trueLabels.count - own[k]
                falseAccepts[k].append(others > 0 ? Double(wrong) / Double(others) : 0)
            }
        }
        self.init(draws: draws, shotSource: shotSource, classes: redrawn.indices.map {
            RedrawnClass(name: redrawn[$0], candidateCount: candidates[$0].shape[0], chosen: chosen[$0],
                         recall: recall[$0], falseAcceptRate: falseAccepts[$0])
        })
    }
}
