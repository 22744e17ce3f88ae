import LikenessFiles

/// An array of unsigned bytes in the IDX format of MNIST and Fashion-MNIST.
///
/// The file holds a 4-byte magic number `00 00 08 d` (`08`: unsigned bytes, `d`: the number
/// of dimensions), then `d` big-endian 32-bit sizes, then the bytes in row-major order.
/// Files may be gzip-compressed; the loader tells them apart by their first two bytes.
public struct IDXArray: Sendable, Equatable {
    /// The sizes of the dimensions, outermost first (`[count, height, width]` for images).
    public var shape: [Int]
    /// The elements, row-major, `shape.reduce(1, *)` of them.
    public var bytes: [UInt8]

    /// The largest data block a file may declare unless the caller allows more: 4 GiB.
    public static let defaultByteLimit = 1 << 32
    /// The most dimensions an IDX header can declare that the loaders accept.
    public static let maximumRank = 4

    public init(shape: [Int], bytes: [UInt8]) {
        precondition((1...Self.maximumRank).contains(shape.count), "IDX rank \(shape.count) outside 1...\(Self.maximumRank)")
        precondition(shape.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) }, "IDX dimension outside 0...\(UInt32.max): \(shape)")
        precondition(bytes.count == shape.reduce(1, *), "\(bytes.count) bytes for IDX shape \(shape)")
        self.shape = shape
        self.bytes = bytes
    }

    /// Reads the IDX file at `path`, plain or gzip-compressed.
    ///
    /// The declared sizes are checked against `byteLimit` and against what a file of this
    /// length can hold before any memory is set aside for the data.
    ///
    /// - Throws: `DatasetFileError`: `.missing`; `.invalidField` for a wrong magic number or
    ///   element type; `.tooLarge` for sizes over `byteLimit`; `.truncated` when the data ends
    ///   early; `.inconsistent` when bytes follow the data or the sizes exceed what the file
    ///   can hold; `.corrupt` for damaged gzip data.
    public init(contentsOf path: String, byteLimit: Int = IDXArray.defaultByteLimit) throws {
        let stream = try ByteStream(path: path)
        let magic = try stream.read(4, field: "magic number")
        guard magic[0] == 0, magic[1] == 0 else {
            throw DatasetFileError.invalidField(
                file: path, field: "magic number", expected: "00 00 (the start of an IDX magic number)",
                found: magic.map(Self.hex).joined(separator: " "))
        }
        guard magic[2] == 0x08 else {
            throw DatasetFileError.invalidField(
                file: path, field: "element type", expected: "08 (unsigned byte)",
                found: "\(Self.hex(magic[2])) (\(Self.typeName(magic[2])))")
        }
        let rank = Int(magic[3])
        guard (1...Self.maximumRank).contains(rank) else {
            throw DatasetFileError.invalidField(
                file: path, field: "number of dimensions", expected: "1 to \(Self.maximumRank)", found: "\(rank)")
        }
        let header = try stream.read(4 * rank, field: "dimension sizes")
        var shape = [Int]()
        var total = 1
        var overflow = false
        for d in 0..<rank {
            let size = header[(4 * d)..<(4 * d + 4)].reduce(0) { $0 << 8 | Int($1) }
            shape.append(size)
            (total, overflow) = total.multipliedReportingOverflow(by: size)
            if overflow { break }
        }
        let dimensions = shape.map(String.init).joined(separator: "×")
        guard !overflow, total <= byteLimit else {
            throw DatasetFileError.tooLarge(file: path, field: "dimensions \(dimensions)", limit: byteLimit,
                                            found: overflow ? Int.max : total)
        }
        let headerLength = 4 + 4 * rank
        let capacity = stream.decodedSizeBound - headerLength
        guard total <= capacity else {
            if stream.isGzip {
                throw DatasetFileError.inconsistent(
                    file: path, field: "dimensions \(dimensions)",
                    expected: "at most \(capacity) bytes of data in a gzip file of \(stream.fileSize) bytes",
                    found: "\(total) bytes declared")
            }
            throw DatasetFileError.truncated(file: path, field: "data (dimensions \(dimensions))",
                                             expectedBytes: total, foundBytes: capacity)
        }
        let data = try stream.read(total, field: "data (dimensions \(dimensions))")
        try stream.expectEnd(expectedLength: "\(headerLength + total) bytes of header and data for dimensions \(dimensions)")
        self.init(shape: shape, bytes: data)
    }

    /// The file's bytes: magic number, sizes and data.
    public var encoded: [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
        out.reserveCapacity(4 + 4 * shape.count + bytes.count)
        for size in shape {
            out += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                    UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        out += bytes
        return out
    }

    /// Writes the array to `path` as IDX, gzip-compressed when `compressed` (the file is
    /// replaced only once completely written).
    ///
    /// - Throws: `DatasetFileError` when the file cannot be written.
    public func write(to path: String, compressed: Bool) throws {
        try AtomicFile.write(compressed ? Gzip.compress(encoded) : encoded, to: path)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }

    private static func typeName(_ code: UInt8) -> String {
        switch code {
        case 0x09: return "signed byte"
        case 0x0B: return "16-bit integer"
        case 0x0C: return "32-bit integer"
        case 0x0D: return "32-bit float"
        case 0x0E: return "64-bit float"
        default: return "not an IDX type"
        }
    }
}
