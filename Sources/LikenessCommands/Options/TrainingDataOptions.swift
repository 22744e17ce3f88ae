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

    /// The selection, after checking that every class not excluded has training images.
    func load(seed: UInt64) throws -> Selection {
        let selection = try loadSelection(seed: seed)
        let classNames = selection.dataset.classNames
        let excluded = excludeClasses?.classes ?? []
        if let unknown = excluded.first(where: { $0 >= classNames.count }) {
            throw CommandError("--exclude-classes \(unknown): the dataset's classes are 0 to \(classNames.count - 1).")
        }
        guard !selection.train.isEmpty else { throw CommandError("No training images left after --exclude-classes.") }
        let counts = selection.dataset.classCounts(of: selection.train)
        let empty = counts.indices.filter { counts[$0] == 0 && !excluded.contains($0) }
        guard empty.isEmpty else {
            let named = empty.map { "\($0) (\(classNames[$0]))" }.joined(separator: ", ")
            throw CommandError("No training image of class\(empty.count == 1 ? "" : "es") \(named): add images, or leave "
                                  + "\(empty.count == 1 ? "it" : "them") out with --exclude-classes \((excluded + empty).sorted().map(String.init).joined(separator: ",")).")
        }
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
                .load(imageSize: data.imageSize, channels: data.grayscale ? 1 : 3)
            let (v, t) = (other.dataset, loaded.dataset)
            guard (v.height, v.width, v.channels) == (t.height, t.width, t.channels) else {
                throw CommandError("--validation \(spec): its images are \(v.height)×\(v.width)×\(v.channels), the training images "
                                      + "\(t.height)×\(t.width)×\(t.channels); give a validation set of the same size.")
            }
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
            throw CommandError("The validation set's classes \(validationSet.classNames) differ from the training set's \(loaded.dataset.classNames).")
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
struct ClassList: ExpressibleByArgument, CustomStringConvertible {
    let classes: [Int]

    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        classes = parsed.map { $0! }
    }

    /// The indices as they are given, e.g. `5,7`: what help prints as a default.
    var description: String { classes.map(String.init).joined(separator: ",") }
}
