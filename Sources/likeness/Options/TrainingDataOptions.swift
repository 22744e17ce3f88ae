import ArgumentParser
import Likeness

/// The images a training run learns from and validates on.
struct TrainingDataOptions: ParsableArguments {
    @OptionGroup var data: DatasetOptions

    @Option(help: ArgumentHelp("Validation images, for early stopping and the per-epoch report: a dataset name or path. Default: for Fashion-MNIST names, the protocol's validation images (the last 500 of each class of the training file); otherwise 10% of the training images, stratified.",
                               valueName: "dataset"))
    var validation: String?

    @Option(help: ArgumentHelp("Classes to leave out of training and validation, comma-separated indices (the one-shot protocol leaves out 5,7).",
                               valueName: "classes"))
    var excludeClasses: ClassList?

    /// The loaded training set, the indices to train on and the validation indices (both into
    /// the training set's dataset, or the validation indices into `validationSet` when given).
    struct Selection {
        var dataset: Dataset
        var train: [Int]
        var validationSet: Dataset
        var validation: [Int]
    }

    func load(seed: UInt64) throws -> Selection {
        let selection = try loadSelection(seed: seed)
        guard !selection.train.isEmpty else { throw ValidationError("No training images left after --exclude-classes.") }
        return selection
    }

    private func loadSelection(seed: UInt64) throws -> Selection {
        let (source, loaded) = try data.load()
        let excluded = Set(excludeClasses?.classes ?? [])
        let keep = { (d: Dataset, i: Int) in !excluded.contains(d.labels[i]) }
        var train = loaded.selection.filter { keep(loaded.dataset, $0) }
        let validationSet: Dataset
        var held: [Int]
        if let spec = validation {
            let other = try DatasetSource(parsing: spec, directory: data.dataDirectory)
                .load(imageSize: try data.parsedImageSize(), channels: data.grayscale ? 1 : 3)
            validationSet = other.dataset
            held = other.selection
        } else if case .fashionMNIST(let part, _) = source, part != .test {
            validationSet = loaded.dataset
            held = FashionMNIST.validationIndices(labels: loaded.dataset.labels)
            let heldOut = Set(held)
            train.removeAll { heldOut.contains($0) }
        } else {
            let split = DatasetSplit.stratified(labels: loaded.dataset.labels, classCount: loaded.dataset.classNames.count,
                                                validationFraction: 0.1, testFraction: 0, seed: seed, subset: train)
            validationSet = loaded.dataset
            (train, held) = (split.train, split.validation)
        }
        held = held.filter { keep(validationSet, $0) }
        guard validationSet.classNames == loaded.dataset.classNames else {
            throw ValidationError("The validation set's classes \(validationSet.classNames) differ from the training set's \(loaded.dataset.classNames).")
        }
        return Selection(dataset: loaded.dataset, train: train, validationSet: validationSet, validation: held)
    }
}

extension TrainingDataOptions.Selection {
    /// The training dataset and validation indices into it: the validation set's images are
    /// appended when they come from another file.
    func validationInTrainingSet() -> (dataset: Dataset, validation: [Int]) {
        if validationSet.ids == dataset.ids { return (dataset, validation) }
        let offset = dataset.count
        return (dataset.appending(validationSet.subset(validation)), validation.indices.map { offset + $0 })
    }
}

/// Class indices, comma-separated.
struct ClassList: ExpressibleByArgument {
    let classes: [Int]

    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        classes = parsed.map { $0! }
    }
}
