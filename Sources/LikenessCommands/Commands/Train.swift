import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness train DATASET --output model.h5`: trains an embedding network (a metric loss) or a
    /// softmax classifier (cross-entropy or focal loss) with the imbalance remedies, and saves it.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train an embedding network (triplet, supervised contrastive) or a softmax classifier (cross-entropy, focal) and save it as an HDF5 model.",
            discussion: """
            The model keeps the weights of its best validation epoch (balanced accuracy for the softmax \
            head, recall@1 for the embedding head; the last epoch without validation images), and its \
            file records every epoch and the one kept.

            A checkpoint (weights, optimizer state, generators, epoch, best epoch) is written after every \
            epoch to --checkpoint (default: the output's name with .checkpoint.h5). --resume continues from \
            it: given the same options, the model ends with the weights of an uninterrupted run. Ctrl-C \
            prints the checkpoint's epoch and the command that resumes, and exits with status 130. A run \
            holds the lock files OUTPUT.lock and CHECKPOINT.lock: a second train writing either waits for it.

            Before loading anything the output's folder, --image-size and -K (at most \(TripletOptions.maximumImagesPerClass)) \
            are checked; once the images are loaded, -P (at most the classes of 2 or more images) and \
            the memory the batches and resampled images need, which must fit in what the process may \
            use (the smallest of its address-space limit, its cgroup's limit and the available memory). A NaN or \
            infinite loss or gradient stops training with the epoch, batch and layer named; the last \
            checkpoint stays as it was.

            An image folder is read at its most common image size, scaled down (aspect ratio kept) to \
            at most \(ImageFolderInput.defaultMaximumSide) on the longer side, grayscale when every image \
            is gray, else RGB (--image-size, --grayscale, --rgb choose others); the model records them. \
            A class with one training image is left out of training and validation by both heads (0 \
            images in the model's record) and the command that enrols it one-shot is printed: its image \
            is the one to enrol, never a validation image. The classes without a validation image (the \
            10% split gives none to a class of fewer than 5 images) are named: their recall is not in the \
            validation score. --validation matches classes by name: for the embedding head, the images \
            of classes the training set lacks are measured apart (recall@1 of untrained classes, each \
            epoch and in the record) and do not choose the epoch kept; the softmax head leaves them out.

            Examples:
              likeness train fmnist-lt --exclude-classes 5,7 -o embedder.h5
              likeness train shapes/ --exclude-classes ring -o embedder.h5
              likeness train fmnist-lt --head softmax --loss focal --class-weights balanced -o focal.h5
              likeness train fmnist-lt --head softmax --synthetic synthetic.h5 -o gan.h5
              likeness train fmnist-lt --head softmax --loss balanced-softmax --mixup 0.3 --epochs 20 -o mixup.h5
              likeness train fmnist-lt --head softmax --second-stage 5 --tau-normalize auto -o crt.h5
              likeness train fmnist-lt --exclude-classes 5,7 --loss supcon --init pretrained.h5 \\
                --distill pretrained.h5 --distill-pool fashion-mnist:pool -o embedder.h5
            """
        )

        @OptionGroup(title: "Data") var data: TrainingDataOptions
        @OptionGroup(title: "Model") var model: ModelOptions
        @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions
        @OptionGroup(title: "Loss") var loss: LossOptions
        @OptionGroup(title: "Embedding head: triplet loss and PK batches") var triplet: TripletOptions
        @OptionGroup(title: "Starting from a pre-trained network (likeness pretrain)") var start: PretrainedStartOptions
        @OptionGroup(title: "Imbalance remedies (augmentation for both heads, the rest for the softmax head)") var imbalance: ImbalanceOptions
        @OptionGroup(title: "Runtime") var runtime: RuntimeOptions
        @OptionGroup(title: "Arithmetic") var arithmetic: PrecisionOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("The model file to write (.h5).", valueName: "file"))
        var output: String

        @Option(help: ArgumentHelp("Where to write the checkpoint after each epoch (default: OUTPUT with .checkpoint.h5).", valueName: "file"))
        var checkpoint: String?

        @Flag(help: "Continue from the checkpoint instead of starting afresh.")
        var resume = false

        func validate() throws {
            try loss.validate(for: model.headName)
            if resume && loss.loss == .proxy {
                throw ValidationError("--resume: a checkpoint holds the network and its optimizer, not --loss proxy's class proxies; train afresh (or use another --loss).")
            }
            if [.logitAdjusted, .balancedSoftmax].contains(loss.loss) && imbalance.classWeights != .none {
                throw ValidationError("--loss \(loss.loss!.rawValue) corrects for the training prior itself: leave --class-weights out (or use --loss ce).")
            }
            if model.headName == .embedding, let option = imbalance.softmaxOnlyOptions.first {
                throw ValidationError("\(option) is for the softmax head (--head softmax): the embedding head's triplets need hard labels and it has no class weights to normalise.")
            }
            if imbalance.mixing != nil && loss.loss == .ldam {
                throw ValidationError("--loss ldam puts its margin on one true class and takes no mixed labels: use --mixup or --cutmix with --loss ce, focal, logit-adjusted or balanced-softmax.")
            }
            if data.discovered != nil && model.headName != .embedding {
                throw ValidationError("--discovered adds classes found among unlabelled images for the embedding head to keep apart; --head \(model.headName.rawValue) would learn to predict them.")
            }
            if start.distill != nil && model.headName != .embedding {
                throw ValidationError("--distill keeps a network's embedding structure: it trains the embedding head, not --head \(model.headName.rawValue).")
            }
            try validateCheckpointedOutput()
            try validateImageSize()
            try checkImagesPerClass()
        }

        func run() throws {
            runtime.apply()
            let locks = try lockOutputs(command: "train")
            defer { withExtendedLifetime(locks) {} }
            let initial = try start.initialArchive(backbone: model.backbone)
            var selection = try data.load(seed: runtime.seed, input: initial?.architecture)
            let dataset = selection.dataset
            reportValidation(of: &selection)
            let architecture = try ModelDescription.checked(
                backbone: model.backbone, head: model.head(classCount: dataset.classNames.count),
                channels: dataset.channels, height: dataset.height, width: dataset.width)
            let classesPerBatch = try classesPerBatch(for: selection)
            try requireMemory(architecture: architecture, selection: selection, classesPerBatch: classesPerBatch)
            if imbalance.tauNormalize == .chosenOnValidation && selection.validation.isEmpty {
                throw CommandError("--tau-normalize auto chooses τ on the validation images, and there are none: give τ (1 is Kang et al.'s usual) or --validation.")
            }
            if imbalance.calibrateOffsets && selection.validation.isEmpty {
                throw CommandError("--calibrate-offsets fits the offsets on the validation images, and there are none: give --validation.")
            }
            let recipe: Recipe = switch architecture.head {
            case .embedding(let dimension):
                .embedding(try embeddingRecipe(dataset: dataset, classesPerBatch: classesPerBatch), dimension: dimension)
            case .softmax: .softmax(softmaxRecipe())
            case .projection: preconditionFailure("train makes embedding and softmax heads; pretrain makes projection heads")
            }
            var settings = recipe.settings(backbone: model.backbone)
            settings.initialization = initial.map { "backbone of \(start.initialModel ?? "") (model digest \($0.network.weightDigest))" }
            settings.precision = arithmetic.recorded
            let totalEpochs = recipe.totalEpochs
            let counts = dataset.classCounts(of: selection.train)
            var network = architecture.makeNetwork(seed: runtime.seed)
            if let initial, !resume {
                do {
                    try network.copyWeights(from: initial.network, layers: model.backbone.layerNames)
                } catch {
                    throw CommandError("--init \(start.initialModel ?? ""): \(error) (is it a model of the \(model.backbone.rawValue) backbone for these images?)")
                }
                printDiagnostic("train: the backbone starts from \(start.initialModel ?? "")'s weights, the head afresh")
            }
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
            arithmetic.apply(to: network)
            printDiagnostic("train: \(model.backbone.rawValue) backbone, \(model.headName) head, \(selection.train.count) training and \(selection.validation.count) validation images, \(Parallel.threadCount) threads"
                            + (arithmetic.precision == .float32 ? "" : ", convolutions in \(arithmetic.precision.rawValue)"))

            var tauNormalization: Float?
            var offsetCalibration: OffsetCalibration?
            func record(keptEpoch: Int?) -> TrainingRecord {
                TrainingRecord(command: invocation, trainingClassCounts: counts, settings: settings, epochs: epochs, keptEpoch: keptEpoch,
                               tauNormalization: tauNormalization, offsetCalibration: offsetCalibration)
            }
            var lastCheckpoint = resumed?.epoch
            // Ctrl-C prints the command that resumes from the last checkpoint, and exits 130.
            let interruption = TrainingInterruption(arguments: Array(CommandLine.arguments.dropFirst()), checkpoint: checkpointPath,
                                                    epoch: lastCheckpoint)
            defer { interruption.cancel() }
            func writeCheckpoint(_ report: EpochReport, _ checkpoint: Checkpoint) throws {
                epochs.append(report)
                try interruption.savingCheckpoint(epoch: checkpoint.epoch) {
                    try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames,
                                     training: record(keptEpoch: checkpoint.best?.epoch ?? checkpoint.epoch), checkpoint: checkpoint)
                        .save(to: checkpointPath)
                }
                lastCheckpoint = checkpoint.epoch
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
                    if let tau = history.tauNormalization {
                        tauNormalization = tau
                        printDiagnostic("train: τ-normalised the head with τ = \(tau)" + (imbalance.tauNormalize == .chosenOnValidation ? ", chosen on the validation images" : "")
                                        + " (weight rows divided by their length to the power τ, bias dropped)")
                    }
                    if let calibration = history.offsetCalibration {
                        offsetCalibration = calibration
                        calibration.printDiagnostics(command: "train", images: "the validation images", classNames: dataset.classNames)
                    }
                }
            } catch TrainingError.tooFewClasses(let found) {
                throw CommandError("Triplet training needs training images of at least 2 classes, and \(found) class\(found == 1 ? " has" : "es have") "
                                   + "them" + (data.excludeClasses == nil ? "." : " (see --exclude-classes)."))
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

        /// Says on stderr which classes are left out for having one training image (and how to
        /// enrol them), which trained classes have no validation image, and what becomes of the
        /// validation images of classes the training set lacks: reported apart for the embedding
        /// head, left out for the softmax head (which cannot predict them).
        private func reportValidation(of selection: inout TrainingDataOptions.Selection) {
            let dataset = selection.dataset
            let embedding = model.headName == .embedding
            let imageFiles = if case .imageFolder = selection.source { true } else { false }
            for (label, image) in selection.singleImageClasses {
                let name = dataset.classNames[label]
                let enroll = ["likeness", "enroll", "--model", embedding ? output : "EMBEDDER.h5", "--gallery", "GALLERY.h5"]
                    + (imageFiles ? ["--class", name, dataset.ids[image]] : ["--dataset", data.data.dataset, "--classes", "name:" + name])
                printDiagnostic("train: class \(label) (\(name)) has one training image: it is left out of training and validation "
                                + (embedding ? "(triplets need two images of a class); enrol it one-shot once the model is written:"
                                             : "(the softmax head cannot learn it, and will not predict it); an embedding model can enrol it one-shot:")
                                + "\n  " + enroll.map(\.shellQuoted).joined(separator: " "))
            }
            let extra = selection.extraValidation
            if !embedding { selection.validation.removeAll { extra.contains($0) } }
            let trainedValidation = selection.validation.count - (embedding ? extra.count : 0)
            if !extra.isEmpty {
                let images = "\(extra.count) validation image\(extra.count == 1 ? " is" : "s are") of classes the training set lacks "
                    + "(\(selection.extraClassNames.joined(separator: ", "))): "
                printDiagnostic("train: " + images + (!embedding ? "left out of validation, as the softmax head cannot predict them"
                    : trainedValidation > 0 ? "their recall@1 is reported apart each epoch (untrained classes) and does not choose the epoch kept"
                    : "without images of trained classes beside them they are not measured"))
            }
            let splitReason = " (the 10% split gives none to a class of fewer than 5 images)"
            if trainedValidation == 0 {
                printDiagnostic("train: no validation image of a trained class" + (selection.validationIsSplit ? splitReason : "")
                                + ": no early stopping, the last epoch is kept")
            } else {
                let missing = selection.trainedClassesWithoutValidation
                let named = { (classes: [Int]) in classes.map { "\($0) (\(dataset.classNames[$0]))" }.joined(separator: ", ") }
                let discovered = missing.filter(selection.discoveredClasses.contains)
                if case let other = missing.filter({ !discovered.contains($0) }), !other.isEmpty {
                    printDiagnostic("train: no validation image of class\(other.count == 1 ? "" : "es") " + named(other)
                                    + (selection.validationIsSplit ? splitReason : "")
                                    + ": \(other.count == 1 ? "its" : "their") recall is not in the validation score")
                }
                if !discovered.isEmpty {
                    printDiagnostic("train: the discovered class\(discovered.count == 1 ? "" : "es") " + named(discovered)
                                    + " \(discovered.count == 1 ? "has" : "have") no validation images (those are labelled): "
                                    + "\(discovered.count == 1 ? "its" : "their") recall is not in the validation score")
                }
            }
        }

        /// The embedding recipe these options describe, for training on `dataset`.
        func embeddingRecipe(dataset: Dataset, classesPerBatch: Int) throws -> EmbeddingRecipe {
            let metricLoss: any MetricLoss = switch loss.name(for: .embedding) {
            case .supcon: SupervisedContrastiveLoss(temperature: loss.temperature)
            case .multiSimilarity: MultiSimilarityLoss(miningEpsilon: 0.1)
            case .proxy: CosineMarginProxyLoss(classCount: dataset.classNames.count, dimension: model.embeddingDimension, seed: runtime.seed)
            default: triplet.loss
            }
            return EmbeddingRecipe(
                epochs: optimisation.epochs, classesPerBatch: classesPerBatch, imagesPerClass: triplet.imagesPerClass, loss: metricLoss,
                distillation: try start.distillation(for: dataset, directory: data.data.dataDirectory, imagesPerStep: classesPerBatch * triplet.imagesPerClass, seed: runtime.seed),
                augmentation: try imbalance.augmentationPipeline(channels: dataset.channels, seed: runtime.seed),
                learningRate: optimisation.learningRate, schedule: optimisation.learningRateSchedule, patience: optimisation.patience,
                seed: runtime.seed)
        }

        /// The softmax recipe these options describe.
        func softmaxRecipe() -> SoftmaxRecipe {
            var recipe = SoftmaxRecipe()
            recipe.backbone = model.backbone
            recipe.epochs = optimisation.epochs
            recipe.batchSize = optimisation.batchSize
            recipe.learningRate = optimisation.learningRate
            recipe.schedule = optimisation.learningRateSchedule
            recipe.patience = optimisation.patience
            recipe.seed = runtime.seed
            recipe.loss = loss.softmaxLoss(epochs: optimisation.epochs)
            imbalance.apply(to: &recipe)
            return recipe
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

extension LikenessCommand.Train: CheckpointedRun {
    var inputFiles: [NamedFile] {
        NamedFile.dataset("DATASET", data.data.dataset) + NamedFile.dataset("--validation", data.validation)
            + NamedFile.dataset("--synthetic", data.synthetic) + NamedFile.dataset("--discovered", data.discovered)
            + [start.initialModel.map { NamedFile(option: "--init", path: $0) }, start.distill.map { NamedFile(option: "--distill", path: $0) }]
                .compactMap { $0 }
            + NamedFile.dataset("--distill-pool", start.distillPool)
    }

    var outputFiles: [NamedFile] { checkpointedOutputFiles }
}
