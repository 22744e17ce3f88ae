import COpenSSL
import LikenessCore

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

/// OpenSSL's SHA-256, one message at a time; the context is freed with the hasher.
final class SHA256Hasher {
    private let context: OpaquePointer

    init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("OpenSSL could not allocate a digest context") }
        self.context = context
        precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "OpenSSL could not start SHA-256")
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1, "OpenSSL SHA-256 update failed")
    }

    /// The 32-byte digest of everything given to `update`.
    func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1, "OpenSSL SHA-256 final failed")
        return Array(digest.prefix(Int(length)))
    }

    /// `"sha256:"` and the digest in lower-case hex.
    func finalizeDescription() -> String {
        let digits = Array("0123456789abcdef")
        return "sha256:" + String(finalize().flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    deinit { EVP_MD_CTX_free(context) }
}

extension Sequential {
    /// `WeightDigest` of the network's current weights.
    public var weightDigest: String { WeightDigest.of(weightEntries) }
}
