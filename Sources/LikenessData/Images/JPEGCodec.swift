import CTurboJPEG
import LikenessFiles

/// A TurboJPEG compressor or decompressor, destroyed in `deinit`.
final class JPEGContext {
    let handle: UnsafeMutableRawPointer

    init(compressor: Bool, file: String) throws {
        guard let handle = compressor ? tjInitCompress() : tjInitDecompress() else {
            throw DatasetFileError.corrupt(file: file, reason: "TurboJPEG could not start: " + String(cString: tjGetErrorStr2(nil)))
        }
        self.handle = handle
    }

    deinit { tjDestroy(handle) }

    var message: String { String(cString: tjGetErrorStr2(handle)) }
}

/// JPEG decoding and encoding through TurboJPEG.
enum JPEGCodec {
    /// The declared size and whether the file is grayscale.
    private static func header(_ context: JPEGContext, _ bytes: UnsafeBufferPointer<UInt8>,
                               file: String) throws -> (size: ImageSize, gray: Bool) {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        guard tjDecompressHeader3(context.handle, bytes.baseAddress, UInt(bytes.count),
                                  &width, &height, &subsampling, &colourspace) == 0 else {
            throw DatasetFileError.corrupt(file: file, reason: context.message)
        }
        return (ImageSize(height: Int(height), width: Int(width)), colourspace == Int32(TJCS_GRAY.rawValue))
    }

    /// The declared size, and 1 channel for a grayscale file, else 3.
    static func header(of bytes: [UInt8], file: String) throws -> ImageHeader {
        let context = try JPEGContext(compressor: false, file: file)
        let (size, gray) = try bytes.withUnsafeBufferPointer { try header(context, $0, file: file) }
        return ImageHeader(size: size, channels: gray ? 1 : 3)
    }

    static func decode(_ bytes: [UInt8], file: String, pixelLimit: Int) throws -> RasterImage {
        let context = try JPEGContext(compressor: false, file: file)
        return try bytes.withUnsafeBufferPointer { buffer in
            let (size, gray) = try header(context, buffer, file: file)
            try RasterImage.checkDeclaredSize(size, pixelLimit: pixelLimit, file: file)
            let channels = gray ? 1 : 3
            var pixels = [UInt8](repeating: 0, count: size.height * size.width * channels)
            // Warnings (a file cut short, stray bytes) count as errors: a dataset should know.
            // A progressive file of more than 500 scans is refused: each scan is a pass over the
            // whole image, and a few bytes make one (libjpeg-turbo's guard against such files).
            let flags = TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
            let status = pixels.withUnsafeMutableBufferPointer {
                tjDecompress2(context.handle, buffer.baseAddress, UInt(buffer.count), $0.baseAddress, Int32(size.width), 0, Int32(size.height),
                              Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), flags)
            }
            guard status == 0 else { throw DatasetFileError.corrupt(file: file, reason: context.message) }
            return RasterImage(pixels: pixels, height: size.height, width: size.width, channels: channels)
        }
    }

    static func encode(_ image: RasterImage, quality: Int) throws -> [UInt8] {
        let context = try JPEGContext(compressor: true, file: "(JPEG in memory)")
        var output: UnsafeMutablePointer<UInt8>?
        var length: UInt = 0
        let gray = image.channels == 1
        let status = image.pixels.withUnsafeBufferPointer {
            tjCompress2(context.handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height),
                        Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), &output, &length,
                        Int32(gray ? TJSAMP_GRAY.rawValue : TJSAMP_444.rawValue), Int32(quality), TJFLAG_ACCURATEDCT)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw DatasetFileError.corrupt(file: "(JPEG in memory)", reason: context.message)
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }
}

extension RasterImage {
    /// Decodes JPEG bytes (gray files to one channel, others to RGB); `file` names them in errors.
    ///
    /// - Throws: `DatasetFileError.tooLarge` past `pixelLimit`, `.corrupt` with TurboJPEG's
    ///   message (warnings such as a file cut short included).
    public init(jpeg bytes: [UInt8], file: String, pixelLimit: Int = RasterImage.defaultPixelLimit) throws {
        self = try JPEGCodec.decode(bytes, file: file, pixelLimit: pixelLimit)
    }

    /// The image as a JPEG file's bytes at `quality` (1–100; no chroma subsampling).
    public func jpegData(quality: Int = 95) throws -> [UInt8] {
        precondition((1...100).contains(quality), "JPEG quality \(quality) outside 1...100")
        return try JPEGCodec.encode(self, quality: quality)
    }

    /// Writes the image to `path` as JPEG (the file is replaced only once completely written).
    public func writeJPEG(to path: String, quality: Int = 95) throws { try AtomicFile.write(jpegData(quality: quality), to: path) }
}
