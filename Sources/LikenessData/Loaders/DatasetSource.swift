import Foundation
import LikenessFiles

/// A dataset as a user names it: a built-in name, or a path to files in one of the supported
/// formats. Loading gives the dataset and the images the name selects (an index list).
///
/// Built-in names (Fashion-MNIST's splits follow PROTOCOL.md):
///
/// | name | dataset | images |
/// |---|---|---|
/// | `fashion-mnist`, `fashion-mnist:train` | training file | all 60,000 |
/// | `fashion-mnist:pool` | training file | all but validation (55,000) |
/// | `fashion-mnist:validation` | training file | the last 500 of each class |
/// | `fmnist-lt` | training file | FMNIST-LT (15,279) |
/// | `fashion-mnist:test` | t10k file | all 10,000 |
/// | `mnist`, `mnist:train`, `mnist:test` | MNIST's files | all |
///
/// Paths: a folder holding `data_batch_1.bin` (CIFAR-10 training batches) or only
/// `test_batch.bin`; a folder holding `train-images-idx3-ubyte[.gz]` (an IDX training pair);
/// a CIFAR-10 `.bin` batch file; an IDX images file (`…-images-idx3-ubyte[.gz]`, its labels
/// file found by name); an HDF5 image set (`.h5`, `.hdf5`: see `Dataset.init(hdf5:)`); any other
/// folder is an image folder (one sub-folder per class).
///
/// A part of a split file, `FILE:train`, `FILE:validation` or `FILE:test` (`SplitFile`, as
/// `likeness data split` writes it), names the images of that part of the dataset the file
/// records, checked against the file's fingerprint.
public enum DatasetSource: Sendable, Equatable {
    /// Fashion-MNIST: a file and the part of it the protocol names.
    case fashionMNIST(FashionMNISTPart, directory: String)
    /// MNIST's training or test file.
    case mnist(TrainTestSplit, directory: String)
    /// An IDX images file and its labels file.
    case idx(images: String, labels: String)
    /// CIFAR-10 batch files, with the folder whose `batches.meta.txt` names the classes.
    case cifar10(batches: [String], directory: String)
    /// A folder of class sub-folders.
    case imageFolder(directory: String)
    /// An HDF5 image set, as `likeness data export` writes it.
    case hdf5(file: String)
    /// A part of a split file; `directory` replaces the default folder of the built-in dataset it records.
    case splitPart(SplitFile.Part, file: String, directory: String?)

    /// The parts of Fashion-MNIST the protocol names.
    public enum FashionMNISTPart: String, Sendable, CaseIterable {
        case train, pool, validation, longTail = "lt", test
    }

    /// The built-in names, as accepted by `init(parsing:)`.
    public static let builtInNames = ["fashion-mnist", "fashion-mnist:train", "fashion-mnist:pool",
                                      "fashion-mnist:validation", "fashion-mnist:test", "fmnist-lt",
                                      "mnist", "mnist:train", "mnist:test"]

    /// Resolves `spec`; `directory` replaces a built-in dataset's default folder.
    ///
    /// - Throws: `DatasetFileError.missing` for a path that does not exist (and is no built-in
    ///   name), or a split file `FILE.json:PART` that does not; `.invalidField` for a file of no
    ///   supported kind.
    public init(parsing spec: String, directory: String? = nil) throws {
        switch spec.lowercased() {
        case "fashion-mnist", "fashion-mnist:train":
            self = .fashionMNIST(.train, directory: directory ?? FashionMNIST.defaultDirectory)
        case "fashion-mnist:pool":
            self = .fashionMNIST(.pool, directory: directory ?? FashionMNIST.defaultDirectory)
        case "fashion-mnist:validation":
            self = .fashionMNIST(.validation, directory: directory ?? FashionMNIST.defaultDirectory)
        case "fashion-mnist:test":
            self = .fashionMNIST(.test, directory: directory ?? FashionMNIST.defaultDirectory)
        case "fmnist-lt", "fashion-mnist:lt":
            self = .fashionMNIST(.longTail, directory: directory ?? FashionMNIST.defaultDirectory)
        case "mnist", "mnist:train":
            self = .mnist(.train, directory: directory ?? MNIST.defaultDirectory)
        case "mnist:test":
            self = .mnist(.test, directory: directory ?? MNIST.defaultDirectory)
        default:
            if let part = SplitFile.Part.allCases.first(where: { spec.hasSuffix(":" + $0.rawValue) }) {
                let file = String(spec.dropLast(part.rawValue.count + 1))
                if fileExists(file) || file.lowercased().hasSuffix(".json") {
                    guard fileExists(file) else { throw DatasetFileError.missing(file: file) }
                    self = .splitPart(part, file: file, directory: directory)
                    return
                }
            }
            self = try Self.resolve(path: spec)
        }
    }

