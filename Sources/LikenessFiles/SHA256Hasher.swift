import COpenSSL

/// OpenSSL's SHA-256, one message at a time; the context is freed with the hasher.
package final class SHA256Hasher {
    private let context: OpaquePointer

    package init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("OpenSSL could not allocate a digest context") }
        self.context = context
        precondition(EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1, "OpenSSL could not start SHA-256")
    }

    package func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1, "OpenSSL SHA-256 update failed")
    }

    /// The 32-byte digest of everything given to `update`.
    package func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1, "OpenSSL SHA-256 final failed")
        return Array(digest.prefix(Int(length)))
    }

    /// `"sha256:"` and the digest in lower-case hex.
    package func finalizeDescription() -> String {
        let digits = Array("0123456789abcdef")
        return "sha256:" + String(finalize().flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    deinit { EVP_MD_CTX_free(context) }
}
