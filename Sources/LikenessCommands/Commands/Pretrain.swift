import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness pretrain DATASET -o pretrained.h5`: label-free pre-training (SimCLR) of a
    /// backbone with a projection head, saved as a model that `embed`, `enroll` and `classify`
    /// use directly and that `train --init` and `train --distill` start from.
    struct Pretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pretrain",
            abstract: "Pre-train a network without labels (SimCLR: two augmented views of each image, NT-Xent) and save it as an HDF5 model.",
            discussion: """
            Labels are never read: any dataset the CLI reads will do, e.g. the unlabelled pool \
            fashion-mnist:pool or an image folder. Each batch of --batch-size images gives two random \
            views of each (a crop scaled back, rotation, flip, brightness); the network (backbone, then a \
            projection head dense → batch norm → ReLU → dense → L2-normalised) learns to find each view's \
            pair among the 2 × batch rows (NT-Xent at --temperature). Adam with --weight-decay, the learning \
            rate decayed on a cosine over the run; no validation, the last epoch is kept.

            The model's unit outputs are embeddings: embed, enroll and classify take it as they take a \
            model trained with --head embedding. likeness train --init FILE starts supervised training \
            from its backbone (a fresh head), and likeness train --distill FILE keeps its in-batch \
            similarity structure while training on labels (relational distillation): the recipe that \
            keeps what label-free learning knows about classes the labels never show.

            Checkpoints, --resume and Ctrl-C work as in likeness train.

            Examples:
              likeness pretrain fashion-mnist:pool -o pretrained.h5
              likeness pretrain fmnist-lt --exclude-classes 5,7 -o strict.h5
              likeness train fmnist-lt --exclude-classes 5,7 --loss supcon --init pretrained.h5 --distill pretrained.h5 -o embedder.h5
            """
        )

        @OptionGroup(title: "Data") var data: DatasetOptions
        @Option(help: ArgumentHelp("Classes whose images are left out, comma-separated names or indices (index:N or name:X where one could be both): PROTOCOL.md's strict setting pre-trains on fmnist-lt without 5,7. Labels are read for this alone.",
                                   valueName: "classes"))
        var excludeClasses: ClassList?

        @OptionGroup(title: "Pre-training") var pretraining: PretrainingOptions
        @OptionGroup(title: "Runtime") var runtime: RuntimeOptions
        @OptionGroup(title: "Arithmetic") var arithmetic: PrecisionOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("The model file to write (.h5).", valueName: "file"))
        var output: String

        @Option(help: ArgumentHelp("Where to write the checkpoint after each epoch (default: OUTPUT with .checkpoint.h5).", valueName: "file"))
        var checkpoint: String?

        @Flag(help: "Continue from the checkpoint instead of starting afresh.")
        var resume = false

        func validate() throws {
            try validateCheckpointedOutput()
        }

        func run() throws {
            runtime.apply()
            let locks = try lockOutputs(command: "pretrain")
            defer { withExtendedLifetime(locks) {} }
            let (_, loaded) = try data.load()
            let dataset = loaded.dataset
            let excluded = Set(try excludeClasses?.resolved(in: dataset.classNames, option: "--exclude-classes") ?? [])
            let indices = loaded.selection.filter { !excluded.contains(dataset.labels[$0]) }
            let head = Head.projection(hidden: pretraining.projectionHidden, dimension: pretraining.projectionDimension)
            let architecture = try ModelDescription.checked(backbone: pretraining.backbone, head: head, channels: dataset.channels,
                                                            height: dataset.height, width: dataset.width)
            let recipe = pretraining.recipe(channels: dataset.channels, seed: runtime.seed)
            guard indices.count >= recipe.batchSize else {
                throw CommandError("\(data.dataset) has \(indices.count) images, fewer than a batch (--batch-size \(recipe.batchSize)): "
                                   + "give more images or a smaller --batch-size.")
            }
            var settings = TrainingSettings(recipe, backbone: pretraining.backbone, hidden: pretraining.projectionHidden,
                                            dimension: pretraining.projectionDimension)
            settings.precision = arithmetic.recorded
            var network = architecture.makeNetwork(seed: runtime.seed)
            var epochs: [EpochReport] = []
            var resumed: Checkpoint?
            if resume {
                let saved = try ModelArchive.load(checkpointPath)
                guard saved.architecture == architecture, let checkpoint = saved.checkpoint, let earlier = saved.training else {
                    throw CommandError("--resume: \(checkpointPath) is not a pre-training checkpoint of this architecture "
                                       + "(the \(saved.architecture.backbone.rawValue) backbone, \(saved.architecture.head)).")
                }
                guard checkpoint.epoch <= recipe.epochs else {
                    throw CommandError("--resume: \(checkpointPath) is after epoch \(checkpoint.epoch), past the \(recipe.epochs) epochs asked for.")
                }
                if let earlierSettings = earlier.settings, case let differences = settings.differences(from: earlierSettings), !differences.isEmpty {
                    printDiagnostic("pretrain: warning: the checkpoint's run (\(earlier.command)) differs: \(differences.joined(separator: "; ")); "
                                    + "the result will differ from an uninterrupted run")
                }
                network = saved.network
                epochs = earlier.epochs
                resumed = checkpoint
                printDiagnostic("pretrain: resuming from \(checkpointPath) after epoch \(checkpoint.epoch)")
            }
            arithmetic.apply(to: network)
            printDiagnostic("pretrain: \(pretraining.backbone.rawValue) backbone, \(head), \(indices.count) images (labels unused"
                            + (excluded.isEmpty ? "" : " but to leave out \(excluded.sorted().map { dataset.classNames[$0] }.joined(separator: ", "))") + "), "
                            + "batches of \(recipe.batchSize) × 2 views, \(Parallel.threadCount) threads")
            // The data's classes, for the record only: pre-training never reads a label.
            let classNames = dataset.classNames
            func record() -> TrainingRecord {
                TrainingRecord(command: invocation, trainingClassCounts: [], settings: settings, epochs: epochs, keptEpoch: epochs.last?.epoch)
            }
            let interruption = TrainingInterruption(arguments: Array(CommandLine.arguments.dropFirst()), checkpoint: checkpointPath,
                                                    epoch: resumed?.epoch)
            defer { interruption.cancel() }
            var lastCheckpoint = resumed?.epoch
            do {
                try recipe.train(network, on: dataset, indices: indices, resumingFrom: resumed, observer: ConsoleTrainingObserver()) { report, checkpoint in
                    epochs.append(report)
                    try interruption.savingCheckpoint(epoch: checkpoint.epoch) {
                        try ModelArchive(network: network, architecture: architecture, classNames: classNames, training: record(),
                                         checkpoint: checkpoint).save(to: checkpointPath)
                    }
                    lastCheckpoint = checkpoint.epoch
                }
            } catch let error as TrainingError {
                printDiagnostic("pretrain: \(output) was not written; "
                                + (lastCheckpoint.map { "the last checkpoint, \(checkpointPath) after epoch \($0), is intact: --resume continues from it" }
                                   ?? "the run stopped before its first checkpoint"))
                throw error
            }
            try ModelArchive(network: network, architecture: architecture, classNames: classNames, training: record()).save(to: output)
            print("wrote \(output) (model digest \(network.weightDigest))")
        }
    }
}

extension LikenessCommand.Pretrain: CheckpointedRun {
    var inputFiles: [NamedFile] { NamedFile.dataset("DATASET", data.dataset) }
    var outputFiles: [NamedFile] { checkpointedOutputFiles }
}

/// The network and recipe of `likeness pretrain`.
struct PretrainingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The backbone: reference (PROTOCOL.md's network), cifar or small.", valueName: "name"))
    var backbone: Backbone = .reference

    @Option(parsing: .unconditional, help: "The projection head's output: the dimension of the embeddings the model serves.")
    var projectionDimension = 128

    @Option(parsing: .unconditional, help: "The projection head's hidden layer.")
    var projectionHidden = 256

    /// 32 rather than 16: the known classes' validation recall@1 after distilled SupCon training
    /// was 0.855 against 0.854 (3 seeds, PROTOCOL.md's choice), about 21 minutes for the
    /// 55,000-image pool on 2 AVX2 cores.
    @Option(parsing: .unconditional, help: "Epochs over the images.")
    var epochs = 32

    @Option(parsing: .unconditional, help: "Images per batch; each gives two views.")
    var batchSize = 256

    @Option(parsing: .unconditional, help: "NT-Xent's temperature.")
    var temperature: Float = 0.2

    @Option(parsing: .unconditional, help: "Adam's learning rate at the start of the cosine decay.")
    var learningRate: Float = 1e-3

    @Option(parsing: .unconditional, help: "Adam's (L2) weight decay.")
    var weightDecay: Float = 1e-6

    func validate() throws {
        guard projectionDimension >= 1 else { throw ValidationError("--projection-dimension must be at least 1, not \(projectionDimension).") }
        guard projectionHidden >= 1 else { throw ValidationError("--projection-hidden must be at least 1, not \(projectionHidden).") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
        guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2 (each image's views are told apart from the others'), not \(batchSize).") }
        guard temperature > 0 && temperature.isFinite else { throw ValidationError("--temperature must be positive, not \(temperature).") }
        guard learningRate > 0 && learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, not \(learningRate).") }
        guard weightDecay >= 0 && weightDecay.isFinite else { throw ValidationError("--weight-decay must be 0 or more, not \(weightDecay).") }
    }

    func recipe(channels: Int, seed: UInt64) -> PretrainingRecipe {
        PretrainingRecipe(epochs: epochs, batchSize: batchSize, temperature: temperature, channels: channels,
                          learningRate: learningRate, weightDecay: weightDecay, seed: seed)
    }
}
