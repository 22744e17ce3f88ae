import LikenessFiles
import LikenessHDF5

/// An image set in one HDF5 file, as `likeness data export` writes it and any HDF5 client reads it:
///
/// | path | type | shape |
/// |---|---|---|
/// | `/images` | uint8 | N × H × W × C (or N × H × W for grayscale) |
/// | `/labels` | int32 (int64 and uint8 accepted) | N |
/// | `/ids` | UTF-8 strings (optional) | N |
/// | `/classes` | UTF-8 strings (optional) | C |
///
/// with root attributes `format` = "likeness-images" and `format_version` = 1.
extension Dataset {
    public static let hdf5FormatName = "likeness-images"
    public static let hdf5FormatVersion = 1
    /// The most image bytes a file may declare (the whole set is read into memory).
    public static let hdf5ByteLimit = 1 << 32
    /// The most classes a file without `/classes` may imply by its largest label (each gets a name).
    public static let hdf5ImpliedClassLimit = 1 << 20

    /// Reads an image set from an HDF5 file; shapes, types and label ranges are checked before
    /// anything is allocated.
    ///
    /// - Throws: `DatasetFileError`: `.missing`; `.invalidField` for a dataset of the wrong type
    ///   or shape, or a label outside the classes; `.inconsistent` when `/labels` or `/ids` do not
    ///   have one entry per image; `.tooLarge` for images past `byteLimit` (one image alone
    ///   included). `HDF5Error` when the file is not HDF5, is damaged, or declares more than it holds.
    public init(hdf5 path: String, byteLimit: Int = Dataset.hdf5ByteLimit) throws {
        guard fileExists(path) else { throw DatasetFileError.missing(file: path) }
        let file = try HDF5File(openingAt: path)
        let images = try file.dataset(at: "/images")
        let shape = try images.shape, imageType = try images.elementType
        guard (shape.count == 3 || shape.count == 4), imageType == .uint8 else {
            throw DatasetFileError.invalidField(file: path, field: "/images",
                                                expected: "uint8 N×H×W or N×H×W×C",
                                                found: "\(imageType) of shape \(shape)")
        }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape.count == 4 ? shape[3] : 1)
        guard h > 0, w > 0, c == 1 || c == 3 else {
            throw DatasetFileError.invalidField(file: path, field: "/images", expected: "images of at least 1×1 with 1 or 3 channels",
                                                found: "shape \(shape)")
        }
        // One image's size counts too: a set of no images still has one.
        let imageBytes = checkedProduct([h, w, c]) ?? Int.max
        let bytes = max(checkedProduct([n, imageBytes]) ?? Int.max, imageBytes)
        guard bytes <= byteLimit else {
            throw DatasetFileError.tooLarge(file: path, field: "/images", limit: byteLimit, found: bytes)
        }
        let labelSet = try file.dataset(at: "/labels")
        let labelShape = try labelSet.shape, labelType = try labelSet.elementType
        guard labelShape == [n] else {
            throw DatasetFileError.inconsistent(file: path, field: "/labels", expected: "shape [\(n)] (one label per image)",
                                                found: "shape \(labelShape)")
        }
        let labels: [Int]
        switch labelType {
        case .int32: labels = try labelSet.read(as: Int32.self).map(Int.init)
        case .int64: labels = try labelSet.read(as: Int64.self).map(Int.init)
        case .uint8: labels = try labelSet.read(as: UInt8.self).map(Int.init)
        default:
            throw DatasetFileError.invalidField(file: path, field: "/labels", expected: "int32, int64 or uint8", found: "\(labelType)")
        }
        var classNames: [String]
        if try file.contains("/classes") {
            classNames = try file.dataset(at: "/classes").readStrings()
        } else {
            // Without names, the largest label sets the number of classes, within a limit.
            if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= Self.hdf5ImpliedClassLimit }) {
                throw DatasetFileError.invalidField(
                    file: path, field: "/labels[\(bad)]",
                    expected: "a class index in 0..<\(Self.hdf5ImpliedClassLimit) (the file has no /classes)",
                    found: "\(labels[bad])")
            }
            classNames = (0..<((labels.max() ?? -1) + 1)).map(String.init)
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
            throw DatasetFileError.invalidField(file: path, field: "/labels[\(bad)]",
                                                expected: "a class index in 0..<\(classNames.count)", found: "\(labels[bad])")
        }
        var ids = (0..<n).map { "\(path)#\($0)" }
        if try file.contains("/ids") {
            let idSet = try file.dataset(at: "/ids")
            let idShape = try idSet.shape, idType = try idSet.elementType
            guard idShape == [n], idType == .string else {
                throw DatasetFileError.inconsistent(file: path, field: "/ids", expected: "\(n) strings",
                                                    found: "\(idType) of shape \(idShape)")
            }
            ids = try idSet.readStrings()
        }
        let pixels = try images.read(as: UInt8.self)
        self.init(pixels: pixels, labels: labels, classNames: classNames, ids: ids, height: h, width: w, channels: c)
    }

    /// Writes the images at `indices` (all by default) to an HDF5 file, atomically: a failed
    /// write leaves any file already at `path` as it was.
    public func writeHDF5(to path: String, indices: [Int]? = nil) throws {
        let chosen = indices ?? Array(0..<count)
        precondition(chosen.allSatisfy { $0 >= 0 && $0 < count }, "image index outside 0..<\(count)")
        var px = [UInt8]()
        px.reserveCapacity(chosen.count * imageByteCount)
        for i in chosen { px += pixels[(i * imageByteCount)..<((i + 1) * imageByteCount)] }
        try HDF5File.writeAtomically(to: path) { file in
            try file.attributes.write(Self.hdf5FormatName, named: "format")
            try file.attributes.write(Self.hdf5FormatVersion, named: "format_version")
            try file.createDataset(at: "/images", values: px, shape: [chosen.count, height, width, channels],
                                   chunkShape: [max(1, min(chosen.count, 1 << 16 / max(imageByteCount, 1))), height, width, channels])
            try file.createDataset(at: "/labels", values: chosen.map { Int32(labels[$0]) }, shape: [chosen.count])
            try file.createDataset(at: "/ids", strings: chosen.map { ids[$0] })
            try file.createDataset(at: "/classes", strings: classNames)
        }
    }
}
