import Foundation
import LikenessCore
import LikenessData

/// How a `ConditionalGAN` is trained: alternating Adam steps (DCGAN's learning rate 2·10⁻⁴,
/// β₁ 0.5) on class-balanced batches of real images.
///
/// Each step, with `B` real images `x` of classes `y` (scaled to [−1, 1]) and `B` generated
/// images `G(z, y)` of the same classes from fresh noise:
/// - the discriminator takes one step on `L_D = BCE(D(x, y), 1) + BCE(D(G(z, y), y), 0)`;
/// - the generator takes one step on the non-saturating `L_G = BCE(D(G(z, y), y), 1)`, through
///   the updated discriminator.
///
/// BCE is `BinaryCrossEntropyWithLogits`. Class-balanced batches show the rare classes as often
/// as the common ones, so the generator learns them from their few images while sharing what the
/// common ones teach (shapes, strokes) through its weights. Every draw (batches, noise) comes
/// from `seed`: the same seed, data and thread count give the same weights.
public struct GANRecipe: Sendable {
    public var epochs: Int
    public var batchSize: Int
    /// Steps per epoch; nil for as many as the training images fill once.
    public var stepsPerEpoch: Int?
    public var learningRate: Float = 2e-4
    public var beta1: Float = 0.5
    public var seed: UInt64

    public init(epochs: Int, batchSize: Int = 64, stepsPerEpoch: Int? = nil, seed: UInt64) {
        precondition(epochs >= 1 && batchSize >= 2 && (stepsPerEpoch ?? 1) >= 1,
                     "GAN training of \(epochs) epochs, batch \(batchSize), \(stepsPerEpoch ?? 0) steps")
        self.epochs = epochs
        self.batchSize = batchSize
        self.stepsPerEpoch = stepsPerEpoch
        self.seed = seed
    }

    /// One epoch's mean losses and the discriminator's mean probabilities that real and
    /// generated images are real (`σ(D)` before its step): near 0.5 for both when neither network wins.
    public struct EpochReport: Sendable, Equatable {
        public var epoch: Int
        public var discriminatorLoss: Double
        public var generatorLoss: Double
        public var realScore: Double
        public var generatedScore: Double
    }

    /// Trains `gan` on the images at `indices` of `dataset`, whose labels are the GAN's classes.
    ///
    /// - Parameters:
    ///   - onStep: after each step: the epoch, the step within it, the steps per epoch, and the step's
    ///     discriminator and generator losses (for a progress bar).
    ///   - onEpochEnd: after each epoch, its report.
    /// - Throws: `TrainingError.nonFinite` when either loss is a NaN or an infinity (the weights are
    ///   those of the step before).
    @discardableResult
    public func train(_ gan: ConditionalGAN, on dataset: Dataset, indices: [Int],
                      onStep: (_ epoch: Int, _ step: Int, _ of: Int, _ discriminatorLoss: Float, _ generatorLoss: Float) -> Void = { _, _, _, _, _ in },
                      onEpochEnd: (EpochReport) -> Void = { _ in }) throws -> [EpochReport] {
        precondition(dataset.classNames.count == gan.classCount && (dataset.channels, dataset.height, dataset.width) == (gan.channels, gan.height, gan.width),
                     "a GAN of \(gan.classCount) classes of \(gan.channels)×\(gan.height)×\(gan.width) trained on \(dataset.classNames.count) classes of \(dataset.channels)×\(dataset.height)×\(dataset.width)")
        precondition(!indices.isEmpty, "no image to train the GAN on")
        let sampler = ClassBalancedBatchSampler(labels: dataset.labels, indices: indices, batchSize: batchSize,
                                                batchesPerEpoch: stepsPerEpoch, seed: seed)
        let generatorOptimizer = Adam(parameters: gan.generator.parameters.map(\.parameter), learningRate: learningRate, beta1: beta1)
        let discriminatorOptimizer = Adam(parameters: gan.discriminator.parameters.map(\.parameter), learningRate: learningRate, beta1: beta1)
        let bce = BinaryCrossEntropyWithLogits()
        var reports: [EpochReport] = []
        for epoch in 1...epochs {
            let batches = sampler.batches(epoch: epoch)
            // Stream 0 of the seed, then the epoch: apart from the batches' streams (the epoch alone).
            var noise = SeededGenerator(seed: seed, stream: 0, epoch)
            var sums = (discriminator: 0.0, generator: 0.0, real: 0.0, generated: 0.0)
            for (step, batch) in batches.enumerated() {
                let labels = dataset.labels(batch)
                let real = Self.scaledToSymmetricRange(dataset.batch(batch))
                let z = Tensor.randomNormal(shape: [batch.count, gan.noiseDimension], using: &noise)
                let generated = gan.generator.forward(gan.generatorInput(noise: z, labels: labels), training: true)

                gan.discriminator.zeroGradients()
                let realLogits = gan.discriminator.forward(gan.discriminatorInput(images: real, labels: labels), training: true)
                let realLoss = bce.lossAndGradient(logits: realLogits, target: 1)
                _ = gan.discriminator.backward(realLoss.gradient, inputGradient: false)
                let fakeLogits = gan.discriminator.forward(gan.discriminatorInput(images: generated, labels: labels), training: true)
                let fakeLoss = bce.lossAndGradient(logits: fakeLogits, target: 0)
                _ = gan.discriminator.backward(fakeLoss.gradient, inputGradient: false)
                let discriminatorLoss = realLoss.loss + fakeLoss.loss
                guard discriminatorLoss.isFinite else {
                    throw TrainingError.nonFinite(epoch: epoch, batch: step + 1, NonFiniteValue(loss: discriminatorLoss, source: .loss))
                }
                discriminatorOptimizer.step()

                // The generator's step: its images judged by the updated discriminator, labelled real.
                gan.discriminator.zeroGradients()
                gan.generator.zeroGradients()
                let judged = gan.discriminator.forward(gan.discriminatorInput(images: generated, labels: labels), training: true)
                let generatorLoss = bce.lossAndGradient(logits: judged, target: 1)
                guard generatorLoss.loss.isFinite else {
                    throw TrainingError.nonFinite(epoch: epoch, batch: step + 1, NonFiniteValue(loss: generatorLoss.loss, source: .loss))
                }
                guard let inputGradient = gan.discriminator.backward(generatorLoss.gradient, inputGradient: true) else {
                    preconditionFailure("the discriminator returned no input gradient")
                }
                _ = gan.generator.backward(gan.imageGradient(inputGradient), inputGradient: false)
                generatorOptimizer.step()

                sums.discriminator += Double(discriminatorLoss)
                sums.generator += Double(generatorLoss.loss)
                sums.real += Self.meanProbability(realLogits)
                sums.generated += Self.meanProbability(fakeLogits)
                onStep(epoch, step + 1, batches.count, discriminatorLoss, generatorLoss.loss)
            }
            let n = Double(batches.count)
            let report = EpochReport(epoch: epoch, discriminatorLoss: sums.discriminator / n, generatorLoss: sums.generator / n,
                                     realScore: sums.real / n, generatedScore: sums.generated / n)
            reports.append(report)
            onEpochEnd(report)
        }
        return reports
    }

    /// `2x − 1`: images in [0, 1] to the generator's range [−1, 1].
    static func scaledToSymmetricRange(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, scalars: x.scalars.map { 2 * $0 - 1 })
    }

    /// The mean of `σ(z)` over a batch's logits.
    static func meanProbability(_ logits: Tensor) -> Double {
        logits.scalars.reduce(0.0) { $0 + 1 / (1 + Foundation.exp(-Double($1))) } / Double(logits.count)
    }
}
