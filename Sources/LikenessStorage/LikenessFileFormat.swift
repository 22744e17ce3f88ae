import LikenessHDF5

/// What kind of Likeness file a path holds, read before a command replaces it.
public enum LikenessFileFormat {
    /// The format the HDF5 file at `path` declares (its root attribute `format`: "likeness-model",
    /// "likeness-gallery", "likeness-embeddings", "likeness-images"); nil when there is no file,
    /// when it is not an HDF5 file, or when it declares no format.
    public static func declared(at path: String) throws -> String? {
        let file: HDF5File
        do {
            file = try HDF5File(openingAt: path)
        } catch {
            if error.kind == .fileNotFound || error.kind == .notAnHDF5File { return nil }
            throw error
        }
        guard try file.attributes.contains("format") else { return nil }
        return try file.attributes.readString(named: "format")
    }
}
