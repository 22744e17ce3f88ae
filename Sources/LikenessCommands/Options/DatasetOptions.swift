import ArgumentParser
import Foundation
import Likeness

/// The dataset a `data` subcommand works on, and how to read image folders.
struct DatasetOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "A built-in name (\(DatasetSource.builtInNames.joined(separator: ", "))) or a path: a folder of CIFAR-10 batches, a folder or images file of an IDX pair, a CIFAR-10 .bin file, an HDF5 image set (.h5), or an image folder (one sub-folder per class).",
        valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("The folder of a built-in dataset's files, instead of its default.", valueName: "folder"))
    var dataDirectory: String?

    @Option(help: ArgumentHelp("Image folders only: the size images are resized to, HEIGHTxWIDTH or one number for squares, each from 1 to 4096. Default: the folder's most common size, scaled down (aspect ratio kept) to at most \(ImageFolderInput.defaultMaximumSide) on the longer side.",
                               valueName: "size"))
    var imageSize: ImageSize?

    @Flag var colour: Colour?

    /// How image-folder images are read, when asked for: `--grayscale` or `--rgb`.
    enum Colour: String, EnumerableFlag {
        case grayscale, rgb

        var channels: Int { self == .grayscale ? 1 : 3 }

        static func help(for value: Colour) -> ArgumentHelp? {
            switch value {
            case .grayscale: "Image folders only: read images as grayscale (default: grayscale when every image of the folder is, else RGB)."
            case .rgb: "Image folders only: read images as RGB."
            }
        }
    }

    func validate() throws {
        try DatasetSource.validateArgument(dataset, directory: dataDirectory)
    }

    /// The source the argument names.
    func source() throws -> DatasetSource {
        try DatasetSource(parsing: dataset, directory: dataDirectory)
    }

    /// Loads the dataset, saying on stderr what is being read and, for an image folder, the size
    /// and channels its images are read at (and how many are enlarged).
    ///
    /// - Parameter input: a model whose input size and channels an image folder is read at;
    ///   the images of other datasets must have them.
    /// - Throws: `CommandError` when the images are not of `input`'s size and channels.
    func load(input: ModelDescription? = nil) throws -> (source: DatasetSource, loaded: LoadedDataset) {
        let source = try source()
        printDiagnostic("loading \(source.summary)")
        let loaded = try source.load(imageSize: input.map { ImageSize(height: $0.height, width: $0.width) } ?? imageSize,
                                     channels: input?.channels ?? colour?.channels)
        if let input = loaded.folderInput { describe(input, loaded) }
        if let input, case let d = loaded.dataset, (d.height, d.width, d.channels) != (input.height, input.width, input.channels) {
            throw CommandError("\(dataset): its images are \(d.height)×\(d.width)×\(d.channels), the model's input \(input.height)×\(input.width)×\(input.channels).")
        }
        return (source, loaded)
    }

    /// `images read at 32x64 (height x width), RGB: …`, and a warning for enlarged images.
    private func describe(_ input: ImageFolderInput, _ loaded: LoadedDataset) {
        let d = loaded.dataset
        let read = ImageSize(height: d.height, width: d.width).text
        let size = imageSize != nil ? "as --image-size asks"
            : input.isScaledDown ? "the folder's images are mostly \(input.commonSize.text), scaled down to at most \(ImageFolderInput.defaultMaximumSide) on the longer side"
            : "the folder's most common size"
        let channels = colour.map { "as --\($0.rawValue) asks" } ?? (d.channels == 1 ? "as every image is gray" : "as some images are in colour")
        printDiagnostic("images read at \(read) (height x width), \(d.channels == 1 ? "grayscale" : "RGB"): \(size); "
                        + "\(d.channels == 1 ? "grayscale" : "RGB") \(channels) (--image-size, --grayscale and --rgb choose others)")
        let enlarged = loaded.enlargedImageCount
        if enlarged > 0 {
            printDiagnostic("warning: \(enlarged) of \(d.count) image\(d.count == 1 ? "" : "s") \(enlarged == 1 ? "is" : "are") smaller than \(read): "
                            + "\(enlarged == 1 ? "it is" : "they are") scaled up")
        }
    }
}

/// The labelled set a command runs models on: its images read at the models' input size and
/// channels, so it takes no size options (`compare`).
struct ModelDatasetOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "A built-in name (\(DatasetSource.builtInNames.joined(separator: ", "))) or a path: a folder of CIFAR-10 batches, a folder or images file of an IDX pair, a CIFAR-10 .bin file, an HDF5 image set (.h5), or an image folder (one sub-folder per class, its images resized to the models' input).",
        valueName: "dataset"))
    var dataset: String

    @Option(help: ArgumentHelp("The folder of a built-in dataset's files, instead of its default.", valueName: "folder"))
    var dataDirectory: String?

    func validate() throws {
        try DatasetSource.validateArgument(dataset, directory: dataDirectory)
    }

    /// Loads the dataset with images of `architecture`'s size and channels, saying on stderr what is being read.
    func load(for architecture: ModelDescription) throws -> LoadedDataset {
        let source = try DatasetSource(parsing: dataset, directory: dataDirectory)
        printDiagnostic("loading \(source.summary)")
        return try source.load(imageSize: ImageSize(height: architecture.height, width: architecture.width),
                               channels: architecture.channels)
    }
}

extension DatasetSource {
    /// Checks a dataset argument in `validate()`: a `ValidationError` when it names neither a
    /// built-in dataset nor an existing file or folder.
    static func validateArgument(_ dataset: String, directory: String?) throws {
        do {
            _ = try DatasetSource(parsing: dataset, directory: directory)
        } catch DatasetFileError.missing(let file) where file == dataset {
            throw ValidationError("'\(dataset)' is neither a built-in dataset (\(builtInNames.joined(separator: ", "))) nor an existing file or folder.")
        }
    }
}

extension ImageSize: ExpressibleByArgument {
    /// `HEIGHTxWIDTH`, or one number for a square; each side from 1 to 4096.
    public init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let height = parts.first ?? nil, let width = parts.last ?? nil,
              (1...4096).contains(height), (1...4096).contains(width) else { return nil }
        self.init(height: height, width: width)
    }

    public var defaultValueDescription: String { text }

    /// `HEIGHTxWIDTH`, as `--image-size` takes it.
    var text: String { "\(height)x\(width)" }
}
