import LikenessCore

extension OneShotEvaluation.Result {
    /// The mean over all classes, known and novel, of their recall: the accuracy a balanced
    /// test set would give.
    public var balancedAccuracy: Double { OneShotEvaluation.mean(knownRecall + novelRecall) }
}

extension OneShotEvaluation {
    /// The one-shot measure on validation images alone, `novelClasses` being known classes held
    /// out of training (and of label-free pre-training), to choose what the known-class episodes
    /// cannot: how well the network serves classes it never saw (PROTOCOL.md, "Recipes, backbones
    /// and choices").
    ///
    /// Each held-out class is enrolled from one of its validation images at even positions (drawn
    /// as the protocol draws, `draws` times), the known classes from their training embeddings;
    /// every validation image of the known and held-out classes but those candidates is
    /// classified among the prototypes.
    ///
    /// - Parameters:
    ///   - training: the known classes' training embeddings and labels (unit rows).
    ///   - validation: validation embeddings and labels (unit rows) of the known and held-out
    ///     classes (rows of other classes are left out); each held-out class needs at least two
    ///     images (one candidate, one to classify).
    ///   - views: the augmented views of validation row `r`, `enrolment.augmentedViews × D`
    ///     (needed when `enrolment.augmentedViews > 0`).
    /// - Throws: as `run`; `EnrollmentError` when a held-out class has fewer than two validation images.
    public func runOnValidation(training: (embeddings: Tensor, labels: [Int]), validation: (embeddings: Tensor, labels: [Int]),
                                views: ((_ row: Int) throws -> Tensor)? = nil) throws -> Result {
        var candidates: [[Int]] = []
        for c in novelClasses {
            let rowsOfC = validation.labels.indices.filter { validation.labels[$0] == c }
            guard rowsOfC.count >= 2 else {
                throw EnrollmentError(.invalidValue, field: "validation embeddings", expected: "at least 2 images of every held-out class",
                                      found: "\(rowsOfC.count) of class \(c)")
            }
            candidates.append(stride(from: 0, to: rowsOfC.count, by: 2).map { rowsOfC[$0] })
        }
        let candidateRows = Set(candidates.joined())
        let classes = Set(knownClasses + novelClasses)
        let tested = validation.labels.indices.filter { !candidateRows.contains($0) && classes.contains(validation.labels[$0]) }
        return try run(known: training, candidates: candidates.map { validation.embeddings.rows(at: $0) },
                       views: views.map { views in { k, i in try views(candidates[k][i]) } },
                       test: (validation.embeddings.rows(at: tested), tested.map { validation.labels[$0] }))
    }
}
