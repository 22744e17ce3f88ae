import LikenessCore
import LikenessData

/// One step of SimCLR's label-free training (Chen et al., "A Simple Framework for Contrastive
/// Learning of Visual Representations", ICML 2020): two augmented views of each image of the
/// batch go through the network together (`2N` rows: first views, then second views), and the
/// NT-Xent loss — `SupervisedContrastiveLoss` with each image's two views as its class — pulls
/// the views of an image together and pushes the other `2N − 2` rows away. Labels are never read.
public struct ContrastiveStep: TrainingStep {
    /// The names of the step's statistics.
    public enum Statistic {
        /// The mean softmax probability a view gives the other view of its image (1 when every
        /// view finds its pair first and surely).
        public static let positiveMass = "positive mass"
        /// `EmbeddingEvaluation.spread` of the batch's embeddings.
        public static let spread = "spread"
    }

    public let model: Sequential
    public let optimizer: any Optimizer
    public let loss: SupervisedContrastiveLoss
    /// Draws the views: applied twice to each batch, with streams of its own for each view.
    public let views: AugmentationPipeline

    /// - Parameter model: a network with unit-length outputs (`Head.projection`).
    public init(model: Sequential, optimizer: any Optimizer, loss: SupervisedContrastiveLoss, views: AugmentationPipeline) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.views = views
    }

    public func callAsFunction(_ batch: TrainingBatch) throws(NonFiniteValue) -> StepOutcome {
        let n = batch.labels.count
        let unlabelled = [Int](repeating: 0, count: n)
        // A number unique to the batch over the run, whatever the batches per epoch.
        let stream = batch.epoch << 32 | batch.index
        let images = Tensor.concatenatingImages(
            views.apply(to: batch.images, labels: unlabelled, classCount: 1, batchIndex: 2 * stream).images,
            views.apply(to: batch.images, labels: unlabelled, classCount: 1, batchIndex: 2 * stream + 1).images)
        let (result, embeddings) = try model.checkedPass(images: images) {
            model.zeroGradients()
            let embeddings = model.forward(images, training: true)
            let result = loss.lossAndGradient(embeddings: embeddings, labels: SupervisedContrastiveLoss.viewPairLabels(imageCount: n))
            _ = model.backward(result.gradient, inputGradient: false)
            return (result.loss, (result, embeddings))
        }
        optimizer.step()
        try model.requireFiniteParameters(afterStepWithLoss: result.loss)
        return StepOutcome(loss: result.loss, statistics: [
            Statistic.positiveMass: result.statistics[SupervisedContrastiveLoss.Statistic.positiveMass] ?? 0,
            Statistic.spread: Double(EmbeddingEvaluation.spread(embeddings)),
        ])
    }
}