    private static func resolve(path: String) throws -> DatasetSource {
        let path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if directoryExists(path) {
            let train = CIFAR10.batchFiles(split: .train, directory: path)
            if fileExists(train[0]) { return .cifar10(batches: train, directory: path) }
            let test = CIFAR10.batchFiles(split: .test, directory: path)
            if fileExists(test[0]) { return .cifar10(batches: test, directory: path) }
            let idx = TrainTestSplit.train.idxFiles(in: path)
            if fileExists(idx.images) { return .idx(images: idx.images, labels: idx.labels) }
            return .imageFolder(directory: path)
        }
        guard fileExists(path) else { throw DatasetFileError.missing(file: path) }
        let name = (path as NSString).lastPathComponent
        if name.hasSuffix(".h5") || name.hasSuffix(".hdf5") { return .hdf5(file: path) }
        if name.hasSuffix(".bin") {
            return .cifar10(batches: [path], directory: (path as NSString).deletingLastPathComponent)
        }
        if let range = name.range(of: "images-idx3") {
            let labels = (path as NSString).deletingLastPathComponent + "/"
                + name.replacingCharacters(in: range, with: "labels-idx1")
            return .idx(images: path, labels: labels)
        }
        throw DatasetFileError.invalidField(
            file: path, field: "file name",
            expected: "a CIFAR-10 batch (*.bin), an IDX images file (*-images-idx3-ubyte[.gz]), an HDF5 image set (*.h5) or a folder",
            found: "\"\(name)\"")
    }

    /// Loads the dataset; images from folders are converted to `channels` and resized to
    /// `imageSize`, each by default the folder's own (`ImageFolderInput`: its most common size
    /// scaled down to at most `maximumSide`, gray when every image is); the other sources keep
    /// their own size and channels.
    ///
    /// - Throws: the `DatasetFileError` of the loader, `ImbalanceProfileError` when a
    ///   Fashion-MNIST folder's training file cannot give FMNIST-LT, or `MemoryBudgetError` for an
    ///   image folder whose images at that size cannot fit in the memory the process may use.
    public func load(imageSize: ImageSize? = nil, channels: Int? = nil,
                     maximumSide: Int = ImageFolderInput.defaultMaximumSide) throws -> LoadedDataset {
        switch self {
        case .fashionMNIST(let part, let directory):
            let dataset = try FashionMNIST.load(split: part == .test ? .test : .train, directory: directory)
            let selection: [Int]
            switch part {
            case .train, .test: selection = Array(0..<dataset.count)
            case .pool: selection = FashionMNIST.trainingPoolIndices(labels: dataset.labels)
            case .validation: selection = FashionMNIST.validationIndices(labels: dataset.labels)
            case .longTail: selection = try FashionMNIST.longTailIndices(labels: dataset.labels)
            }
            return LoadedDataset(dataset: dataset, selection: selection)
        case .mnist(let split, let directory):
            return LoadedDataset(dataset: try MNIST.load(split: split, directory: directory))
        case .idx(let images, let labels):
            return LoadedDataset(dataset: try Dataset(idxImages: images, labels: labels))
        case .cifar10(let batches, let directory):
            return LoadedDataset(dataset: try CIFAR10.load(batches: batches, classNames: CIFAR10.classNames(directory: directory)))
        case .imageFolder(let directory):
            let folder = try ImageFolder(directory: directory)
            let headers = try folder.imageHeaders()
            let input = ImageFolderInput(headers: headers, maximumSide: maximumSide)
            let size = imageSize ?? input.size, c = channels ?? input.channels
            // One byte per pixel and channel once loaded: a folder that cannot fit is refused before any image is decoded.
            try MemoryBudget.require(checkedProduct([headers.count, size.height, size.width, c]) ?? .max,
                                     for: "loading the \(headers.count) images of \(directory) at \(size.height)×\(size.width)×\(c)")
            let dataset = try folder.load(height: size.height, width: size.width, channels: c)
            return LoadedDataset(dataset: dataset, sourceSizes: headers.map(\.size), folderInput: input)
        case .hdf5(let file):
            return LoadedDataset(dataset: try Dataset(hdf5: file))
        case .splitPart(let part, let file, let directory):
            return try Self.load(part, of: file, directory: directory, imageSize: imageSize, channels: channels)
        }
    }

