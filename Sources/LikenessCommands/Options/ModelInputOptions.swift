import ArgumentParser
import Foundation
import Likeness

/// Images to run a model on: image files, or a dataset. Which of them a command needs is its
/// own `validate()`'s to say (`ModelInputOptions`, `query`).
struct ImageInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A dataset to take the images from (a built-in name or a path) instead of image files.", valueName: "dataset"))
    var dataset: String?

    @Option(help: ArgumentHelp("The folder of a built-in dataset's files, instead of its default.", valueName: "folder"))
    var dataDirectory: String?

    @Argument(help: ArgumentHelp("Image files (PNG or JPEG), resized to the model's input.", valueName: "image"))
    var images: [String] = []

    /// Whether images were given one way or the other.
    var isGiven: Bool { dataset != nil || !images.isEmpty }

    func validate() throws {
        if let path = images.first(where: Self.namesADataset) {
            throw ValidationError("IMAGE \(path) is a dataset, not a PNG or JPEG image: give it as --dataset \(path).")
        }
    }

    /// Whether `path`, given where image files go, names a dataset instead: an HDF5 image set, IDX
    /// or CIFAR-10 files, or a folder.
    static func namesADataset(_ path: String) -> Bool {
        let lower = path.lowercased()
        if [".h5", ".hdf5", "-ubyte", "-ubyte.gz", ".bin"].contains(where: lower.hasSuffix) { return true }
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }
}

/// A trained model and the images to run it on: image files, or a dataset.
struct ModelInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model file (from likeness train).", valueName: "file"))
    var model: String

    @OptionGroup var source: ImageInputOptions

    /// The dataset given, nil for image files.
    var dataset: String? { source.dataset }

    func validate() throws {
        guard (source.dataset == nil) != source.images.isEmpty else {
            throw ValidationError("Give either image files or --dataset, not both or neither.")
        }
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("--model \(model): no such file.") }
    }

    /// The model, and the images to run it on. Image files have no label: they come as one
    /// class "image" (label 0), which commands must not report as a true class (`dataset` is nil then).
    func load() throws -> (model: ModelArchive, images: LoadedDataset, source: String) {
        try Self.load(model: model, images: source)
    }

    /// The model at `model`, and the images `input` names, checked to fit the model's input.
    static func load(model: String, images input: ImageInputOptions) throws
        -> (model: ModelArchive, images: LoadedDataset, source: String) {
        try load(model: model, dataset: input.dataset, dataDirectory: input.dataDirectory, images: input.images)
    }

    /// The model at `model`, and the images of `dataset` (when given) or the image files `images`,
    /// checked to fit the model's input.
    static func load(model: String, dataset: String?, dataDirectory: String?, images: [String]) throws
        -> (model: ModelArchive, images: LoadedDataset, source: String) {
        let archive = try ModelArchive.load(model)
        let a = archive.architecture
        let loaded: LoadedDataset
        let source: String
        if let dataset {
            let spec = try DatasetSource(parsing: dataset, directory: dataDirectory)
            printDiagnostic("loading \(spec.summary)")
            loaded = try spec.load(imageSize: ImageSize(height: a.height, width: a.width), channels: a.channels)
            source = dataset
        } else {
            loaded = LoadedDataset(dataset: try Dataset(imageFiles: images, labels: images.map { _ in 0 }, classNames: ["image"],
                                                        height: a.height, width: a.width, channels: a.channels))
            source = images.count == 1 ? images[0] : "\(images.count) image files"
        }
        try archive.requireInput(of: loaded.dataset, source: source)
        return (archive, loaded, source)
    }
}

/// A trained model and a labelled dataset to run it on; no image files (`calibrate`, which
/// needs labels).
struct ModelLabelledInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model file (from likeness train).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("The labelled images (a built-in name, a path, or a part of a split file).", valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("The folder of a built-in dataset's files, instead of its default.", valueName: "folder"))
    var dataDirectory: String?

    func validate() throws {
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("--model \(model): no such file.") }
    }

    /// The model, and the dataset's images at its input size.
    func load() throws -> (model: ModelArchive, images: LoadedDataset) {
        let (archive, loaded, _) = try ModelInputOptions.load(model: model, dataset: dataset, dataDirectory: dataDirectory, images: [])
        return (archive, loaded)
    }
}
