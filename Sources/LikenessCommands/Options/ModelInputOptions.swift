import ArgumentParser
import Foundation
import Likeness

/// A trained model and the images to run it on: image files, or a dataset.
struct ModelInputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The model file (from likeness train).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("A dataset to take the images from (a built-in name or a path) instead of image files.", valueName: "dataset"))
    var dataset: String?

    @Option(help: ArgumentHelp("The folder of a built-in dataset's files, instead of its default.", valueName: "folder"))
    var dataDirectory: String?

    @Argument(help: ArgumentHelp("Image files (PNG or JPEG), resized to the model's input.", valueName: "image"))
    var images: [String] = []

    func validate() throws {
        guard (dataset == nil) != images.isEmpty else {
            throw ValidationError("Give either image files or --dataset, not both or neither.")
        }
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("--model \(model): no such file.") }
    }

    /// The model, and the images to run it on (labels are 0 for image files).
    func load() throws -> (model: ModelArchive, images: LoadedDataset, source: String) {
        try Self.load(model: model, dataset: dataset, dataDirectory: dataDirectory, images: images)
    }

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

/// How per-image results are written.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, jsonl

    /// A CSV field, quoted when it must be.
    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// One JSON object on one line, keys sorted.
    static func jsonLine(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
