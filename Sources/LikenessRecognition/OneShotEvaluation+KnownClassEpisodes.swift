import LikenessCore

extension OneShotEvaluation {
    /// One-shot episodes made of the known classes alone, to choose enrolment options (the score,
    /// augmented views) without looking at the novel classes (PROTOCOL.md, "Recipes, backbones
    /// and choices").
    ///
    /// In the episode of known class `c`, `c` plays the new class: it is enrolled from one of
    /// its validation images at even positions (drawn as the protocol draws, `draws` times),
    /// the other known classes from their training embeddings; the validation images of all
    /// known classes but those candidates are classified among the prototypes. The network has
    /// seen `c` in training, so an episode is easier than a novel class; what it measures is
    /// what the enrolment options change: how a prototype of one image fares beside prototypes
    /// of thousands.
    public struct KnownClassEpisodes: Sendable, Equatable {
        /// The classes, each the one-shot class of one episode.
        public var classes: [Int]
        /// The recall of each episode's one-shot class (mean over the draws), in `classes` order.
        public var oneShotRecall: [Double]
        /// The mean over each episode's classes of their recall (its balanced accuracy; the
        /// protocol's 10-way accuracy on a balanced test set), mean over the draws, in `classes` order.
        public var balancedAccuracy: [Double]

        /// The mean over the episodes of the one-shot class's recall.
        public var meanOneShotRecall: Double { OneShotEvaluation.mean(oneShotRecall) }
        /// The mean over the episodes of their balanced accuracy: the figure options are chosen on.
        public var meanBalancedAccuracy: Double { OneShotEvaluation.mean(balancedAccuracy) }
    }

    /// Runs the episode of each of `knownClasses`.
    ///
    /// - Parameters:
    ///   - training: the known classes' training embeddings and labels (unit rows).
    ///   - validation: their validation embeddings and labels (unit rows); each class needs at
    ///     least two images (one candidate, one to classify).
    ///   - views: the augmented views of validation row `r`, `enrolment.augmentedViews × D`
    ///     (needed when `enrolment.augmentedViews > 0`).
    /// - Throws: as `run`; `EnrollmentError` when a class has fewer than two validation images.
    public static func knownClassEpisodes(knownClasses: [Int], draws: Int = 20, enrolment: ShotEnrolment = ShotEnrolment(),
                                          training: (embeddings: Tensor, labels: [Int]),
                                          validation: (embeddings: Tensor, labels: [Int]),
                                          views: ((_ row: Int) throws -> Tensor)? = nil) throws -> KnownClassEpisodes {
        precondition(knownClasses.count >= 2, "episodes need a one-shot class and at least one other, got \(knownClasses)")
        var episodes = KnownClassEpisodes(classes: knownClasses, oneShotRecall: [], balancedAccuracy: [])
        for c in knownClasses {
            let rowsOfC = validation.labels.indices.filter { validation.labels[$0] == c }
            guard rowsOfC.count >= 2 else {
                throw EnrollmentError(.invalidValue, field: "validation embeddings", expected: "at least 2 images of every known class",
                                      found: "\(rowsOfC.count) of class \(c)")
            }
            let candidates = stride(from: 0, to: rowsOfC.count, by: 2).map { rowsOfC[$0] }
            let candidateSet = Set(candidates)
            let tested = validation.labels.indices.filter { !candidateSet.contains($0) && knownClasses.contains(validation.labels[$0]) }
            let others = training.labels.indices.filter { training.labels[$0] != c && knownClasses.contains(training.labels[$0]) }
            let evaluation = OneShotEvaluation(knownClasses: knownClasses.filter { $0 != c }, novelClasses: [c], draws: draws,
                                               enrolment: enrolment)
            let result = try evaluation.run(
                known: (training.embeddings.rows(at: others), others.map { training.labels[$0] }),
                candidates: [validation.embeddings.rows(at: candidates)],
                views: views.map { views in { _, i in try views(candidates[i]) } },
                test: (validation.embeddings.rows(at: tested), tested.map { validation.labels[$0] }))
            episodes.oneShotRecall.append(result.novelRecall[0])
            episodes.balancedAccuracy.append(result.balancedAccuracy)
        }
        return episodes
    }
}
