import Foundation
import Likeness

/// NumPy's .npy format (version 1.0), for handing vectors to a Python peer without h5py.
enum NumpyFile {
    /// The bytes of a float32 tensor as a little-endian .npy array of the same shape.
    static func data(_ tensor: Tensor) -> Data {
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        // Magic (6 bytes), version (2), header length (2), header ending in a newline: a multiple of 64 bytes in all.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        let words = tensor.withUnsafeBufferPointer { $0.map(\.bitPattern.littleEndian) }
        words.withUnsafeBufferPointer { data.append($0) }
        return data
    }

    static func write(_ tensor: Tensor, to path: String) throws {
        try data(tensor).write(to: URL(fileURLWithPath: path))
    }
}
