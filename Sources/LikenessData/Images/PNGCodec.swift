import CSPNG
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LikenessFiles

/// A libspng context, freed in `deinit`.
final class PNGContext {
    let handle: OpaquePointer

    init(encoder: Bool, file: String) throws {
        guard let handle = spng_ctx_new(encoder ? Int32(SPNG_CTX_ENCODER.rawValue) : 0) else {
            throw DatasetFileError.corrupt(file: file, reason: "libspng could not create a context")
        }
        self.handle = handle
    }

    deinit { spng_ctx_free(handle) }
}

/// PNG decoding and encoding through libspng.
enum PNGCodec {
    static func message(_ code: Int32) -> String { String(cString: spng_strerror(code)) }

    /// Reads the header of `bytes` (which stay borrowed while `context` uses them).
    private static func header(_ context: PNGContext, _ bytes: UnsafeRawBufferPointer, file: String) throws -> spng_ihdr {
        // Bound what libspng may set aside for metadata chunks (text, ICC profiles…).
        spng_set_chunk_limits(context.handle, 1 << 24, 1 << 26)
        var status = spng_set_png_buffer(context.handle, bytes.baseAddress, bytes.count)
        var ihdr = spng_ihdr()
        if status == 0 { status = spng_get_ihdr(context.handle, &ihdr) }
        guard status == 0 else { throw DatasetFileError.corrupt(file: file, reason: message(status)) }
        return ihdr
    }

    /// The declared size, and 1 channel for a gray image (with or without alpha, of any bit depth), else 3.
    static func header(of bytes: [UInt8], file: String) throws -> ImageHeader {
        let context = try PNGContext(encoder: false, file: file)
        let ihdr = try bytes.withUnsafeBytes { try header(context, $0, file: file) }
        let gray = [SPNG_COLOR_TYPE_GRAYSCALE, SPNG_COLOR_TYPE_GRAYSCALE_ALPHA].map { UInt8($0.rawValue) }.contains(ihdr.color_type)
        return ImageHeader(size: ImageSize(height: Int(ihdr.height), width: Int(ihdr.width)), channels: gray ? 1 : 3)
    }

    static func decode(_ bytes: [UInt8], file: String, pixelLimit: Int) throws -> RasterImage {
        let context = try PNGContext(encoder: false, file: file)
        return try bytes.withUnsafeBytes { buffer in
            let ihdr = try header(context, buffer, file: file)
            let size = ImageSize(height: Int(ihdr.height), width: Int(ihdr.width))
            try RasterImage.checkDeclaredSize(size, pixelLimit: pixelLimit, file: file)
            // Deflate expands at most 1032:1 and a pixel takes at least one bit, so a file of
            // b bytes holds at most 8 · 1032 · b pixels: a larger claim is refused before decoding.
            let (bound, overflow) = buffer.count.multipliedReportingOverflow(by: 8 * ByteStream.maximumInflationRatio)
            guard overflow || size.height * size.width <= bound else {
                throw DatasetFileError.inconsistent(
                    file: file, field: "image size \(size.width)×\(size.height)",
                    expected: "at most \(bound) pixels in a PNG file of \(buffer.count) bytes",
                    found: "\(size.height * size.width) pixels")
            }
            // Gray images of up to 8 bits decode to one channel; everything else to RGB
            // (alpha dropped, 16-bit samples scaled to 8).
            let gray = ihdr.color_type == UInt8(SPNG_COLOR_TYPE_GRAYSCALE.rawValue) && ihdr.bit_depth <= 8
            let format = Int32(gray ? SPNG_FMT_G8.rawValue : SPNG_FMT_RGB8.rawValue)
            let channels = gray ? 1 : 3
            var length = 0
            var status = spng_decoded_image_size(context.handle, format, &length)
            guard status == 0 else { throw DatasetFileError.corrupt(file: file, reason: message(status)) }
            guard length == size.height * size.width * channels else {
                throw DatasetFileError.corrupt(file: file, reason: "libspng reports \(length) bytes for \(size.width)×\(size.height)×\(channels)")
            }
            var pixels = [UInt8](repeating: 0, count: length)
            status = pixels.withUnsafeMutableBytes { spng_decode_image(context.handle, $0.baseAddress, length, format, 0) }
            guard status == 0 else { throw DatasetFileError.corrupt(file: file, reason: message(status)) }
            return RasterImage(pixels: pixels, height: size.height, width: size.width, channels: channels)
        }
    }

    static func encode(_ image: RasterImage) throws -> [UInt8] {
        let context = try PNGContext(encoder: true, file: "(PNG in memory)")
        spng_set_option(context.handle, SPNG_ENCODE_TO_BUFFER, 1)
        var ihdr = spng_ihdr()
        ihdr.width = UInt32(image.width)
        ihdr.height = UInt32(image.height)
        ihdr.bit_depth = 8
        ihdr.color_type = UInt8(image.channels == 1 ? SPNG_COLOR_TYPE_GRAYSCALE.rawValue : SPNG_COLOR_TYPE_TRUECOLOR.rawValue)
        var status = spng_set_ihdr(context.handle, &ihdr)
        if status == 0 {
            status = image.pixels.withUnsafeBytes {
                spng_encode_image(context.handle, $0.baseAddress, $0.count, Int32(SPNG_FMT_PNG.rawValue),
                                  Int32(SPNG_ENCODE_FINALIZE.rawValue))
            }
        }
        guard status == 0 else { throw DatasetFileError.corrupt(file: "(PNG in memory)", reason: message(status)) }
        var length = 0
        guard let buffer = spng_get_png_buffer(context.handle, &length, &status), status == 0 else {
            throw DatasetFileError.corrupt(file: "(PNG in memory)", reason: message(status))
        }
        defer { free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}

extension RasterImage {
    /// Decodes PNG bytes; `file` names them in errors.
    ///
    /// - Throws: `DatasetFileError.tooLarge` past `pixelLimit`, `.corrupt` with libspng's message.
    public init(png bytes: [UInt8], file: String, pixelLimit: Int = RasterImage.defaultPixelLimit) throws {
        self = try PNGCodec.decode(bytes, file: file, pixelLimit: pixelLimit)
    }

    /// The image as a PNG file's bytes (8-bit gray or RGB).
    public func pngData() throws -> [UInt8] { try PNGCodec.encode(self) }

    /// Writes the image to `path` as PNG (the file is replaced only once completely written).
    public func writePNG(to path: String) throws { try AtomicFile.write(pngData(), to: path) }
}
