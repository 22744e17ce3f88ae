import LikenessCore

/// One optimisation step of an embedding network: forward, triplet loss, backward, update.
public struct EmbeddingStep: TrainingStep {
    /// The names of the step's statistics: per batch in `StepOutcome`, per epoch in `EpochReport`.
    public enum Statistic {
        /// Per batch and per epoch: active triplets (inside the margin) over all mined triplets,
        /// pooled over the epoch's batches.
        public static let activeFraction = "active fraction"
        /// Per batch: the mined triplets; per epoch: their mean per batch.
        public static let triplets = "triplets"
        /// The mean anchor–positive and anchor–negative distances of the mined triplets (pooled
        /// over the epoch), in the loss's distance.
        public static let positiveDistance = "d(a,p)"
        public static let negativeDistance = "d(a,n)"
        /// `EmbeddingEvaluation.spread` of the batch's embeddings; per epoch, the mean over batches.
        public static let spread = "spread"
        /// Per epoch: 1 when the embeddings look collapsed (spread under `collapseSpread`, the
        /// loss at its collapsed value), else 0.
        public static let collapsed = "collapsed"
    }

    public let model: Sequential
    public let optimizer: any Optimizer
    public let loss: TripletLoss
    /// An epoch whose embedding spread is under this, with the loss near its collapsed value,
    /// is reported as collapsed (unit embeddings spread evenly have a spread near 1).
    public let collapseSpread: Float

    /// - Parameter model: a network whose output is `N × D` embeddings (`Head.embedding`).
    public init(model: Sequential, optimizer: any Optimizer, loss: TripletLoss, collapseSpread: Float = 0.05) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.collapseSpread = collapseSpread
    }

    /// Trains on one batch (`N × C × H × W` images, `N` labels).
    ///
    /// - Throws: `NonFiniteValue` when the loss or a gradient is NaN or infinite (the optimizer
    ///   has not stepped then, and the network's parameters and buffers are as they were), or
    ///   when the step made a parameter so (`updatedWeights`).
    public func callAsFunction(_ batch: TrainingBatch) throws(NonFiniteValue) -> StepOutcome {
        let (result, embeddings) = try model.checkedPass(images: batch.images) {
            model.zeroGradients()
            let embeddings = model.forward(batch.images, training: true)
            precondition(embeddings.rank == 2, "an embedding network outputs N × D, got \(embeddings.shape)")
            let result = loss.lossAndGradient(embeddings: embeddings, labels: batch.labels)
            _ = model.backward(result.gradient, inputGradient: false)
            return (result.loss, (result, embeddings))
        }
        optimizer.step()
        try model.requireFiniteParameters(afterStepWithLoss: result.loss)
        let s = result.statistics
        return StepOutcome(loss: result.loss, statistics: [
            Statistic.triplets: Double(s.tripletCount),
            Statistic.activeFraction: s.tripletCount > 0 ? Double(s.activeCount) / Double(s.tripletCount) : 0,
            Statistic.positiveDistance: Double(s.meanPositiveDistance),
            Statistic.negativeDistance: Double(s.meanNegativeDistance),
            Statistic.spread: Double(EmbeddingEvaluation.spread(embeddings)),
        ])
    }

    /// The triplet figures pooled over the epoch's triplets (a batch counts by its triplets),
    /// the spread averaged over its batches, and whether the embeddings collapsed.
    public func epochStatistics(of outcomes: [StepOutcome]) -> [String: Double] {
        var triplets = 0.0, active = 0.0, positive = 0.0, negative = 0.0, spread = 0.0, lossSum = 0.0
        for outcome in outcomes {
            let s = outcome.statistics, n = s[Statistic.triplets] ?? 0
            triplets += n
            active += (s[Statistic.activeFraction] ?? 0) * n
            positive += (s[Statistic.positiveDistance] ?? 0) * n
            negative += (s[Statistic.negativeDistance] ?? 0) * n
            spread += s[Statistic.spread] ?? 0
            lossSum += Double(outcome.loss)
        }
        let batches = Double(max(outcomes.count, 1)), pooled = max(triplets, 1)
        let meanLoss = Float(lossSum / batches)
        let collapsed = Float(spread / batches) < collapseSpread
            && abs(meanLoss - loss.collapsedValue) <= 0.05 * max(loss.collapsedValue, 1e-6)
        return [
            Statistic.triplets: triplets / batches,
            Statistic.activeFraction: active / pooled,
            Statistic.positiveDistance: positive / pooled,
            Statistic.negativeDistance: negative / pooled,
            Statistic.spread: spread / batches,
            Statistic.collapsed: collapsed ? 1 : 0,
        ]
    }

    /// Says so when the epoch's embeddings collapsed.
    public func warning(about report: EpochReport) -> String? {
        guard report.statistics[Statistic.collapsed] == 1 else { return nil }
        let spread = report.statistics[Statistic.spread] ?? 0
        return "the embeddings have collapsed (spread \(ConsoleTrainingObserver.format(spread, 4)), loss "
            + "\(ConsoleTrainingObserver.format(report.meanLoss, 4)) ≈ its collapsed value \(ConsoleTrainingObserver.format(loss.collapsedValue, 4))); "
            + "try a lower learning rate, a smaller margin or semi-hard rather than batch-hard mining"
    }
}
