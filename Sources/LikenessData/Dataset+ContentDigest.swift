import LikenessFiles

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

extension Dataset {
    /// `"sha256:" + hex(SHA-256(m))` of the images at `indices`, in the order given, where `m`
    /// is the class count, height, width and channels, each class name (UTF-8, then a zero byte),
    /// then for each image its id (UTF-8, then a zero byte), its label and its pixel bytes;
    /// counts, sizes and labels come as little-endian uint64. Any added, removed, renamed,
    /// relabelled or edited image changes it. Split files record it (docs/FILE-FORMATS.md).
    public func fingerprint(of indices: some Collection<Int>) -> String {
        let hasher = SHA256Hasher()
        func update(_ values: [UInt64]) { values.map(\.littleEndian).withUnsafeBytes { hasher.update($0) } }
        func update(_ text: String) { (Array(text.utf8) + [0]).withUnsafeBytes { hasher.update($0) } }
        update([UInt64(classNames.count), UInt64(height), UInt64(width), UInt64(channels)])
        classNames.forEach(update)
        let size = imageByteCount
        pixels.withUnsafeBytes { bytes in
            for i in indices {
                precondition(i >= 0 && i < count, "image index \(i) outside 0..<\(count)")
                update(ids[i])
                update([UInt64(labels[i])])
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[(i * size)..<((i + 1) * size)]))
            }
        }
        return hasher.finalizeDescription()
    }
}
