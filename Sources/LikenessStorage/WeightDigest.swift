import LikenessCore
import LikenessFiles

/// The digest that ties embeddings and galleries to the weights that made them:
/// `"sha256:" + hex(SHA-256(entries))`, where the entries are the network's parameters and
/// buffers sorted by name (`conv1.weight`, by UTF-8 bytes) and each contributes its name's
/// UTF-8 bytes, a zero byte, its rank and dimensions as little-endian uint64, and its values
/// as little-endian float32. docs/FILE-FORMATS.md shows the same computation with h5py.
enum WeightDigest {
    static func of(_ entries: [(name: String, tensor: Tensor)]) -> String {
        let hasher = SHA256Hasher()
        for (name, tensor) in entries.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            (Array(name.utf8) + [0]).withUnsafeBytes { hasher.update($0) }
            let header = ([tensor.rank] + tensor.shape).map { UInt64($0).littleEndian }
            header.withUnsafeBytes { hasher.update($0) }
            tensor.withUnsafeBufferPointer { values in
                // Every platform Swift runs on stores Float little-endian, as the digest needs.
                hasher.update(UnsafeRawBufferPointer(values))
            }
        }
        return hasher.finalizeDescription()
    }
}

extension Sequential {
    /// `WeightDigest` of the network's current weights.
    public var weightDigest: String { WeightDigest.of(weightEntries) }
}
