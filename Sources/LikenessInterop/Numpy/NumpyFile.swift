import LikenessCore
import LikenessFiles

/// NumPy's .npy format, version 1.0: the magic `\x93NUMPY`, the version, a little-endian 16-bit
/// header length, a Python-literal header (`{'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }`)
/// padded with spaces to a multiple of 64 bytes and ending in a newline, then the values in C order.
///
/// What NumPy (`numpy.load`), FAISS's Python bindings and vector databases' bulk loaders read
/// without any other library.
public enum NumpyFile {
    /// The element types written: float32, int64, and fixed-width Unicode of `n` characters (UTF-32LE).
    public enum ElementType: Equatable, Sendable {
        case float32, int64
        case unicode(characters: Int)

        /// NumPy's `descr` for the type.
        var descr: String {
            switch self {
            case .float32: "<f4"
            case .int64: "<i8"
            case .unicode(let n): "<U\(n)"
            }
        }
    }

    /// The header of an array of `type` and `shape`, up to its first value.
    public static func header(_ type: ElementType, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(type.descr)', 'fortran_order': False, 'shape': \(dims), }"
        // Magic (6 bytes), version (2), header length (2), the header ending in a newline: a multiple of 64 bytes in all.
        let unpadded = 10 + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = text.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8)
    }

    /// A float32 tensor as a .npy array of the same shape.
    public static func data(_ tensor: Tensor) -> [UInt8] {
        var bytes = header(.float32, shape: tensor.shape)
        bytes.reserveCapacity(bytes.count + 4 * tensor.count)
        tensor.withUnsafeBufferPointer { appendLittleEndian($0, to: &bytes) }
        return bytes
    }

    /// Writes `tensor` as a .npy file at `path` (`AtomicFile`: an old file stays until the new one is whole).
    public static func write(_ tensor: Tensor, to path: String) throws {
        try AtomicFile.write(data(tensor), to: path)
    }

    /// Appends float32 values, little-endian.
    static func appendLittleEndian(_ values: UnsafeBufferPointer<Float>, to bytes: inout [UInt8]) {
        for v in values {
            let bits = v.bitPattern
            bytes += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                      UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
        }
    }

    /// Appends `value` as int64, little-endian.
    static func appendLittleEndian(_ value: Int, to bytes: inout [UInt8]) {
        let bits = UInt64(bitPattern: Int64(value))
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    /// Appends `text` as `characters` UTF-32LE code points, padded with zeros.
    static func appendUnicode(_ text: String, characters: Int, to bytes: inout [UInt8]) {
        var written = 0
        for scalar in text.unicodeScalars {
            let v = scalar.value
            bytes += [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 24)]
            written += 1
        }
        precondition(written <= characters, "\(written) characters in a field of \(characters)")
        bytes += [UInt8](repeating: 0, count: 4 * (characters - written))
    }
}
