import Foundation
import LikenessFiles

/// A split as `likeness data split` writes it: the dataset it divides (the argument as given),
/// that dataset's fingerprint, and the ids of each part's images. Ids, unlike indices, name the
/// same images however the dataset's files are listed; the fingerprint tells when the dataset
/// itself changed.
///
/// JSON (docs/FILE-FORMATS.md, "Split files"):
///
///     {"format": "likeness-split", "format_version": 2,
///      "dataset": "Datasets/shapes", "fingerprint": "sha256:…", "image_size": [64, 64, 3],
///      "seed": 0, "validation_fraction": 0.1, "test_fraction": 0.1,
///      "train": ["Datasets/shapes/circle/01.png", …], "validation": […], "test": […]}
///
/// Version 1 (before ids) was `{"train": [...], "validation": [...], "test": [...]}` of indices;
/// `read(_:)` refuses it, naming the command that writes the new form.
public struct SplitFile: Sendable, Equatable, Codable {
    /// The value of `format`.
    public static let formatName = "likeness-split"
    /// The value of `format_version` this version writes and reads.
    public static let currentVersion = 2

    /// The parts of a split, as `FILE:PART` names them.
    public enum Part: String, Sendable, CaseIterable {
        case train, validation, test
    }

    public var format: String
    public var formatVersion: Int
    /// The dataset divided, as given to `data split` (a built-in name or a path).
    public var dataset: String
    /// `Dataset.fingerprint(of:)` of the dataset's images when the split was made.
    public var fingerprint: String
    /// The height, width and channels the images had when the fingerprint was computed (an image
    /// folder is resized to the model's input when loaded, so its pixels depend on them).
    public var imageSize: [Int]
    public var seed: UInt64
    public var validationFraction: Double
    public var testFraction: Double
    public var train: [String]
    public var validation: [String]
    public var test: [String]

    /// The split of `loaded` (the dataset `dataset` names) into the parts of `split`, by image id.
    ///
    /// - Precondition: the ids of `loaded`'s selected images are distinct (`requireDistinctIds`).
    public init(dataset: String, loaded: LoadedDataset, split: DatasetSplit,
                seed: UInt64, validationFraction: Double, testFraction: Double) {
        let d = loaded.dataset
        self.format = Self.formatName
        self.formatVersion = Self.currentVersion
        self.dataset = dataset
        self.fingerprint = d.fingerprint(of: loaded.selection)
        self.imageSize = [d.height, d.width, d.channels]
        self.seed = seed
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.train = split.train.map { d.ids[$0] }
        self.validation = split.validation.map { d.ids[$0] }
        self.test = split.test.map { d.ids[$0] }
    }

    /// The ids of `part`'s images.
    public func ids(of part: Part) -> [String] {
        switch part {
        case .train: train
        case .validation: validation
        case .test: test
        }
    }

