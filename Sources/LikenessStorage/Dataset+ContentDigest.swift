import LikenessData

extension Dataset {
    /// The content digest of each image at `indices`: `"sha256:" + hex(SHA-256(pixels))` of its
    /// `height × width × channels` bytes as the dataset holds them (decoded and resized to the
    /// model's input), so that two files showing the same pixels, which a model embeds alike,
    /// have one digest, whatever their encoding. A gallery keeps its shots' digests this way.
    public func contentDigests(of indices: some Collection<Int>) -> [String] {
        let size = imageByteCount
        return pixels.withUnsafeBytes { bytes in
            indices.map { i in
                precondition(i >= 0 && i < count, "image index \(i) outside 0..<\(count)")
                let hasher = SHA256Hasher()
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[(i * size)..<((i + 1) * size)]))
                return hasher.finalizeDescription()
            }
        }
    }
}
