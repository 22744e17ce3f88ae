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

    @Option(help: ArgumentHelp("Image folders only: the size images are resized to, HEIGHTxWIDTH or one number for squares.",
                               valueName: "size"))
    var imageSize: String = "64x64"

    @Flag(help: "Image folders only: read images as grayscale (default: RGB).")
    var grayscale = false

    func validate() throws {
        _ = try parsedImageSize()
        _ = try source()
    }

    func parsedImageSize() throws -> ImageSize {
        let parts = imageSize.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let height = parts.first ?? nil, let width = parts.last ?? nil,
              height > 0, width > 0, height <= 4096, width <= 4096 else {
            throw ValidationError("--image-size must be HEIGHTxWIDTH or one number, each from 1 to 4096 (e.g. 28x28 or 64), not '\(imageSize)'.")
        }
        return ImageSize(height: height, width: width)
    }

    /// The source the argument names.
    func source() throws -> DatasetSource {
        do {
            return try DatasetSource(parsing: dataset, directory: dataDirectory)
        } catch DatasetFileError.missing(let file) where file == dataset {
            throw ValidationError("'\(dataset)' is neither a built-in dataset (\(DatasetSource.builtInNames.joined(separator: ", "))) nor an existing file or folder.")
        }
    }

    /// Loads the dataset, saying on stderr what is being read.
    func load() throws -> (source: DatasetSource, loaded: LoadedDataset) {
        let source = try source()
        printDiagnostic("loading \(source.summary)")
        let loaded = try source.load(imageSize: try parsedImageSize(), channels: grayscale ? 1 : 3)
        return (source, loaded)
    }
}

/// Writes `text` to `path`, or to standard output when `path` is nil or `-`.
func writeResult(_ text: String, to path: String?) throws {
    guard let path, path != "-" else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return
    }
    try AtomicFile.write(Array(text.utf8), to: path)
    printDiagnostic("wrote \(path)")
}

/// JSON text of `value`, keys in snake case and sorted, for files other tools read.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}

/// A count with its share of `total`, e.g. `2139 (14.0%)`.
func countWithShare(_ count: Int, of total: Int) -> String {
    total == 0 ? "\(count)" : "\(count) (\(String(format: "%.1f", 100 * Double(count) / Double(total)))%)"
}
