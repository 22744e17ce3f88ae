import Crypto
import LikenessCore

/// The digest that ties embeddings and galleries to the weights that made them:
/// `"sha256:" + hex(SHA-256(entries))`, where the entries are the network's parameters and
/// buffers sorted by name (`conv1.weight`, by UTF-8 bytes) and each contributes its name's
/// UTF-8 bytes, a zero byte, its rank and dimensions as little-endian uint64, and its values
/// as little-endian float32. docs/FILE-FORMATS.md shows the same computation with h5py.
enum WeightDigest {
    static func of(_ entries: [(name: String, tensor: Tensor)]) -> String {
        var hasher = SHA256()
        for (name, tensor) in entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            hasher.update(data: Array(name.utf8) + [0])
            let header = ([tensor.rank] + tensor.shape).map { UInt64($0).littleEndian }
            header.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            tensor.withUnsafeBufferPointer { values in
                // Every platform Swift runs on stores Float little-endian, as the digest needs.
                hasher.update(bufferPointer: UnsafeRawBufferPointer(values))
            }
        }
        let hex = hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }
        return "sha256:" + hex.joined()
    }
}

extension Sequential {
    /// The parameters' values and the buffers, by name: everything a model archive stores.
    var weightEntries: [(name: String, tensor: Tensor)] {
        parameters.map { ($0.name, $0.parameter.value) } + buffers
    }

    /// `WeightDigest` of the network's current weights.
    public var weightDigest: String { WeightDigest.of(weightEntries) }
}
