import ArgumentParser
import Likeness

/// The images a training run learns from and validates on.
struct TrainingDataOptions: ParsableArguments {
    @OptionGroup var data: DatasetOptions

    @Option(help: ArgumentHelp("Validation images, for early stopping and the per-epoch report: a dataset name or path (an image folder is read at the training images' size and channels), its classes matched to the training set's by name. Default: for Fashion-MNIST names, the protocol's validation images (the last 500 of each class of the training file); otherwise 10% of the training images, stratified (a class of fewer than 5 images gets none).",
                               valueName: "dataset"))
    var validation: String?

    @Option(help: ArgumentHelp("Classes to leave out of training and validation, comma-separated names or indices (index:N or name:X where one could be both; the one-shot protocol leaves out 5,7).",
                               valueName: "classes"))
    var excludeClasses: ClassList?

    @Option(help: ArgumentHelp("An HDF5 image set of generated images (likeness synthesize) added to the training images, its classes matched to the training set's by name; never validated on.",
                               valueName: "file"))
    var synthetic: String?

    @Option(help: ArgumentHelp("An HDF5 image set of new classes found among unlabelled images (likeness discover), added to the training images as classes of their own (embedding head); never validated on.",
                               valueName: "file"))
    var discovered: String?

    func validate() throws {
        if let discovered, ![".h5", ".hdf5"].contains(where: discovered.lowercased().hasSuffix) {
            throw ValidationError("--discovered must name an HDF5 image set ending in .h5 or .hdf5 (likeness discover writes one), not '\(discovered)'.")
        }
        if let synthetic, ![".h5", ".hdf5"].contains(where: synthetic.lowercased().hasSuffix) {
            throw ValidationError("--synthetic must name an HDF5 image set ending in .h5 or .hdf5 (likeness synthesize writes one), not '\(synthetic)'.")
        }
    }

    /// The loaded training set, the indices to train on and the validation indices (both into
    /// the training set's dataset, or the validation indices into `validationSet` when given).
    struct Selection {
        var source: DatasetSource
        var dataset: Dataset
        var train: [Int]
        /// The validation images' dataset: its classes are the training set's, then those of the
        /// validation set the training set lacks (`extraClassNames`).
        var validationSet: Dataset
        var validation: [Int]
        /// The classes of one training image, left out of training and validation: each class
        /// and the index of its image.
        var singleImageClasses: [(label: Int, image: Int)]
        /// Whether the validation images are 10% of the training images (no other validation set).
        var validationIsSplit = false
        /// The classes `--discovered` added, which no validation image can have.
        var discoveredClasses: Range<Int> = 0..<0

        /// The validation set's classes that the training set lacks.
        var extraClassNames: ArraySlice<String> { validationSet.classNames[dataset.classNames.count...] }
    }

    /// The selection, after checking that every class not excluded has training images; a class
    /// of a single training image is left out of training and validation (as an excluded one).
    /// - Parameter input: a model whose input size and channels the images are read at
    ///   (`train --init`); nil for the dataset's own.
    func load(seed: UInt64, input: ModelDescription? = nil) throws -> Selection {
        let (source, loaded) = try data.load(input: input)
        let classNames = loaded.dataset.classNames
        let excluded = try excludeClasses?.resolved(in: classNames, option: "--exclude-classes") ?? []
        var selection = try loadSelection(source: source, loaded: loaded, excluded: Set(excluded), seed: seed)
        try addSynthetic(to: &selection, excluded: Set(excluded))
        try addDiscovered(to: &selection)
        var counts = selection.dataset.classCounts(of: selection.train)
        let single = counts.indices.filter { counts[$0] == 1 && !excluded.contains($0) }
        if !single.isEmpty {
            let labels = selection.dataset.labels
            selection.singleImageClasses = selection.train.filter { single.contains(labels[$0]) }
                .map { (label: labels[$0], image: $0) }.sorted { $0.label < $1.label }
            selection.train.removeAll { single.contains(labels[$0]) }
            selection.validation.removeAll { single.contains(selection.validationSet.labels[$0]) }
            counts = selection.dataset.classCounts(of: selection.train)
        }
        guard !selection.train.isEmpty else {
            throw CommandError("No training images left" + (excluded.isEmpty ? "" : " after --exclude-classes")
                               + (single.isEmpty ? "" : ": the other classes have one image each, and training needs classes of 2 or more") + ".")
        }
        let empty = counts.indices.filter { counts[$0] == 0 && !excluded.contains($0) && !single.contains($0) }
        guard empty.isEmpty else {
            let named = empty.map { "\($0) (\(classNames[$0]))" }.joined(separator: ", ")
            throw CommandError("No training image of class\(empty.count == 1 ? "" : "es") \(named): add images, or leave "
                               + "\(empty.count == 1 ? "it" : "them") out with --exclude-classes \((excluded + empty).sorted().map(String.init).joined(separator: ",")).")
        }
        return selection
    }

