import ArgumentParser
import Foundation
import Likeness

/// `likeness train DATASET --output model.h5`: trains an embedding network (triplet loss) or a
/// softmax classifier (cross-entropy or focal loss) with the imbalance remedies, and saves it.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an embedding network (triplet loss) or a softmax classifier (cross-entropy, focal) and save it as an HDF5 model.",
        discussion: """
        A checkpoint (weights, optimizer state, generators, epoch) is written after every epoch to \
        --checkpoint (default: the output's name with .checkpoint.h5); --resume continues from it.

        Examples:
          likeness train fmnist-lt --exclude-classes 5,7 -o embedder.h5
          likeness train fmnist-lt --head softmax --loss focal --class-weights balanced -o focal.h5
        """
    )

    @OptionGroup(title: "Data") var data: TrainingDataOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions
    @OptionGroup(title: "Embedding head: triplet loss") var triplet: TripletOptions
    @OptionGroup(title: "Softmax head: loss") var softmax: SoftmaxLossOptions
    @OptionGroup(title: "Imbalance remedies (augmentation for both heads, the rest for the softmax head)") var imbalance: ImbalanceOptions
    @OptionGroup(title: "Runtime") var runtime: RuntimeOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The model file to write (.h5).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Where to write the checkpoint after each epoch (default: OUTPUT with .checkpoint.h5).", valueName: "file"))
    var checkpoint: String?

    @Flag(help: "Continue from the checkpoint instead of starting afresh.")
    var resume = false

    func validate() throws {
        guard [".h5", ".hdf5"].contains(where: output.lowercased().hasSuffix) else {
            throw ValidationError("--output must name an HDF5 file ending in .h5 or .hdf5, not '\(output)'.")
        }
        if resume && !FileManager.default.fileExists(atPath: checkpointPath) {
            throw ValidationError("--resume: no checkpoint at \(checkpointPath) (give its path with --checkpoint).")
        }
    }

    var checkpointPath: String {
        checkpoint ?? (output as NSString).deletingPathExtension + ".checkpoint.h5"
    }

    func run() throws {
        runtime.apply()
        let selection = try data.load(seed: runtime.seed)
        let dataset = selection.dataset
        let architecture = try ModelDescription.checked(
            backbone: model.backbone, head: model.head(classCount: dataset.classNames.count),
            channels: dataset.channels, height: dataset.height, width: dataset.width)
        var network = architecture.makeNetwork(seed: runtime.seed)
        var optimizer: any Optimizer = Adam(parameters: network.parameters.map(\.parameter), learningRate: optimisation.learningRate)
        var done = 0
        if resume {
            let saved = try ModelArchive.load(checkpointPath)
            guard saved.architecture == architecture, let state = saved.checkpoint else {
                throw ValidationError("--resume: \(checkpointPath) is not a checkpoint of this architecture (\(saved.architecture.backbone), \(saved.architecture.head)).")
            }
            network = saved.network
            optimizer = state.optimizer.makeOptimizer(for: network)
            done = state.epoch
            printDiagnostic("train: resuming from \(checkpointPath) after epoch \(done)")
        }
        printDiagnostic("train: \(model.backbone) backbone, \(model.headName) head, \(selection.train.count) training and \(selection.validation.count) validation images, \(Parallel.threadCount) threads")

        let counts = dataset.classCounts(of: selection.train)
        var history: [String] = []
        func writeCheckpoint(afterEpoch epoch: Int, report: some Encodable) throws {
            history.append(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
            try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames,
                             trainingSettings: settings(history, classCounts: counts),
                             checkpoint: Checkpoint(epoch: epoch, optimizer: OptimizerState(capturing: optimizer, of: network)))
                .save(to: checkpointPath)
        }

        switch architecture.head {
        case .embedding:
            let (combined, validation) = selection.validationInTrainingSet()
            let trainer = EmbeddingTrainer(epochs: optimisation.epochs, classesPerBatch: triplet.classesPerBatch,
                                           imagesPerClass: triplet.imagesPerClass, loss: triplet.loss,
                                           augmentation: try imbalance.augmentationPipeline(channels: dataset.channels, seed: runtime.seed),
                                           earlyStoppingPatience: optimisation.patience, seed: runtime.seed)
            guard done < optimisation.epochs else { break }
            try trainer.fit(network, optimizer: optimizer, on: combined, trainingIndices: selection.train,
                            validationIndices: validation, startEpoch: done) { report in
                try writeCheckpoint(afterEpoch: report.epoch, report: report)
            }
        case .softmax:
            var recipe = SoftmaxRecipe()
            recipe.backbone = model.backbone
            recipe.epochs = optimisation.epochs
            recipe.batchSize = optimisation.batchSize
            recipe.learningRate = optimisation.learningRate
            recipe.patience = optimisation.patience
            recipe.seed = runtime.seed
            recipe.loss = softmax.loss == .focal ? .focal(gamma: softmax.gamma) : .crossEntropy
            imbalance.apply(to: &recipe)
            let validation = selection.validation.isEmpty ? nil : ValidationImages(dataset: selection.validationSet, indices: selection.validation)
            try recipe.train(network, on: dataset, indices: selection.train, validation: validation,
                             optimizer: optimizer, startEpoch: done) { report in
                try writeCheckpoint(afterEpoch: report.epoch + 1, report: report)
            }
        }

        try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames,
                         trainingSettings: settings(history, classCounts: counts))
            .save(to: output)
        print("wrote \(output) (model digest \(network.weightDigest))")
    }

    /// What the model file records of how it was trained: the command line and each epoch's report.
    func settings(_ epochs: [String], classCounts: [Int]) -> TrainingSettings {
        TrainingSettings(command: (["likeness"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
                         trainingClassCounts: classCounts, epochs: epochs)
    }
}

/// What a model file records of how it was trained.
struct TrainingSettings: Codable {
    var command: String
    /// Training images per class (before resampling): 0 for a class the model never saw.
    var trainingClassCounts: [Int]
    /// Each epoch's report, as JSON.
    var epochs: [String]
}
