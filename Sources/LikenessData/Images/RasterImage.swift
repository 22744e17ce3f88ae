import LikenessFiles

/// One decoded 8-bit image: `height × width × channels` bytes, channels last
/// (1: grayscale, 3: RGB), rows top to bottom.
public struct RasterImage: Sendable, Equatable {
    public var pixels: [UInt8]
    public let height: Int
    public let width: Int
    public let channels: Int

    /// The most pixels (height × width) a file may declare unless the caller allows more:
    /// 2²⁶, a 8192 × 8192 image.
    public static let defaultPixelLimit = 1 << 26

    public init(pixels: [UInt8], height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0 && (channels == 1 || channels == 3),
                     "image \(height)×\(width)×\(channels): sizes must be positive, channels 1 or 3")
        precondition(pixels.count == height * width * channels,
                     "\(pixels.count) bytes for an image of \(height)×\(width)×\(channels)")
        self.pixels = pixels
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// The image with `channels` channels: gray to RGB repeats the value; RGB to gray takes the
    /// luma Y = (299 R + 587 G + 114 B) / 1000 of ITU-R BT.601, rounded.
    public func converted(channels target: Int) -> RasterImage {
        precondition(target == 1 || target == 3, "channels must be 1 or 3, got \(target)")
        if target == channels { return self }
        let n = height * width
        var out = [UInt8](repeating: 0, count: n * target)
        if target == 3 {
            for p in 0..<n { out[3 * p] = pixels[p]; out[3 * p + 1] = pixels[p]; out[3 * p + 2] = pixels[p] }
        } else {
            for p in 0..<n {
                let y = 299 * Int(pixels[3 * p]) + 587 * Int(pixels[3 * p + 1]) + 114 * Int(pixels[3 * p + 2])
                out[p] = UInt8((y + 500) / 1000)
            }
        }
        return RasterImage(pixels: out, height: height, width: width, channels: target)
    }

    /// The image resampled to `newHeight × newWidth` by bilinear interpolation, with pixel
    /// centres aligned: source coordinate s = (d + ½) · in / out − ½, clamped to the image.
    public func resized(height newHeight: Int, width newWidth: Int) -> RasterImage {
        precondition(newHeight > 0 && newWidth > 0, "target size \(newHeight)×\(newWidth) must be positive")
        if newHeight == height && newWidth == width { return self }
        func taps(_ outCount: Int, _ inCount: Int) -> [(Int, Int, Float)] {
            (0..<outCount).map { d in
                let s = min(max((Float(d) + 0.5) * Float(inCount) / Float(outCount) - 0.5, 0), Float(inCount - 1))
                let lower = Int(s)
                return (lower, min(lower + 1, inCount - 1), s - Float(lower))
            }
        }
        let rows = taps(newHeight, height), columns = taps(newWidth, width)
        let c = channels
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * c)
        for (y, (y0, y1, wy)) in rows.enumerated() {
            for (x, (x0, x1, wx)) in columns.enumerated() {
                for ch in 0..<c {
                    let top = Float(pixels[(y0 * width + x0) * c + ch]) * (1 - wx) + Float(pixels[(y0 * width + x1) * c + ch]) * wx
                    let bottom = Float(pixels[(y1 * width + x0) * c + ch]) * (1 - wx) + Float(pixels[(y1 * width + x1) * c + ch]) * wx
                    out[(y * newWidth + x) * c + ch] = UInt8(min(max((top * (1 - wy) + bottom * wy).rounded(), 0), 255))
                }
            }
        }
        return RasterImage(pixels: out, height: newHeight, width: newWidth, channels: c)
    }
}

/// An image's size as its file declares it.
public struct ImageSize: Sendable, Equatable, Hashable, Codable {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// Width over height.
    public var aspectRatio: Double { Double(width) / Double(height) }
}

/// What an image file's header declares: its size, and 1 channel for a gray image or 3 for a
/// colour one (alpha not counted).
public struct ImageHeader: Sendable, Equatable, Hashable {
    public var size: ImageSize
    public var channels: Int

    public init(size: ImageSize, channels: Int) {
        precondition(channels == 1 || channels == 3, "an image header of \(channels) channels: 1 or 3")
        self.size = size
        self.channels = channels
    }
}

/// The image file formats the loaders read.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png
    case jpeg

    /// The format a file's first bytes announce, or nil.
    public static func detect(_ head: some Collection<UInt8>) -> ImageFormat? {
        let bytes = Array(head.prefix(8))
        if bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        return nil
    }
}

extension RasterImage {
    /// The largest image file the loaders read whole: 256 MiB.
    public static let fileByteLimit = 1 << 28

    /// Decodes the PNG or JPEG file at `path` (told apart by its first bytes).
    ///
    /// - Throws: `DatasetFileError`: `.missing`/`.unreadable`; `.invalidField("signature")` for
    ///   a file that is neither; `.tooLarge` for more than `pixelLimit` pixels; `.corrupt` with
    ///   the decoder's message.
    public init(contentsOf path: String, pixelLimit: Int = RasterImage.defaultPixelLimit) throws {
        let bytes = try ByteStream(path: path, decompressing: false).readAll(limit: Self.fileByteLimit, field: "file")
        switch ImageFormat.detect(bytes) {
        case .png: self = try RasterImage(png: bytes, file: path, pixelLimit: pixelLimit)
        case .jpeg: self = try RasterImage(jpeg: bytes, file: path, pixelLimit: pixelLimit)
        case nil: throw Self.unknownSignature(bytes, file: path)
        }
    }

    /// The size the PNG or JPEG file at `path` declares, read from its header without decoding.
    ///
    /// - Throws: as `init(contentsOf:pixelLimit:)`.
    public static func size(contentsOf path: String) throws -> ImageSize {
        try header(contentsOf: path).size
    }

    /// The size and channels the PNG or JPEG file at `path` declares, read from its header
    /// without decoding.
    ///
    /// - Throws: as `init(contentsOf:pixelLimit:)`.
    public static func header(contentsOf path: String) throws -> ImageHeader {
        let bytes = try ByteStream(path: path, decompressing: false).readAll(limit: fileByteLimit, field: "file")
        switch ImageFormat.detect(bytes) {
        case .png: return try PNGCodec.header(of: bytes, file: path)
        case .jpeg: return try JPEGCodec.header(of: bytes, file: path)
        case nil: throw unknownSignature(bytes, file: path)
        }
    }

    static func unknownSignature(_ bytes: [UInt8], file: String) -> DatasetFileError {
        .invalidField(file: file, field: "signature", expected: "a PNG (89 50 4e 47) or JPEG (ff d8 ff) file",
                      found: bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " "))
    }

    /// Checks a declared size against `pixelLimit` before memory is set aside for it.
    static func checkDeclaredSize(_ size: ImageSize, pixelLimit: Int, file: String) throws {
        guard size.height > 0, size.width > 0 else {
            throw DatasetFileError.invalidField(file: file, field: "image size", expected: "positive width and height",
                                                found: "\(size.width)×\(size.height)")
        }
        let (pixels, overflow) = size.height.multipliedReportingOverflow(by: size.width)
        guard !overflow, pixels <= pixelLimit else {
            throw DatasetFileError.tooLarge(file: file, field: "image size \(size.width)×\(size.height) (pixels)",
                                            limit: pixelLimit, found: overflow ? Int.max : pixels)
        }
    }
}
