import LikenessFiles
import LikenessHDF5

/// The name and version a Likeness file carries as its root attributes `format` and
/// `format_version`, which readers check before anything else.
struct FileFormat {
    let name: String
    /// The version written; files of versions 1 through this one are read.
    let version: Int

    func write(to file: HDF5File) throws(HDF5Error) {
        try file.attributes.write(name, named: "format")
        try file.attributes.write(version, named: "format_version")
    }

    /// The file's version; throws `wrongFormat` unless the file says it is of this format,
    /// `unsupportedVersion` unless its version is one this build reads.
    @discardableResult
    func check(_ file: HDF5File) throws -> Int {
        guard try file.attributes.contains("format") else {
            throw StorageError(
                .wrongFormat, filePath: file.path, field: attributeField(file, "format"),
                expected: "\"\(name)\"", found: "no format attribute")
        }
        let found = try file.attributes.readString(named: "format")
        guard found == name else {
            throw StorageError(
                .wrongFormat, filePath: file.path, field: attributeField(file, "format"),
                expected: "\"\(name)\"", found: "\"\(found)\"")
        }
        let foundVersion = try file.requiredInt("format_version")
        guard (1...version).contains(foundVersion) else {
            throw StorageError(
                .unsupportedVersion, filePath: file.path, field: attributeField(file, "format_version"),
                expected: version == 1 ? "1" : "1 to \(version)", found: "\(foundVersion)")
        }
        return foundVersion
    }
}

/// How errors name an attribute: `attribute 'digest'` on the root, `/checkpoint attribute 'epoch'` below it.
func attributeField(_ object: some HDF5Object, _ name: String) -> String {
    let path = object.location.objectPath
    return path == "/" ? "attribute '\(name)'" : "\(path) attribute '\(name)'"
}

extension HDF5Object {
    /// Throws `missingEntry` unless the attribute `name` exists.
    func requireAttribute(_ name: String) throws {
        guard try attributes.contains(name) else {
            throw StorageError(.missingEntry, filePath: location.filePath, field: attributeField(self, name))
        }
    }

    func requiredString(_ name: String) throws -> String {
        try requireAttribute(name)
        return try attributes.readString(named: name)
    }

    func requiredStrings(_ name: String) throws -> [String] {
        try requireAttribute(name)
        return try attributes.readStrings(named: name)
    }

    func requiredInt(_ name: String) throws -> Int {
        try requireAttribute(name)
        return try attributes.readInt(named: name)
    }

    func requiredDouble(_ name: String) throws -> Double {
        try requireAttribute(name)
        return try attributes.readDouble(named: name)
    }

    /// The attribute `name`, or nil if it is absent.
    func optionalDouble(_ name: String) throws -> Double? {
        try attributes.contains(name) ? try attributes.readDouble(named: name) : nil
    }

    /// An `invalidValue` error about the attribute `name`.
    func invalidAttribute(_ name: String, expected: String, found: String) -> StorageError {
        StorageError(.invalidValue, filePath: location.filePath, field: attributeField(self, name), expected: expected, found: found)
    }
}

extension HDF5Container {
    /// The dataset at `path`, after checking that its shape matches `shape` (nil entries match
    /// any size); throws `missingEntry` if there is none, `wrongShape` if the shape differs.
    func requiredDataset(at path: String, shape: [Int?]) throws -> HDF5Dataset {
        let base = location.objectPath
        let field = path.hasPrefix("/") ? path : base == "/" ? "/\(path)" : "\(base)/\(path)"
        guard try objectKind(at: path) == .dataset else {
            throw StorageError(.missingEntry, filePath: location.filePath, field: field, expected: "a dataset")
        }
        let dataset = try dataset(at: path)
        let found = try dataset.shape
        let matches = found.count == shape.count && zip(shape, found).allSatisfy { $0 == nil || $0 == $1 }
        guard matches else {
            let expected = "[\(shape.map { $0.map(String.init) ?? "any" }.joined(separator: ", "))]"
            throw StorageError(.wrongShape, filePath: location.filePath, field: dataset.location.objectPath,
                               expected: expected, found: describe(shape: found))
        }
        return dataset
    }
}

extension HDF5File {
    /// The embedding space a store or gallery lives in, from its attributes: the model's digest,
    /// a dimension a model can have (1 to `ModelDescription.maximumHeadSize`), and the Euclidean distance.
    func embeddingSpace() throws -> (modelDigest: String, dimension: Int) {
        let modelDigest = try requiredString("model_digest")
        let dimension = try requiredInt("dimension")
        guard (1...ModelDescription.maximumHeadSize).contains(dimension) else {
            throw invalidAttribute("dimension", expected: "an embedding dimension in 1...\(ModelDescription.maximumHeadSize)",
                                   found: "\(dimension)")
        }
        let distance = try requiredString("distance")
        guard distance == EmbeddingStore.distance else {
            throw invalidAttribute("distance", expected: "\"\(EmbeddingStore.distance)\"", found: "\"\(distance)\"")
        }
        return (modelDigest, dimension)
    }
}
