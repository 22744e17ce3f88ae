import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// Resuming from any epoch's checkpoint, written to a file and read back, ends with the weights
/// of the uninterrupted run: bit for bit, early stopping, best-epoch restoring and the softmax
/// recipe's second stage and EasyEnsemble included.
@Suite("Resuming training from a checkpoint")
struct TrainingResumeTests {
    /// Runs `train` uninterrupted, saving the checkpoint its hook gets after every epoch; then
    /// resumes from each saved checkpoint in turn with `resume`. Every resumed run must end on
    /// the uninterrupted run's weights.
    func expectEveryResumeMatches(
        architecture: ModelDescription, classNames: [String],
        train: (_ network: Sequential, _ onEpochEnd: @escaping (Checkpoint) throws -> Void) throws -> Void,
        resume: (_ network: Sequential, _ checkpoint: Checkpoint) throws -> Void
    ) throws {
        let folder = try TemporaryFolder()
        let network = architecture.makeNetwork(seed: 3)
        var saved: [String] = []
        try train(network) { checkpoint in
            let path = "\(folder.path)/after-\(checkpoint.epoch).h5"
            try ModelArchive(network: network, architecture: architecture, classNames: classNames, checkpoint: checkpoint)
                .save(to: path)
            saved.append(path)
        }
        let uninterrupted = network.weightDigest
        try #require(saved.count >= 3, "a run long enough to resume in the middle")
        for path in saved {
            let archive = try ModelArchive.load(path)
            try resume(archive.network, try #require(archive.checkpoint))
            #expect(archive.network.weightDigest == uninterrupted, "resumed from \(path)")
        }
    }

    /// With validation, early stopping and the best epochs given back; without, the last
    /// epochs' weights, which early stopping would otherwise hide.
    @Test(arguments: [true, false])
    func softmaxRecipeWithEasyEnsemble(validates: Bool) throws {
        let data = stripes(count: 300, seed: 4)
        let imbalanced = Array((0..<220).filter { $0 % 2 == 0 }) + Array((0..<20).filter { $0 % 2 == 1 })
        let validation = validates ? ValidationImages(dataset: data, indices: Array(240..<300)) : nil
        var recipe = SoftmaxRecipe()
        recipe.epochs = 3
        recipe.batchSize = 16
        recipe.learningRate = 3e-3
        recipe.patience = 1
        recipe.secondStageEpochs = 2
        recipe.ensembleHeads = 2
        recipe.augmentation = [AugmentationStep(.gaussianNoise(std: 0.05))]
        let architecture = ModelDescription(backbone: .reference, head: .softmax(classCount: 2), channels: 1, height: 8, width: 8)
        try expectEveryResumeMatches(architecture: architecture, classNames: data.classNames) { network, save in
            _ = try recipe.train(network, on: data, indices: imbalanced, validation: validation) { _, checkpoint in
                try save(checkpoint)
            }
        } resume: { network, checkpoint in
            _ = try recipe.train(network, on: data, indices: imbalanced, validation: validation, resumingFrom: checkpoint)
            #expect(network.parameters.allSatisfy { $0.parameter.isTrainable }, "stage two gives the flags back")
        }
    }

    /// Mixed batches are drawn from the seed, the epoch and the batch: a resumed run mixes them as
    /// the uninterrupted one did, follows the cosine schedule from the epoch it resumes at, starts
    /// cRT's head afresh alike, and τ-normalises the head the same at the end.
    @Test func softmaxRecipeWithMixingAndTauNormalization() throws {
        let data = stripes(count: 200, seed: 6)
        var recipe = SoftmaxRecipe()
        recipe.epochs = 3
        recipe.batchSize = 16
        recipe.loss = .focal(gamma: 2)
        recipe.mixing = Mixup(alpha: 0.3, cutMixAlpha: 1)
        recipe.schedule = .cosine(period: 3)
        recipe.secondStageEpochs = 2
        recipe.reinitializesHead = true
        recipe.tauNormalization = .chosenOnValidation
        let validation = ValidationImages(dataset: data, indices: Array(160..<200))
        let architecture = ModelDescription(backbone: .reference, head: .softmax(classCount: 2), channels: 1, height: 8, width: 8)
        try expectEveryResumeMatches(architecture: architecture, classNames: data.classNames) { network, save in
            _ = try recipe.train(network, on: data, indices: Array(0..<160), validation: validation) { _, checkpoint in
                try save(checkpoint)
            }
        } resume: { network, checkpoint in
            _ = try recipe.train(network, on: data, indices: Array(0..<160), validation: validation, resumingFrom: checkpoint)
        }
    }

    @Test func softmaxRecipeWithASecondStage() throws {
        let data = stripes(count: 200, seed: 5)
        var recipe = SoftmaxRecipe()
        recipe.epochs = 2
        recipe.batchSize = 16
        recipe.secondStageEpochs = 2
        let architecture = ModelDescription(backbone: .reference, head: .softmax(classCount: 2), channels: 1, height: 8, width: 8)
        try expectEveryResumeMatches(architecture: architecture, classNames: data.classNames) { network, save in
            _ = try recipe.train(network, on: data, indices: Array(0..<200), validation: nil) { _, checkpoint in
                try save(checkpoint)
            }
        } resume: { network, checkpoint in
            _ = try recipe.train(network, on: data, indices: Array(0..<200), validation: nil, resumingFrom: checkpoint)
        }
    }

    /// The embedding head with dropout (the reference backbone) and a learning-rate schedule;
    /// with validation, early stopping and the best epoch given back at the end, or without.
    @Test(arguments: [true, false])
    func embeddingTrainer(validates: Bool) throws {
        let data = stripes(count: 160, seed: 6)
        let validation = validates ? Array(120..<160) : []
        let trainer = EmbeddingRecipe(epochs: 5, classesPerBatch: 2, imagesPerClass: 8, loss: TripletLoss(margin: 2.5),
                                      augmentation: AugmentationPipeline([AugmentationStep(.gaussianNoise(std: 0.05))], seed: 2),
                                      schedule: .step(stepSize: 1, gamma: 0.5), patience: 2, seed: 4)
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 4), channels: 1, height: 8, width: 8)
        try expectEveryResumeMatches(architecture: architecture, classNames: data.classNames) { network, save in
            try trainer.train(network, on: data, trainingIndices: Array(0..<120), validationIndices: validation) { _, checkpoint in
                try save(checkpoint)
            }
        } resume: { network, checkpoint in
            try trainer.train(network, on: data, trainingIndices: Array(0..<120), validationIndices: validation, resumingFrom: checkpoint)
        }
    }

    /// Label-free pre-training: its views are drawn from the epoch and batch, so a resumed run
    /// draws what the uninterrupted one drew.
    @Test func contrastivePretraining() throws {
        let data = stripes(count: 96, seed: 7)
        let recipe = PretrainingRecipe(epochs: 3, batchSize: 32, seed: 5)
        let architecture = ModelDescription(backbone: .reference, head: .projection(hidden: 8, dimension: 4), channels: 1, height: 8, width: 8)
        try expectEveryResumeMatches(architecture: architecture, classNames: data.classNames) { network, save in
            try recipe.train(network, on: data, indices: Array(0..<96)) { _, checkpoint in try save(checkpoint) }
        } resume: { network, checkpoint in
            try recipe.train(network, on: data, indices: Array(0..<96), resumingFrom: checkpoint)
        }
    }

    /// Supervised contrastive training distilled to a frozen teacher over pool images: the pool
    /// images of a step come from the epoch and batch.
    @Test func distilledEmbeddingTrainer() throws {
        let data = stripes(count: 160, seed: 8)
        let teacher = Network.make(backbone: .reference, head: .projection(hidden: 8, dimension: 6), channels: 1, height: 8, width: 8, seed: 9)
        let distillation = Distillation(teacher: teacher, weight: 0.5, pool: ValidationImages(dataset: data, indices: Array(100..<160)),
                                        poolImagesPerStep: 8, seed: 2)
        let trainer = EmbeddingRecipe(epochs: 3, classesPerBatch: 2, imagesPerClass: 8, loss: SupervisedContrastiveLoss(),
                                      distillation: distillation, seed: 4)
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 4), channels: 1, height: 8, width: 8)
        try expectEveryResumeMatches(architecture: architecture, classNames: data.classNames) { network, save in
            try trainer.train(network, on: data, trainingIndices: Array(0..<100)) { _, checkpoint in try save(checkpoint) }
        } resume: { network, checkpoint in
            try trainer.train(network, on: data, trainingIndices: Array(0..<100), resumingFrom: checkpoint)
        }
    }
}
