import LikenessCore
import LikenessData

/// How a softmax classifier is trained on an imbalanced set: the loss and the remedies.
///
/// Remedies act at three places: on the training index list (random over- or under-sampling,
/// SMOTE's synthetic images), on the batches (class-balanced sampling, augmentation of the rare
/// classes) and on the loss (class weights, focal loss). Two-stage training re-trains the head
/// alone, on class-balanced batches over frozen features, after the first stage; EasyEnsemble
/// trains several heads instead, each on its own balanced random under-sample, and averages them.
public struct SoftmaxRecipe: Sendable {
    public enum Loss: Sendable, Equatable {
        case crossEntropy
        /// Focal loss with focusing γ; α from the class weighting (or 1).
        case focal(gamma: Float)
    }

    public enum ClassWeighting: Sendable, Equatable {
        case none
        /// `n / (C · n_c)`.
        case balanced
        /// `(1 − β) / (1 − β^{n_c})`, summing to C.
        case effectiveNumber(beta: Double)
    }

    public enum Resampling: Sendable, Equatable {
        case none
        case over(SamplingStrategy)
        case under(SamplingStrategy)
        case smote(SamplingStrategy, neighbours: Int)
    }

    public enum Sampler: String, Sendable, CaseIterable {
        case shuffled, classBalanced = "class-balanced"
    }

    public var backbone: Backbone = .reference
    public var epochs = 10
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 0
    public var loss: Loss = .crossEntropy
    public var classWeighting: ClassWeighting = .none
    public var resampling: Resampling = .none
    public var sampler: Sampler = .shuffled
    public var augmentation: [AugmentationStep] = []
    /// Augment only the images of classes with fewer training images than this.
    public var augmentBelow: Int?
    /// Epochs of the second stage (head only, class-balanced batches), or 0 for none.
    public var secondStageEpochs = 0
    /// EasyEnsemble (Liu et al. 2009) in the second stage: this many heads, each trained for
    /// `secondStageEpochs` on a balanced random under-sample over the frozen backbone, then
    /// averaged. The heads are linear, so averaging their logits is one head with their mean
    /// weights and biases: the model keeps its shape. 0: a single class-balanced head.
    public var ensembleHeads = 0
    /// Early stopping: epochs without a better validation score.
    public var patience: Int?

    public init() {}

    /// The loss for training images with these class counts.
    public func makeLoss(classCounts: [Int]) -> any ClassificationLoss {
        let weights: [Float]?
        switch classWeighting {
        case .none: weights = nil
        case .balanced: weights = ClassWeights.balanced(classCounts: classCounts)
        case .effectiveNumber(let beta): weights = ClassWeights.effectiveNumber(classCounts: classCounts, beta: beta)
        }
        switch loss {
        case .crossEntropy: return SoftmaxCrossEntropy(classWeights: weights)
        case .focal(let gamma): return FocalLoss(gamma: gamma, alpha: weights.map { .perClass(meanOne($0)) } ?? .scalar(1))
        }
    }

    /// Weights divided by their mean over the classes that have any (PROTOCOL.md's focal α).
    private func meanOne(_ w: [Float]) -> [Float] {
        let present = w.filter { $0 > 0 }
        let mean = present.reduce(0, +) / Float(max(present.count, 1))
        return w.map { $0 / mean }
    }

    /// The training set after resampling: the dataset (with SMOTE's synthetic images appended)
    /// and the indices to train on.
    public func resampled(_ dataset: Dataset, indices: [Int]) throws -> (dataset: Dataset, indices: [Int]) {
        switch resampling {
        case .none:
            return (dataset, indices)
        case .over(let strategy):
            return (dataset, try RandomOverSampler(strategy: strategy, seed: seed).resample(dataset, indices: indices))
        case .under(let strategy):
            return (dataset, try RandomUnderSampler(strategy: strategy, seed: seed).resample(dataset, indices: indices))
        case .smote(let strategy, let k):
            let grown = try SMOTE(strategy: strategy, neighbours: k, seed: seed).resample(dataset.subset(indices))
            return (grown, Array(0..<grown.count))
        }
    }

