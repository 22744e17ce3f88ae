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
            A checkpoint (weights, optimizer state, generators, epoch, best epoch) is written after every \
            epoch to --checkpoint (default: the output's name with .checkpoint.h5). --resume continues from \
            it: given the same options, the model ends with the weights of an uninterrupted run. A NaN or \
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
            let recipe = softmaxRecipe()
            var totalEpochs = optimisation.epochs
            if case .softmax = architecture.head { totalEpochs = recipe.totalEpochs }
            var network = architecture.makeNetwork(seed: runtime.seed)
            var history: [String] = []
            var resumed: Checkpoint?
            if resume {
                let saved = try ModelArchive.load(checkpointPath)
                guard saved.architecture == architecture, let checkpoint = saved.checkpoint else {
                    throw CommandError("--resume: \(checkpointPath) is not a checkpoint of this architecture (\(saved.architecture.backbone), \(saved.architecture.head)).")
                }
                guard checkpoint.epoch <= totalEpochs else {
                    throw CommandError("--resume: \(checkpointPath) is after epoch \(checkpoint.epoch), past the \(totalEpochs) epochs these options train for.")
                }
                let earlier: TrainingSettings
                do {
                    earlier = try saved.trainingSettings(as: TrainingSettings.self)
                } catch {
                    throw CommandError("--resume: \(checkpointPath) does not record how its run was trained (was it written by likeness train?): \(error)")
                }
                if repeatedOptions(of: earlier.command) != repeatedOptions(of: commandLine) {
                    printDiagnostic("train: warning: the checkpoint's run had other options (\(earlier.command)); the result will differ from an uninterrupted run")
                }
                network = saved.network
                history = earlier.epochs
                resumed = checkpoint
                printDiagnostic("train: resuming from \(checkpointPath) after epoch \(checkpoint.epoch)")
            }
            printDiagnostic("train: \(model.backbone) backbone, \(model.headName) head, \(selection.train.count) training and \(selection.validation.count) validation images, \(Parallel.threadCount) threads")

            let counts = dataset.classCounts(of: selection.train)
            var lastCheckpoint = resumed?.epoch
            func writeCheckpoint(_ checkpoint: Checkpoint, report: some Encodable) throws {
                history.append(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
                try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames,
                                 trainingSettings: settings(history, classCounts: counts), checkpoint: checkpoint)
                    .save(to: checkpointPath)
                lastCheckpoint = checkpoint.epoch
            }

            do {
                switch architecture.head {
                case .embedding:
                    let (combined, validation) = selection.validationInTrainingSet()
                    let trainer = EmbeddingTrainer(epochs: optimisation.epochs, classesPerBatch: triplet.classesPerBatch,
                                                   imagesPerClass: triplet.imagesPerClass, loss: triplet.loss,
                                                   augmentation: try imbalance.augmentationPipeline(channels: dataset.channels, seed: runtime.seed),
                                                   earlyStoppingPatience: optimisation.patience, seed: runtime.seed)
                    let optimizer = resumed == nil ? Adam(parameters: network.parameters.map(\.parameter), learningRate: optimisation.learningRate) : nil
                    try trainer.fit(network, optimizer: optimizer, on: combined, trainingIndices: selection.train,
                                    validationIndices: validation, resumingFrom: resumed) { report, checkpoint in
                        try writeCheckpoint(checkpoint, report: report)
                    }
                case .softmax:
                    let validation = selection.validation.isEmpty ? nil : ValidationImages(dataset: selection.validationSet, indices: selection.validation)
                    _ = try recipe.train(network, on: dataset, indices: selection.train, validation: validation, resumingFrom: resumed) { report, checkpoint in
                        try writeCheckpoint(checkpoint, report: report)
                    }
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

            try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames,
                             trainingSettings: settings(history, classCounts: counts))
                .save(to: output)
            print("wrote \(output) (model digest \(network.weightDigest))")
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

        /// What of a recorded command line a resumed run must repeat to end as an uninterrupted one
        /// would: all but `--resume` and, without a second stage (whose first epoch `--epochs`
        /// places), `--epochs`: more epochs extend a run without changing those already done.
        func repeatedOptions(of command: String) -> String {
            let epochsMayGrow = imbalance.secondStage == 0
            var words: [Substring] = []
            var skipsNext = false
            for word in command.split(separator: " ") {
                defer { skipsNext = epochsMayGrow && word == "--epochs" }
                guard !skipsNext, word != "--resume", !(epochsMayGrow && (word == "--epochs" || word.hasPrefix("--epochs="))) else { continue }
                words.append(word)
            }
            return words.joined(separator: " ")
        }

        /// What the model file records of how it was trained: the command line and each epoch's report.
        func settings(_ epochs: [String], classCounts: [Int]) -> TrainingSettings {
            TrainingSettings(command: commandLine, trainingClassCounts: classCounts, epochs: epochs)
        }
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
