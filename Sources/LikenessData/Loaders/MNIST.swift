import LikenessFiles

/// Which part of a dataset distributed as a training file and a test file.
public enum TrainTestSplit: String, Sendable, CaseIterable {
    case train
    case test
}

extension TrainTestSplit {
    /// The MNIST-style file-name stem: `train` or `t10k`.
    public var idxFileStem: String { self == .train ? "train" : "t10k" }

    /// The images and labels file paths in `directory`, named as the original distribution
    /// names them (`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`); the
    /// gzip name is taken when it exists, or when neither exists (so errors name it).
    public func idxFiles(in directory: String) -> (images: String, labels: String) {
        func existing(_ stem: String) -> String {
            let base = "\(directory)/\(idxFileStem)-\(stem)"
            if fileExists(base + ".gz") || !fileExists(base) { return base + ".gz" }
            return base
        }
        return (existing("images-idx3-ubyte"), existing("labels-idx1-ubyte"))
    }
}

/// Fashion-MNIST: 70,000 grayscale 28×28 images of clothing in 10 balanced classes
/// (60,000 in the training file, 10,000 in the test file).
public enum FashionMNIST {
    public typealias Split = TrainTestSplit

    /// Where Debian's `dataset-fashion-mnist` package installs the four gzip IDX files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// The class names, by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Loads the training or test file from `directory`; ids are `fashion-mnist-train#i`.
    ///
    /// - Throws: `DatasetFileError`, naming the file that is missing or malformed.
    public static func load(split: Split, directory: String = defaultDirectory) throws -> Dataset {
        let files = split.idxFiles(in: directory)
        return try Dataset(idxImages: files.images, labels: files.labels, classNames: classNames,
                           idPrefix: "fashion-mnist-\(split.rawValue)")
    }
}

/// MNIST: 70,000 grayscale 28×28 handwritten digits in 10 classes, in the same IDX files
/// as Fashion-MNIST.
public enum MNIST {
    public typealias Split = TrainTestSplit

    /// The folder the loader looks in unless told otherwise.
    public static let defaultDirectory = "/usr/share/datasets/mnist"

    /// The class names, by label: the digits.
    public static let classNames = (0...9).map(String.init)

    /// Loads the training or test file from `directory`; ids are `mnist-train#i`.
    ///
    /// - Throws: `DatasetFileError`, naming the file that is missing or malformed.
    public static func load(split: Split, directory: String = defaultDirectory) throws -> Dataset {
        let files = split.idxFiles(in: directory)
        return try Dataset(idxImages: files.images, labels: files.labels, classNames: classNames,
                           idPrefix: "mnist-\(split.rawValue)")
    }
}