    /// The images of `part` of the split file at `file`, from the dataset it records loaded at
    /// `imageSize` and `channels` (by default the split's own). A dataset loaded at another size
    /// than the split's (an image folder, resized to the model's input) is loaded at the split's
    /// size too, to check the fingerprint.
    private static func load(_ part: SplitFile.Part, of file: String, directory: String?,
                             imageSize: ImageSize?, channels: Int?) throws -> LoadedDataset {
        let split = try SplitFile.read(file)
        let source = try DatasetSource(parsing: split.dataset, directory: directory)
        try requireNoCycle(from: file, source: source, directory: directory)
        var loaded = try source.load(imageSize: imageSize ?? ImageSize(height: split.imageSize[0], width: split.imageSize[1]),
                                     channels: channels ?? split.imageSize[2])
        let d = loaded.dataset
        var fingerprint: String?
        if [d.height, d.width, d.channels] != split.imageSize {
            let atSplitSize = try source.load(imageSize: ImageSize(height: split.imageSize[0], width: split.imageSize[1]),
                                              channels: split.imageSize[2])
            fingerprint = atSplitSize.dataset.fingerprint(of: atSplitSize.selection)
        }
        loaded.selection = try split.indices(of: part, in: loaded, fingerprint: fingerprint, file: file)
        return loaded
    }

    /// Throws unless the split files that `source` (the dataset of the split at `file`) leads
    /// through end at a dataset: a split made of a part of itself (`data split S.json:train
    /// -o S.json`), directly or through others, never does.
    ///
    /// - Throws: `DatasetFileError.invalidField` naming `file` and the files of the cycle.
    private static func requireNoCycle(from file: String, source: DatasetSource, directory: String?) throws {
        func path(_ file: String) -> String { URL(fileURLWithPath: file).standardizedFileURL.path }
        var chain = [path(file)]
        var next = source
        while case .splitPart(_, let inner, _) = next {
            guard !chain.contains(path(inner)) else {
                throw DatasetFileError.invalidField(
                    file: file, field: "dataset", expected: "a dataset the split files it leads to do not lead back from",
                    found: "a cycle of split files: " + (chain + [path(inner)]).joined(separator: " → "))
            }
            chain.append(path(inner))
            next = try DatasetSource(parsing: SplitFile.read(inner).dataset, directory: directory)
        }
    }

    /// A short description: the format and where it comes from.
    public var summary: String {
        switch self {
        case .fashionMNIST(let part, let directory):
            let name = part == .longTail ? "FMNIST-LT" : "Fashion-MNIST \(part.rawValue)"
            return "\(name) (IDX files in \(directory))"
        case .mnist(let split, let directory): return "MNIST \(split.rawValue) (IDX files in \(directory))"
        case .idx(let images, let labels): return "IDX pair \(images), \(labels)"
        case .cifar10(let batches, _): return "CIFAR-10 batches " + batches.joined(separator: ", ")
        case .imageFolder(let directory): return "image folder \(directory)"
        case .hdf5(let file): return "HDF5 image set \(file)"
        case .splitPart(let part, let file, _): return "the \(part.rawValue) part of the split \(file)"
        }
    }
}

/// A loaded dataset and the images its name selects.
public struct LoadedDataset: Sendable {
    public var dataset: Dataset
    /// The selected images, sorted indices into `dataset` (every image unless the name picks a part).
    public var selection: [Int]
    /// For image folders: each image's size before resizing, by dataset index.
    public var sourceSizes: [ImageSize]?
    /// For image folders: the size and channels the folder's own images suggest (which the
    /// dataset has unless others were asked for).
    public var folderInput: ImageFolderInput?

    public init(dataset: Dataset, selection: [Int]? = nil, sourceSizes: [ImageSize]? = nil, folderInput: ImageFolderInput? = nil) {
        self.dataset = dataset
        self.selection = selection ?? Array(0..<dataset.count)
        self.sourceSizes = sourceSizes
        self.folderInput = folderInput
    }

    /// The images read larger than their files: `sourceSizes` with a side under the dataset's
    /// (0 for sources other than image folders).
    public var enlargedImageCount: Int {
        (sourceSizes ?? []).filter { $0.height < dataset.height || $0.width < dataset.width }.count
    }
}
