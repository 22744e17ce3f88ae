import Foundation
import Likeness

/// PROTOCOL.md's data and trained networks, shared by the measures of one run: Fashion-MNIST is
/// read once, and the embedding network trained on FMNIST-LT serves both accuracy and query.
final class ProtocolData {
    let training: TrainingOptions
    private var trainingFile: Dataset?
    private var testFile: Dataset?
    private var embedder: ModelArchive?

    init(training: TrainingOptions) {
        self.training = training
    }

    /// Whether Debian's dataset-fashion-mnist is installed; without it the speed measures run on
    /// random images (their speed does not depend on the pixels) and the accuracy ones cannot run.
    static var isInstalled: Bool { FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory) }

    /// Fashion-MNIST's training file (60,000 images).
    func train() throws -> Dataset {
        if trainingFile == nil { trainingFile = try FashionMNIST.load(split: .train) }
        return trainingFile!
    }

    /// Fashion-MNIST's test file (10,000 images): PROTOCOL.md's test set.
    func test() throws -> Dataset {
        if testFile == nil { testFile = try FashionMNIST.load(split: .test) }
        return testFile!
    }

    /// FMNIST-LT's indices into the training file, without the classes `excluded`.
    func longTail(excluding excluded: [Int] = []) throws -> [Int] {
        let train = try train()
        return try FashionMNIST.longTailIndices(labels: train.labels).filter { !excluded.contains(train.labels[$0]) }
    }

    /// The validation indices into the training file (the last 500 of each class), without the classes `excluded`.
    func validation(excluding excluded: [Int] = []) throws -> [Int] {
        let train = try train()
        return FashionMNIST.validationIndices(labels: train.labels).filter { !excluded.contains(train.labels[$0]) }
    }

    /// A description of the training, for the figures' details.
    func trainingDetails(head: String) -> [String: Any] {
        var details: [String: Any] = ["training_set": "FMNIST-LT", "epochs": training.epochs, "seed": Int(training.seed)]
        if head == "embedding" { details["miner"] = training.miner.rawValue }
        return details
    }

    /// The reference network with its embedding head, trained as `likeness train fmnist-lt
    /// --exclude-classes …` trains it: triplet loss (margin 0.2, `--miner`), PK batches of 8 × 16,
    /// Adam 1e-3, validation recall@1 on the validation images each epoch, the best epoch's weights kept.
    ///
    /// The one-shot recipes change the loss (`loss`), start from a pre-trained backbone
    /// (`initial`, as `train --init`, whose backbone the network takes) and distil to a
    /// pre-trained network (`distillation`, as `train --distill`); `seed` replaces `--seed`.
    /// `discovered` (`Dataset.appendingClasses`), when given, is the training file followed by images
    /// found to form new classes; those copies are trained on as well. Returns the network and its
    /// training history (the kept epoch's validation recall@1).
    func trainEmbedding(excluding excluded: [Int], seed: UInt64? = nil, loss: (any MetricLoss)? = nil, initial: ModelArchive? = nil,
                        distillation: Distillation? = nil, discovered: Dataset? = nil) throws -> (model: ModelArchive, history: TrainingHistory) {
        let train = try train()
        let dataset = discovered ?? train
        let seed = seed ?? training.seed
        let backbone = initial?.architecture.backbone ?? .reference
        let network = Network.make(backbone: backbone, head: .embedding(dimension: 64), channels: 1, height: 28, width: 28, seed: seed)
        if let initial { try network.copyWeights(from: initial.network, layers: backbone.layerNames) }
        let history = try EmbeddingRecipe(epochs: training.epochs, loss: loss ?? training.miner.loss, distillation: distillation, seed: seed)
            .train(network, on: dataset, trainingIndices: try longTail(excluding: excluded) + Array(train.count..<dataset.count),
                   validationIndices: try validation(excluding: excluded), observer: ConsoleTrainingObserver())
        return (try Self.archive(network, backbone: backbone, head: .embedding(dimension: 64)), history)
    }

    /// The 55,000 training images that are not validation images: the pool setting's unlabelled images.
    func pool() throws -> [Int] {
        FashionMNIST.trainingPoolIndices(labels: try train().labels)
    }

    /// The embedding network trained on the whole of FMNIST-LT, trained once per run.
    func protocolEmbedder() throws -> ModelArchive {
        if embedder == nil {
            printDiagnostic("training the embedding network on FMNIST-LT, \(training.epochs) epochs")
            embedder = try trainEmbedding(excluding: []).model
        }
        return embedder!
    }

    /// The reference network with its softmax head, trained as `likeness train fmnist-lt --head softmax
    /// --loss focal --class-weights balanced` trains it: focal loss γ 2 with the balanced α divided by
    /// its mean, shuffled batches of 128, Adam 1e-3, validated each epoch, the best epoch kept.
    /// The softmax network trained on FMNIST-LT with `recipe`, and its training history (the kept
    /// epoch's validation balanced accuracy), as `likeness train --head softmax` trains it.
    func trainSoftmax(_ recipe: AccuracyRecipe) throws -> (model: ModelArchive, history: TrainingHistory) {
        let train = try train()
        let network = Network.make(backbone: .reference, head: .softmax(classCount: 10), channels: 1, height: 28, width: 28,
                                   seed: training.seed)
        let history = try recipe.recipe(epochs: training.epochs, seed: training.seed)
            .train(network, on: train, indices: try longTail(), validation: try validationImages(), observer: ConsoleTrainingObserver())
        return (try Self.archive(network, head: .softmax(classCount: 10)), history)
    }

    /// Fits `OffsetCalibration`'s logit offsets on the validation images over a trained softmax
    /// network, as `trainSoftmax` does for a recipe that calibrates them, and adds them to its head.
    func calibrateOffsets(_ model: ModelArchive) throws -> OffsetCalibration {
        OffsetCalibration.calibrate(model.network, on: try validationImages())
    }

    /// The validation images softmax training keeps its best epoch on and fits offsets on.
    private func validationImages() throws -> ValidationImages {
        ValidationImages(dataset: try train(), indices: try validation())
    }

    static func archive(_ network: Sequential, backbone: Backbone = .reference, head: Head) throws -> ModelArchive {
        try ModelArchive(network: network, architecture: ModelDescription(backbone: backbone, head: head, channels: 1, height: 28, width: 28),
                         classNames: FashionMNIST.classNames)
    }
}