    /// Trains `model` (a `.softmax` head on `backbone`) and returns the reports of every epoch of
    /// both stages.
    ///
    /// - Parameters:
    ///   - optimizer: updates `model`'s parameters in the first stage (Adam at `learningRate` when nil).
    ///   - startEpoch: the first-stage epochs already done, to resume from a checkpoint.
    public func train(_ model: Sequential, on dataset: Dataset, indices: [Int], validation: ValidationImages?,
                      optimizer: (any Optimizer)? = nil, startEpoch: Int = 0, showProgress: Bool = true,
                      onEpoch: (EpochReport) throws -> Void = { _ in }) throws -> [EpochReport] {
        let (trainSet, trainIndices) = try resampled(dataset, indices: indices)
        let counts = trainSet.classCounts(of: trainIndices)
        let step = ClassifierStep(model: model,
                                  optimizer: optimizer ?? Adam(parameters: model.parameters.map(\.parameter), learningRate: learningRate),
                                  loss: makeLoss(classCounts: counts))
        let pipeline = augmentation.isEmpty ? nil : AugmentationPipeline(
            augmentation, scope: augmentBelow.map { .classesWithFewerImages(than: $0, classCounts: counts) } ?? .allImages, seed: seed)
        var trainer = ClassifierTrainer(epochs: epochs, augmentation: pipeline, validation: validation,
                                        patience: validation == nil ? nil : patience, showProgress: showProgress)
        var reports = startEpoch >= epochs ? [] : try trainer.fit(
            step, on: trainSet, sampler: makeSampler(trainSet, trainIndices, kind: sampler, seed: seed),
            startEpoch: startEpoch, onEpoch: onEpoch)
        guard secondStageEpochs > 0 else { return reports }

        // Stage two: the head alone, on class-balanced batches over the frozen backbone.
        let head = model.layers.last!.name
        for (name, p) in model.parameters { p.isTrainable = name.hasPrefix(head + ".") }
        defer { for (_, p) in model.parameters { p.isTrainable = true } }
        trainer.epochs = secondStageEpochs
        trainer.augmentation = nil
        var offset = epochs
        func trainHead(sampler: any BatchSampler) throws {
            let headStep = ClassifierStep(model: model,
                                          optimizer: Adam(parameters: model.parameters.map(\.parameter), learningRate: learningRate),
                                          loss: SoftmaxCrossEntropy())
            let base = offset
            reports += try trainer.fit(headStep, on: trainSet, sampler: sampler) {
                var r = $0
                r.epoch += base
                try onEpoch(r)
            }.map { var r = $0; r.epoch += base; return r }
            offset += secondStageEpochs
        }
        guard ensembleHeads > 0 else {
            try trainHead(sampler: makeSampler(trainSet, trainIndices, kind: .classBalanced, seed: seed &+ 1))
            return reports
        }
        let headParameters = model.parameters.filter { $0.name.hasPrefix(head + ".") }.map(\.parameter)
        let start = headParameters.map(\.value)
        var sums = start.map { Tensor(shape: $0.shape) }
        for k in 0..<ensembleHeads {
            for (p, value) in zip(headParameters, start) { p.value = value }
            let sample = try RandomUnderSampler(strategy: .auto, seed: seed &+ 2 &+ UInt64(k)).resample(trainSet, indices: trainIndices)
            try trainHead(sampler: ShuffledBatchSampler(indices: sample, batchSize: batchSize, seed: seed &+ 2 &+ UInt64(k)))
            for (i, p) in headParameters.enumerated() {
                sums[i].withUnsafeMutableBufferPointer { s in p.value.withUnsafeBufferPointer { v in for j in s.indices { s[j] += v[j] } } }
            }
        }
        for (p, sum) in zip(headParameters, sums) {
            p.value = Tensor(shape: sum.shape, scalars: sum.scalars.map { $0 / Float(ensembleHeads) })
        }
        return reports
    }

    private func makeSampler(_ data: Dataset, _ indices: [Int], kind: Sampler, seed: UInt64) -> any BatchSampler {
        switch kind {
        case .shuffled: return ShuffledBatchSampler(indices: indices, batchSize: batchSize, seed: seed)
        case .classBalanced: return ClassBalancedBatchSampler(labels: data.labels, indices: indices, batchSize: batchSize, seed: seed)
        }
    }
}