    /// Appends the `--synthetic` images (those of classes not excluded) to the dataset and to the
    /// training indices; a validation set that is the training file gets the same images, unused.
    ///
    /// - Throws: `CommandError` naming both files when the synthetic images differ in size or
    ///   channels, or have a class the training set lacks.
    private func addSynthetic(to selection: inout Selection, excluded: Set<Int>) throws {
        guard let path = synthetic else { return }
        let s = try extraImages("--synthetic", path, what: "synthetic images", like: selection.dataset,
                                remedy: "generate them from this training set (likeness synthesize \(data.dataset))")
        let t = selection.dataset
        let unknown = s.classNames.filter { !t.classNames.contains($0) }
        guard unknown.isEmpty else {
            throw CommandError("--synthetic \(path): \(unknown.count == 1 ? "its class" : "its classes") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) "
                               + "\(unknown.count == 1 ? "is" : "are") not among the classes of \(data.dataset) (\(t.classNames.joined(separator: ", "))): "
                               + "classes are matched by name.")
        }
        let added = s.relabelled(classNames: t.classNames)
        let kept = added.labels.indices.filter { !excluded.contains(added.labels[$0]) }
        let combined = t.appending(added.subset(kept))
        if selection.validationSet.ids == t.ids { selection.validationSet = combined }
        selection.dataset = combined
        selection.train += (t.count..<combined.count)
        let counts = combined.classCounts(of: t.count..<combined.count)
        printDiagnostic("train: \(kept.count) synthetic images added to the training images ("
                        + counts.indices.filter { counts[$0] > 0 }.map { "\(t.classNames[$0]) \(counts[$0])" }.joined(separator: ", ") + ")")
    }

    /// Appends the `--discovered` images to the dataset as classes of their own, after the
    /// training set's, and to the training indices; the validation set's class list follows.
    ///
    /// - Throws: `CommandError` naming both files when the images differ in size or channels, or a
    ///   class name is already one of the training or validation set's.
    private func addDiscovered(to selection: inout Selection) throws {
        guard let path = discovered else { return }
        let found = try extraImages("--discovered", path, what: "discovered classes", like: selection.dataset,
                                    remedy: "discover them with a model of these images")
        let t = selection.dataset
        if let taken = found.classNames.first(where: { selection.validationSet.classNames.contains($0) }) {
            throw CommandError("--discovered \(path): its class '\(taken)' is already a class of \(data.dataset) or of its validation images; "
                               + "discovered classes are trained as classes of their own.")
        }
        let classNames = t.classNames + found.classNames
        let combined = t.relabelled(classNames: classNames).appending(found.relabelled(classNames: classNames))
        let sameFile = selection.validationSet.ids == t.ids
        selection.validationSet = sameFile ? combined
            : selection.validationSet.relabelled(classNames: combined.classNames + selection.extraClassNames)
        selection.dataset = combined
        selection.train += (t.count..<combined.count)
        selection.discoveredClasses = t.classNames.count..<classNames.count
        let counts = found.classCounts(of: 0..<found.count)
        printDiagnostic("train: \(found.count) images of discovered classes added to the training images ("
                        + counts.indices.map { "\(found.classNames[$0]) \(counts[$0])" }.joined(separator: ", ") + ")")
    }

    /// The image set at `path` (`option`'s), read after saying so.
    ///
    /// - Throws: `CommandError` naming both files when its images differ from `training`'s in
    ///   size or channels, with `remedy`.
    private func extraImages(_ option: String, _ path: String, what: String, like training: Dataset, remedy: String) throws -> Dataset {
        printDiagnostic("loading the \(what) of \(path)")
        let extra = try Dataset(hdf5: path), t = training
        guard (extra.height, extra.width, extra.channels) == (t.height, t.width, t.channels) else {
            throw CommandError("\(option) \(path): its images are \(extra.height)×\(extra.width)×\(extra.channels), those of \(data.dataset) "
                               + "\(t.height)×\(t.width)×\(t.channels); \(remedy).")
        }
        return extra
    }

    private func loadSelection(source: DatasetSource, loaded: LoadedDataset, excluded: Set<Int>, seed: UInt64) throws -> Selection {
        var train = loaded.selection.filter { !excluded.contains(loaded.dataset.labels[$0]) }
        var validationSet: Dataset
        var held: [Int]
        var isSplit = false
        if let spec = validation {
            let t = loaded.dataset
            let other = try DatasetSource(parsing: spec, directory: data.dataDirectory)
                .load(imageSize: ImageSize(height: t.height, width: t.width), channels: t.channels)
            let v = other.dataset
            guard (v.height, v.width, v.channels) == (t.height, t.width, t.channels) else {
                throw CommandError("--validation \(spec): its images are \(v.height)×\(v.width)×\(v.channels), the training images "
                                   + "\(t.height)×\(t.width)×\(t.channels); give a validation set of the same size.")
            }
            validationSet = v.relabelled(classNames: t.classNames + v.classNames.filter { !t.classNames.contains($0) })
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
            isSplit = true
        }
        held = held.filter { !excluded.contains(validationSet.labels[$0]) }
        return Selection(source: source, dataset: loaded.dataset, train: train, validationSet: validationSet, validation: held,
                         singleImageClasses: [], validationIsSplit: isSplit)
    }
}

extension TrainingDataOptions.Selection {
    /// The training dataset, with the validation set's classes, and validation indices into it:
    /// the validation set's images are appended when they come from another file.
    func validationInTrainingSet() -> (dataset: Dataset, validation: [Int]) {
        if validationSet.ids == dataset.ids { return (dataset, validation) }
        let offset = dataset.count
        return (dataset.relabelled(classNames: validationSet.classNames).appending(validationSet.subset(validation)),
                validation.indices.map { offset + $0 })
    }

    /// The trained classes (neither excluded nor of a single image) that have no validation image.
    var trainedClassesWithoutValidation: [Int] {
        let trained = dataset.classCounts(of: train)
        let validated = validationSet.classCounts(of: validation)
        return trained.indices.filter { trained[$0] > 0 && validated[$0] == 0 }
    }

    /// The validation images of classes the training set lacks.
    var extraValidation: [Int] {
        validation.filter { validationSet.labels[$0] >= dataset.classNames.count }
    }
}
