import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness train DATASET --output model.h5`: trains an embedding network (triplet loss) or a
    /// softmax classifier (cross-entropy or focal loss) with the imbalance remedies, and saves it.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train an embedding network (triplet loss) or a softmax classifier (cross-entropy, focal) and save it as an HDF5 model.",
            discussion: """
            The model keeps the weights of its best validation epoch (balanced accuracy for the softmax \
            head, recall@1 for the embedding head; the last epoch without validation images), and its \
            file records every epoch and the one kept.

            A checkpoint (weights, optimizer state, generators, epoch, best epoch) is written after every \
            epoch to --checkpoint (default: the output's name with .checkpoint.h5). --resume continues from \
            it: given the same options, the model ends with the weights of an uninterrupted run. Ctrl-C \
            prints the checkpoint's epoch and the command that resumes, and exits with status 130. A NaN or \
            infinite loss or gradient stops training with the epoch, batch and layer named; the last \
            checkpoint stays as it was.

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
            let recipe: Recipe = switch architecture.head {
            case .embedding(let dimension): .embedding(try embeddingRecipe(channels: dataset.channels), dimension: dimension)
            case .softmax: .softmax(softmaxRecipe())
            }
            let settings = recipe.settings(backbone: model.backbone)
            let totalEpochs = recipe.totalEpochs
            let counts = dataset.classCounts(of: selection.train)
            var network = architecture.makeNetwork(seed: runtime.seed)
            var epochs: [EpochReport] = []
            var resumed: Checkpoint?
            if resume {
                let saved = try ModelArchive.load(checkpointPath)
                guard saved.architecture == architecture, let checkpoint = saved.checkpoint else {
                    throw CommandError("--resume: \(checkpointPath) is not a checkpoint of this architecture (the \(saved.architecture.backbone.rawValue) backbone, \(saved.architecture.head)).")
                }
                guard checkpoint.epoch <= totalEpochs else {
                    throw CommandError("--resume: \(checkpointPath) is after epoch \(checkpoint.epoch), past the \(totalEpochs) epochs these options train for.")
                }
                guard let earlier = saved.training else {
                    throw CommandError("--resume: \(checkpointPath) does not record how its run was trained (was it written by likeness train?).")
                }
                if let earlierSettings = earlier.settings {
                    let differences = settings.differences(from: earlierSettings)
                        + (earlier.trainingClassCounts == counts ? [] : ["training images per class: \(earlier.trainingClassCounts) → \(counts)"])
                    if !differences.isEmpty {
                        printDiagnostic("train: warning: the checkpoint's run (\(earlier.command)) differs: \(differences.joined(separator: "; ")); "
                                        + "the result will differ from an uninterrupted run")
                    }
                } else {
                    printDiagnostic("train: warning: the checkpoint records no settings to check these options against (it predates them): "
                                    + "give the options of its run (\(earlier.command))")
                }
                network = saved.network
                epochs = earlier.epochs
                resumed = checkpoint
                printDiagnostic("train: resuming from \(checkpointPath) after epoch \(checkpoint.epoch)")
            }
            printDiagnostic("train: \(model.backbone.rawValue) backbone, \(model.headName) head, \(selection.train.count) training and \(selection.validation.count) validation images, \(Parallel.threadCount) threads")

            func record(keptEpoch: Int?) -> TrainingRecord {
                TrainingRecord(command: commandLine, trainingClassCounts: counts, settings: settings, epochs: epochs, keptEpoch: keptEpoch)
            }
            var lastCheckpoint = resumed?.epoch
            // Ctrl-C prints the command that resumes from the last checkpoint, and exits 130.
            let interruption = TrainingInterruption(arguments: Array(CommandLine.arguments.dropFirst()), checkpoint: checkpointPath,
                                                    epoch: lastCheckpoint)
            defer { interruption.cancel() }
            func writeCheckpoint(_ report: EpochReport, _ checkpoint: Checkpoint) throws {
                epochs.append(report)
                try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames,
                                 training: record(keptEpoch: checkpoint.best?.epoch ?? checkpoint.epoch), checkpoint: checkpoint)
                    .save(to: checkpointPath)
                lastCheckpoint = checkpoint.epoch
                interruption.checkpointSaved(epoch: checkpoint.epoch)
            }

            let observer = ConsoleTrainingObserver()
            let history: TrainingHistory
            do {
                switch recipe {
                case .embedding(let recipe, _):
                    let (combined, validation) = selection.validationInTrainingSet()
                    history = try recipe.train(network, on: combined, trainingIndices: selection.train, validationIndices: validation,
                                               resumingFrom: resumed, observer: observer, onEpochEnd: writeCheckpoint)
                case .softmax(let recipe):
                    let validation = selection.validation.isEmpty ? nil : ValidationImages(dataset: selection.validationSet, indices: selection.validation)
                    history = try recipe.train(network, on: dataset, indices: selection.train, validation: validation,
                                               resumingFrom: resumed, observer: observer, onEpochEnd: writeCheckpoint)
                }
            } catch TrainingError.tooFewImages(let label, let className, let count) {
                throw CommandError("Class \(label) (\(className)) has \(count) training image\(count == 1 ? "" : "s"): triplet training needs at least 2 "
                                   + "of every class (an anchor and a positive). Add images, or leave it out with --exclude-classes.")
            } catch TrainingError.tooFewClasses(let found) {
                throw CommandError("Triplet training needs training images of at least 2 classes, and \(found) class\(found == 1 ? " has" : "es have") "
                                   + "them (see --exclude-classes).")
            } catch let error as TrainingError {
                printDiagnostic("train: \(output) was not written; "
                                + (lastCheckpoint.map { "the last checkpoint, \(checkpointPath) after epoch \($0), is intact: --resume continues from it" }
                                   ?? "the run stopped before its first checkpoint"))
                throw error
            }

            try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames, training: record(keptEpoch: history.keptEpoch))
                .save(to: output)
            printDiagnostic("train: " + recipe.keptEpochLine(history, of: epochs.last?.epoch ?? 0))
            print("wrote \(output) (model digest \(network.weightDigest))")
        }

        /// The embedding recipe these options describe.
        func embeddingRecipe(channels: Int) throws -> EmbeddingRecipe {
            EmbeddingRecipe(epochs: optimisation.epochs, classesPerBatch: triplet.classesPerBatch, imagesPerClass: triplet.imagesPerClass,
                            loss: triplet.loss, augmentation: try imbalance.augmentationPipeline(channels: channels, seed: runtime.seed),
                            learningRate: optimisation.learningRate, patience: optimisation.patience, seed: runtime.seed)
        }

        /// The softmax recipe these options describe.
        func softmaxRecipe() -> SoftmaxRecipe {
            var recipe = SoftmaxRecipe()
            recipe.backbone = model.backbone
            recipe.epochs = optimisation.epochs
            recipe.batchSize = optimisation.batchSize
            recipe.learningRate = optimisation.learningRate
            recipe.patience = optimisation.patience
            recipe.seed = runtime.seed
            recipe.loss = softmax.loss == .focal ? .focal(gamma: softmax.gamma) : .crossEntropy
            imbalance.apply(to: &recipe)
            return recipe
        }

        /// This run's command line, as the model file records it.
        var commandLine: String {
            (["likeness"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        }
    }
}

/// The recipe of the head being trained.
private enum Recipe {
    case embedding(EmbeddingRecipe, dimension: Int)
    case softmax(SoftmaxRecipe)

    func settings(backbone: Backbone) -> TrainingSettings {
        switch self {
        case let .embedding(recipe, dimension): TrainingSettings(recipe, backbone: backbone, dimension: dimension)
        case .softmax(let recipe): TrainingSettings(recipe)
        }
    }

    /// The epochs a run trains for, those of all stages.
    var totalEpochs: Int {
        switch self {
        case .embedding(let recipe, _): recipe.epochs
        case .softmax(let recipe): recipe.totalEpochs
        }
    }

    /// `kept epoch 7 of 10, validation recall@1 0.9100`: which epoch's weights the model has,
    /// `last` the last epoch trained.
    func keptEpochLine(_ history: TrainingHistory, of last: Int) -> String {
        var scoreName = "recall@1", heads = 0
        if case .softmax(let recipe) = self { (scoreName, heads) = ("balanced accuracy", recipe.ensembleHeads) }
        guard let kept = history.keptEpoch else { return "kept the mean of the \(heads) EasyEnsemble heads" }
        return "kept epoch \(kept) of \(last)"
            + (history.keptScore.map { String(format: ", validation \(scoreName) %.4f", $0) } ?? " (no validation images: the last)")
            + (history.stoppedEarly ? " (stopped early)" : "")
    }
}
