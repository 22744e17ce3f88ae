import ArgumentParser
import Likeness

/// What supervised training takes from a pre-trained network (`likeness pretrain`): its
/// backbone's weights to start from, and its similarity structure to keep.
struct PretrainedStartOptions: ParsableArguments {
    @Option(name: .customLong("init"), help: ArgumentHelp("Start from the backbone weights of this model (written by likeness pretrain or train, same backbone); the head is new. The images are read at its input size and channels.",
                                                  valueName: "model"))
    var initialModel: String?

    @Option(help: ArgumentHelp("Embedding head: keep the in-batch similarity structure of this network's embeddings (relational distillation to a frozen likeness pretrain model), so that what label-free training learnt about classes the labels never show survives.",
                               valueName: "model"))
    var distill: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The distillation loss's weight beside the metric loss (default: the weight docs/PROTOCOL.md chooses on held-out classes; more keeps more of the pre-trained network, at the known classes' expense).", valueName: "weight"))
    var distillWeight: Float = 0.5

    @Option(parsing: .unconditional, help: ArgumentHelp("The temperature of the similarity softmaxes distillation compares.", valueName: "temperature"))
    var distillTemperature: Float = 0.1

    @Option(help: ArgumentHelp("Unlabelled images distilled on beside each labelled batch (as many as the batch holds), e.g. fashion-mnist:pool; their labels are never read. Default: the labelled images alone.",
                               valueName: "dataset"))
    var distillPool: String?

    func validate() throws {
        guard distillWeight > 0 && distillWeight.isFinite else { throw ValidationError("--distill-weight must be positive, not \(distillWeight).") }
        guard distillTemperature > 0 && distillTemperature.isFinite else {
            throw ValidationError("--distill-temperature must be positive, not \(distillTemperature).")
        }
        if distill == nil, distillPool != nil { throw ValidationError("--distill-pool needs --distill MODEL: the network whose similarities are kept.") }
    }

    /// The model `--init` names, checked against the backbone to be trained.
    func initialArchive(backbone: Backbone) throws -> ModelArchive? {
        guard let path = initialModel else { return nil }
        let archive = try ModelArchive.load(path)
        guard archive.architecture.backbone == backbone else {
            throw CommandError("--init \(path) has the \(archive.architecture.backbone.rawValue) backbone; this run trains the "
                               + "\(backbone.rawValue) backbone (give --backbone \(archive.architecture.backbone.rawValue)).")
        }
        return archive
    }

    /// The distillation `--distill` asks for, its teacher checked against the training images.
    /// `directory`: the folder of a built-in dataset's files (`--data-directory`), for `--distill-pool`.
    func distillation(for dataset: Dataset, directory: String?, imagesPerStep: Int, seed: UInt64) throws -> Distillation? {
        guard let path = distill else { return nil }
        let teacher = try ModelArchive.load(path)
        let a = teacher.architecture
        guard a.head.embeddingDimension != nil else {
            throw CommandError("--distill \(path) has \(a.head); distillation needs a network of unit embeddings (likeness pretrain, or train --head embedding).")
        }
        guard (a.channels, a.height, a.width) == (dataset.channels, dataset.height, dataset.width) else {
            throw CommandError("--distill \(path) takes \(a.height)×\(a.width)×\(a.channels) images, the training images are "
                               + "\(dataset.height)×\(dataset.width)×\(dataset.channels).")
        }
        var pool: ValidationImages?
        if let spec = distillPool {
            let source = try DatasetSource(parsing: spec, directory: directory)
            printDiagnostic("loading \(source.summary) (unlabelled, for distillation)")
            let loaded = try source.load(imageSize: ImageSize(height: dataset.height, width: dataset.width), channels: dataset.channels)
            guard !loaded.selection.isEmpty else { throw CommandError("--distill-pool \(spec) holds no image.") }
            pool = ValidationImages(dataset: loaded.dataset, indices: loaded.selection)
        }
        return Distillation(teacher: teacher.network, loss: RelationalDistillationLoss(temperature: distillTemperature),
                            weight: distillWeight, pool: pool, poolImagesPerStep: imagesPerStep, seed: seed)
    }
}
