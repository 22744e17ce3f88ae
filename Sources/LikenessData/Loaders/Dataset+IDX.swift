import LikenessFiles

extension Dataset {
    /// A dataset from a pair of IDX files: images `N × H × W` (grayscale) or `N × H × W × C`,
    /// and labels `N`, as MNIST and Fashion-MNIST ship them (plain or gzip).
    ///
    /// - Parameters:
    ///   - imagesPath: the images file.
    ///   - labelsPath: the labels file.
    ///   - classNames: the name of each class; when nil, `"0"`, `"1"`, … up to the largest label.
    ///   - idPrefix: image `i` gets the id `idPrefix#i`; when nil, the images file's name.
    ///   - byteLimit: the largest data block either file may declare.
    /// - Throws: any `DatasetFileError` of `IDXArray(contentsOf:)`; `.invalidField` when a file
    ///   has the wrong number of dimensions or a label is outside the classes; `.tooLarge` when
    ///   one image is past `byteLimit` (a file of no images still declares their size);
    ///   `.inconsistent` when the two files hold different numbers of items.
    public init(idxImages imagesPath: String, labels labelsPath: String, classNames: [String]? = nil,
                idPrefix: String? = nil, byteLimit: Int = IDXArray.defaultByteLimit) throws {
        let images = try IDXArray(contentsOf: imagesPath, byteLimit: byteLimit)
        guard images.shape.count == 3 || images.shape.count == 4 else {
            throw DatasetFileError.invalidField(
                file: imagesPath, field: "number of dimensions",
                expected: "3 (count × height × width) or 4 (count × height × width × channels)",
                found: "\(images.shape.count)")
        }
        let count = images.shape[0], height = images.shape[1], width = images.shape[2]
        let channels = images.shape.count == 4 ? images.shape[3] : 1
        guard height > 0, width > 0, channels > 0 else {
            throw DatasetFileError.invalidField(
                file: imagesPath, field: "image size", expected: "positive height, width and channels",
                found: "\(height)×\(width)×\(channels)")
        }
        let imageBytes = checkedProduct([height, width, channels]) ?? Int.max
        guard imageBytes <= byteLimit else {
            throw DatasetFileError.tooLarge(file: imagesPath, field: "image size \(height)×\(width)×\(channels)",
                                            limit: byteLimit, found: imageBytes)
        }
        let labels = try IDXArray(contentsOf: labelsPath, byteLimit: byteLimit)
        guard labels.shape.count == 1 else {
            throw DatasetFileError.invalidField(
                file: labelsPath, field: "number of dimensions", expected: "1 (count)", found: "\(labels.shape.count)")
        }
        guard labels.shape[0] == count else {
            throw DatasetFileError.inconsistent(
                file: labelsPath, field: "label count",
                expected: "\(count), the image count of \(imagesPath)", found: "\(labels.shape[0])")
        }
        let names = classNames ?? (0...Int(labels.bytes.max() ?? 0)).map(String.init)
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= names.count }) {
            throw DatasetFileError.invalidField(
                file: labelsPath, field: "label of item \(bad)", expected: "a class in 0..<\(names.count)",
                found: "\(labels.bytes[bad])")
        }
        let prefix = idPrefix ?? String(imagesPath.split(separator: "/").last ?? Substring(imagesPath))
        self.init(pixels: images.bytes, labels: labels.bytes.map(Int.init), classNames: names,
                  ids: (0..<count).map { "\(prefix)#\($0)" }, height: height, width: width, channels: channels)
    }

    /// Writes the dataset as an IDX pair (images `N × H × W`, or `N × H × W × C` when it has
    /// more than one channel, and labels `N`), gzip-compressed when `compressed`.
    ///
    /// - Precondition: fewer than 257 classes (labels are single bytes).
    /// - Throws: `DatasetFileError` when a file cannot be written.
    public func writeIDX(images imagesPath: String, labels labelsPath: String, compressed: Bool) throws {
        precondition(classNames.count <= 256, "IDX labels are bytes: \(classNames.count) classes do not fit")
        let shape = channels == 1 ? [count, height, width] : [count, height, width, channels]
        try IDXArray(shape: shape, bytes: pixels).write(to: imagesPath, compressed: compressed)
        try IDXArray(shape: [count], bytes: labels.map { UInt8($0) }).write(to: labelsPath, compressed: compressed)
    }
}