    /// Reads the split file at `path`.
    ///
    /// - Throws: `DatasetFileError.missing`/`.unreadable` when it cannot be read; `.invalidField`
    ///   when it is no split file, or an index-only split of an older likeness (re-run
    ///   `likeness data split`), or of a newer format version.
    public static func read(_ path: String) throws -> SplitFile {
        guard fileExists(path) else { throw DatasetFileError.missing(file: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetFileError.unreadable(file: path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data)
        } catch {
            throw DatasetFileError.invalidField(file: path, field: "contents", expected: "a JSON object written by likeness data split",
                                                found: "\(error)")
        }
        if header.format == nil, header.hasTrain {
            throw DatasetFileError.invalidField(
                file: path, field: "format", expected: "a split of image ids (format_version \(currentVersion))",
                found: "an index-only split of an older likeness: re-run likeness data split to write it with ids")
        }
        guard header.format == formatName else {
            throw DatasetFileError.invalidField(file: path, field: "format", expected: "\"\(formatName)\"",
                                                found: header.format.map { "\"\($0)\"" } ?? "none")
        }
        guard header.formatVersion == currentVersion else {
            throw DatasetFileError.invalidField(file: path, field: "format_version", expected: "\(currentVersion)",
                                                found: header.formatVersion.map(String.init) ?? "none")
        }
        let split: SplitFile
        do {
            split = try decoder.decode(SplitFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw DatasetFileError.invalidField(file: path, field: key.stringValue, expected: "a value", found: "none")
        } catch let DecodingError.typeMismatch(type, context) {
            throw DatasetFileError.invalidField(file: path, field: context.codingPath.map(\.stringValue).joined(separator: "."),
                                                expected: "\(type)", found: context.debugDescription)
        } catch {
            throw DatasetFileError.invalidField(file: path, field: "contents", expected: "a split file", found: "\(error)")
        }
        guard split.imageSize.count == 3, split.imageSize.allSatisfy({ $0 > 0 }) else {
            throw DatasetFileError.invalidField(file: path, field: "image_size", expected: "[height, width, channels], each positive",
                                                found: "\(split.imageSize)")
        }
        return split
    }

    /// The fields that tell a split file's version: version 1 had `train` and no `format`.
    private struct Header: Decodable {
        var format: String?
        var formatVersion: Int?
        var hasTrain: Bool

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            format = try container.decodeIfPresent(String.self, forKey: .format)
            formatVersion = try container.decodeIfPresent(Int.self, forKey: .formatVersion)
            hasTrain = container.contains(.train)
        }

        enum CodingKeys: String, CodingKey { case format, formatVersion, train }
    }

    /// The indices into `loaded.dataset` of `part`'s images, sorted, after checking that `loaded`
    /// (the dataset `dataset` names) has the recorded fingerprint.
    ///
    /// - Parameters:
    ///   - recorded: the fingerprint of the dataset loaded at `imageSize`, when `loaded` has
    ///     another size (an image folder loaded for another model input); nil to compute it from `loaded`.
    ///   - file: the split file's path, for errors.
    /// - Throws: `DatasetFileError.inconsistent` when the fingerprint differs or an id is not in
    ///   the dataset: the dataset changed since the split was made.
    public func indices(of part: Part, in loaded: LoadedDataset, fingerprint current: String? = nil, file: String) throws -> [Int] {
        let dataset = loaded.dataset
        let found = current ?? dataset.fingerprint(of: loaded.selection)
        guard found == fingerprint else {
            throw DatasetFileError.inconsistent(
                file: file, field: "fingerprint", expected: "\(fingerprint) (the images of \(self.dataset) when the split was made)",
                found: "\(found): the dataset changed since the split was made; re-run likeness data split")
        }
        let position = try loaded.indexById(file: file)
        return try ids(of: part).map { id in
            guard let i = position[id] else {
                throw DatasetFileError.inconsistent(
                    file: file, field: part.rawValue, expected: "ids of images in \(self.dataset)",
                    found: "\"\(id)\", which it lacks: the dataset changed since the split was made; re-run likeness data split")
            }
            return i
        }.sorted()
    }
}

extension LoadedDataset {
    /// The index of each selected image by id.
    ///
    /// - Throws: `DatasetFileError.inconsistent` naming `file` when two selected images share an id.
    func indexById(file: String) throws -> [String: Int] {
        var position = [String: Int](minimumCapacity: selection.count)
        for i in selection {
            let id = dataset.ids[i]
            guard position.updateValue(i, forKey: id) == nil else {
                throw DatasetFileError.inconsistent(file: file, field: "ids", expected: "one image per id",
                                                    found: "\"\(id)\" twice: a split by id needs distinct ids")
            }
        }
        return position
    }

    /// Throws unless the selected images' ids are distinct, as a split by id needs.
    ///
    /// - Throws: `DatasetFileError.inconsistent` naming `source`.
    public func requireDistinctIds(source: String) throws {
        _ = try indexById(file: source)
    }
}
