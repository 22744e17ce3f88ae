import LikenessCore

/// One optimisation step of an embedding network: forward, a metric loss (triplet by default),
/// optionally relational distillation to a frozen teacher, backward, update.
public struct EmbeddingStep: TrainingStep {
    /// The names of the step's own statistics, beside the loss's (`TripletLoss.Statistic`,
    /// `SupervisedContrastiveLoss.Statistic`).
    public enum Statistic {
        /// `EmbeddingEvaluation.spread` of the batch's embeddings; per epoch, the mean over batches.
        public static let spread = "spread"
        /// Per epoch: 1 when the embeddings look collapsed (spread under `collapseSpread`, the
        /// loss at its collapsed value), else 0.
        public static let collapsed = "collapsed"
        /// The relational distillation loss of the batch (before its weight), with a teacher.
        public static let distillation = "distillation"
        /// The labelled images of a batch, for the collapsed value of the loss.
        static let batchSize = "batch size"
    }

    public let model: Sequential
    public let optimizer: any Optimizer
    public let loss: any MetricLoss
    /// Relational distillation to a frozen teacher, added to the metric loss; none when nil.
    public let distillation: Distillation?
    /// An epoch whose embedding spread is under this, with the loss near its collapsed value,
    /// is reported as collapsed (unit embeddings spread evenly have a spread near 1).
    public let collapseSpread: Float

    /// - Parameters:
    ///   - model: a network whose output is `N × D` embeddings (`Head.embedding`).
    ///   - optimizer: updates the model's parameters and the loss's own (`MetricLoss.parameters`).
    public init(model: Sequential, optimizer: any Optimizer, loss: any MetricLoss = TripletLoss(), distillation: Distillation? = nil,
                collapseSpread: Float = 0.05) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.distillation = distillation
        self.collapseSpread = collapseSpread
    }

    /// Trains on one batch (`N × C × H × W` images, `N` labels); with distillation, the pool
    /// images the step draws go through the network after them.
    ///
    /// - Throws: `NonFiniteValue` when the loss or a gradient is NaN or infinite (the optimizer
    ///   has not stepped then, and the network's parameters and buffers are as they were), or
    ///   when the step made a parameter so (`updatedWeights`).
    public func callAsFunction(_ batch: TrainingBatch) throws(NonFiniteValue) -> StepOutcome {
        let labelled = batch.labels.count
        var images = batch.images
        if let pool = distillation?.poolImages(for: batch) { images = .concatenatingImages(images, pool) }
        let (result, distilled, embeddings) = try model.checkedPass(images: images) {
            model.zeroGradients()
            for (_, parameter) in loss.parameters { parameter.zeroGradient() }
            let embeddings = model.forward(images, training: true)
            precondition(embeddings.rank == 2, "an embedding network outputs N × D, got \(embeddings.shape)")
            let own = images.shape[0] == labelled ? embeddings : embeddings.rows(0..<labelled)
            var result = loss.lossAndGradient(embeddings: own, labels: batch.labels)
            var gradient = result.gradient
            var distilled: Float?
            if let distillation {
                let teacher = distillation.teacher.forward(images, training: false)
                let (value, g) = distillation.loss.lossAndGradient(student: embeddings, teacher: teacher)
                gradient = Self.adding(g, scaledBy: distillation.weight, to: gradient, rows: images.shape[0])
                result.loss += distillation.weight * value
                distilled = value
            }
            _ = model.backward(gradient, inputGradient: false)
            return (result.loss, (result, distilled, embeddings))
        }
        optimizer.step()
        try model.requireFiniteParameters(afterStepWithLoss: result.loss)
        var statistics = result.statistics
        statistics[Statistic.spread] = Double(EmbeddingEvaluation.spread(embeddings))
        statistics[Statistic.batchSize] = Double(labelled)
        if let distilled { statistics[Statistic.distillation] = Double(distilled) }
        return StepOutcome(loss: result.loss, statistics: statistics)
    }

    /// `a + w · b` where `a` may hold fewer rows than `b` (the labelled rows, first).
    private static func adding(_ b: Tensor, scaledBy w: Float, to a: Tensor, rows: Int) -> Tensor {
        var sum = b
        sum.withUnsafeMutableBufferPointer { s in
            for i in s.indices { s[i] *= w }
            a.withUnsafeBufferPointer { ap in
                for i in ap.indices { s[i] += ap[i] }
            }
        }
        return sum
    }

    /// The loss's figures for the epoch (`MetricLoss.epochStatistics`), the spread and the
    /// distillation loss averaged over its batches, and whether the embeddings collapsed.
    public func epochStatistics(of outcomes: [StepOutcome]) -> [String: Double] {
        let own: Set = [Statistic.spread, Statistic.batchSize, Statistic.distillation]
        var statistics = loss.epochStatistics(of: outcomes.map { $0.statistics.filter { !own.contains($0.key) } })
        let batches = Double(max(outcomes.count, 1))
        let spread = outcomes.reduce(0) { $0 + ($1.statistics[Statistic.spread] ?? 0) } / batches
        let meanLoss = Float(outcomes.reduce(0) { $0 + Double($1.loss) } / batches)
        let batchSize = Int(outcomes.first?.statistics[Statistic.batchSize] ?? 0)
        let collapsedValue = loss.collapsedValue(batchSize: batchSize)
        let collapsed = Float(spread) < collapseSpread && distillation == nil
            && abs(meanLoss - collapsedValue) <= 0.05 * max(collapsedValue, 1e-6)
        statistics[Statistic.spread] = spread
        statistics[Statistic.collapsed] = collapsed ? 1 : 0
        if distillation != nil {
            statistics[Statistic.distillation] = outcomes.reduce(0) { $0 + ($1.statistics[Statistic.distillation] ?? 0) } / batches
        }
        return statistics
    }

    /// Says so when the epoch's embeddings collapsed.
    public func warning(about report: EpochReport) -> String? {
        guard report.statistics[Statistic.collapsed] == 1 else { return nil }
        let spread = report.statistics[Statistic.spread] ?? 0
        return "the embeddings have collapsed (spread \(ConsoleTrainingObserver.format(spread, 4)), loss "
            + "\(ConsoleTrainingObserver.format(report.meanLoss, 4)), the loss of identical embeddings); "
            + "try a lower learning rate, a smaller margin or semi-hard rather than batch-hard mining"
    }
}
