import Foundation
import LikenessFiles

/// CIFAR-10: 60,000 RGB 32×32 images in 10 classes, in the "binary version" batches
/// (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`, `batches.meta.txt`).
///
/// Each record is 3,073 bytes: the label, then the red, green and blue planes of
/// 32 × 32 bytes each (channels first); the loader turns them to the dataset's
/// `height × width × channels` layout.
public enum CIFAR10 {
    public typealias Split = TrainTestSplit

    /// The class names when no `batches.meta.txt` says otherwise.
    public static let defaultClassNames = ["airplane", "automobile", "bird", "cat", "deer",
                                           "dog", "frog", "horse", "ship", "truck"]
    /// The side of the square images.
    public static let imageSide = 32
    /// The bytes of one record: a label byte and 3 × 32 × 32 pixel bytes.
    public static let recordLength = 1 + 3 * 32 * 32
    /// The largest batch file the loader reads: 1 GiB.
    public static let fileByteLimit = 1 << 30

    /// The batch files of `split` in `directory`: the training batches present
    /// (`data_batch_1.bin` up), or `test_batch.bin`.
    public static func batchFiles(split: Split, directory: String) -> [String] {
        switch split {
        case .test:
            return ["\(directory)/test_batch.bin"]
        case .train:
            var files = [String]()
            while fileExists("\(directory)/data_batch_\(files.count + 1).bin") {
                files.append("\(directory)/data_batch_\(files.count + 1).bin")
            }
            return files.isEmpty ? ["\(directory)/data_batch_1.bin"] : files
        }
    }

    /// The class names of the batches in `directory`: one per line of `batches.meta.txt`
    /// (blank lines dropped), or `defaultClassNames` when the file is absent.
    ///
    /// - Throws: `DatasetFileError` when the file exists but cannot be read or names no class.
    public static func classNames(directory: String) throws -> [String] {
        let path = "\(directory)/batches.meta.txt"
        guard fileExists(path) else { return defaultClassNames }
        let bytes = try ByteStream(path: path, decompressing: false).readAll(limit: 1 << 20, field: "class names")
        let names = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw DatasetFileError.invalidField(file: path, field: "class names", expected: "one class name per line",
                                                found: "no names")
        }
        return names
    }

    /// Loads the training batches or the test batch from `directory`, with the class names of
    /// its `batches.meta.txt`.
    ///
    /// - Throws: `DatasetFileError`, naming the batch or meta file at fault.
    public static func load(split: Split, directory: String) throws -> Dataset {
        try load(batches: batchFiles(split: split, directory: directory), classNames: classNames(directory: directory))
    }

    /// Loads the given batch files in order; ids are `file-name#record`.
    ///
    /// - Throws: `DatasetFileError`: `.missing`; `.truncated` when a file's length is not a
    ///   whole number of records; `.tooLarge` past `fileByteLimit`; `.invalidField` for a
    ///   label outside `classNames`.
    public static func load(batches: [String], classNames: [String] = defaultClassNames) throws -> Dataset {
        precondition(!batches.isEmpty, "no CIFAR-10 batch files given")
        let side = imageSide, plane = side * side
        var pixels = [UInt8](), labels = [Int](), ids = [String]()
        for path in batches {
            let stream = try ByteStream(path: path)
            if !stream.isGzip {
                // Checked before reading: a partial record means the file was cut short.
                let partial = stream.fileSize % recordLength
                guard partial == 0 else {
                    throw DatasetFileError.truncated(file: path, field: "record \(stream.fileSize / recordLength)",
                                                     expectedBytes: recordLength, foundBytes: partial)
                }
            }
            let bytes = try stream.readAll(limit: fileByteLimit, field: "records")
            guard bytes.count % recordLength == 0 else {
                throw DatasetFileError.truncated(file: path, field: "record \(bytes.count / recordLength)",
                                                 expectedBytes: recordLength, foundBytes: bytes.count % recordLength)
            }
            let records = bytes.count / recordLength
            let name = String(path.split(separator: "/").last ?? Substring(path))
            pixels.reserveCapacity(pixels.count + records * 3 * plane)
            for r in 0..<records {
                let base = r * recordLength
                let label = Int(bytes[base])
                guard label < classNames.count else {
                    throw DatasetFileError.invalidField(file: path, field: "label of record \(r)",
                                                        expected: "a class in 0..<\(classNames.count)", found: "\(label)")
                }
                labels.append(label)
                ids.append("\(name)#\(r)")
                for p in 0..<plane {
                    pixels.append(bytes[base + 1 + p])
                    pixels.append(bytes[base + 1 + plane + p])
                    pixels.append(bytes[base + 1 + 2 * plane + p])
                }
            }
        }
        return Dataset(pixels: pixels, labels: labels, classNames: classNames, ids: ids,
                       height: side, width: side, channels: 3)
    }

    /// Writes `dataset` (32 × 32 RGB, at most 256 classes) as one CIFAR-10 binary batch.
    ///
    /// - Throws: `DatasetFileError` when the file cannot be written.
    public static func writeBatch(_ dataset: Dataset, to path: String) throws {
        precondition(dataset.height == imageSide && dataset.width == imageSide && dataset.channels == 3,
                     "CIFAR-10 batches hold 32×32 RGB images, not \(dataset.height)×\(dataset.width)×\(dataset.channels)")
        precondition(dataset.classNames.count <= 256, "CIFAR-10 labels are bytes: \(dataset.classNames.count) classes do not fit")
        let plane = imageSide * imageSide
        var bytes = [UInt8]()
        bytes.reserveCapacity(dataset.count * recordLength)
        for i in 0..<dataset.count {
            bytes.append(UInt8(dataset.labels[i]))
            let base = i * dataset.imageByteCount
            for channel in 0..<3 {
                for p in 0..<plane { bytes.append(dataset.pixels[base + 3 * p + channel]) }
            }
        }
        try AtomicFile.write(bytes, to: path)
    }
}
