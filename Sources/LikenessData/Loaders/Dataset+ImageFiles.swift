import LikenessCore
import LikenessFiles

/// Image files (PNG, JPEG) decoded in parallel, converted to `channels` and resized to
/// `height × width` (bilinear); each file's path is its id.
extension Dataset {
    /// - Throws: the `DatasetFileError` of the first file (in list order) that cannot be read.
    public init(imageFiles files: [String], labels: [Int], classNames: [String], height: Int, width: Int, channels: Int,
                pixelLimit: Int = RasterImage.defaultPixelLimit) throws {
        precondition(height > 0 && width > 0 && (channels == 1 || channels == 3),
                     "target image \(height)×\(width)×\(channels): sizes must be positive, channels 1 or 3")
        precondition(labels.count == files.count, "\(labels.count) labels for \(files.count) files")
        let size = height * width * channels
        var pixels = [UInt8](repeating: 0, count: files.count * size)
        var failures = [(index: Int, error: Error)?](repeating: nil, count: Parallel.threadCount)
        pixels.withUnsafeMutableBufferPointer { out in
            failures.withUnsafeMutableBufferPointer { failure in
                Parallel.forEachPart(files.count, parts: failure.count) { part, range in
                    for i in range {
                        do {
                            let image = try RasterImage(contentsOf: files[i], pixelLimit: pixelLimit)
                                .converted(channels: channels).resized(height: height, width: width)
                            for (k, byte) in image.pixels.enumerated() { out[i * size + k] = byte }
                        } catch {
                            failure[part] = (i, error)
                            return
                        }
                    }
                }
            }
        }
        if let first = failures.compactMap({ $0 }).min(by: { $0.index < $1.index }) { throw first.error }
        self.init(pixels: pixels, labels: labels, classNames: classNames, ids: files,
                  height: height, width: width, channels: channels)
    }
}
