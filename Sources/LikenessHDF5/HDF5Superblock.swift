/// The superblock at the start of an HDF5 file of superblock version 2 or 3 (what files of the
/// 1.8 format and later begin with):
///
///     signature (8) · version (1) · size of offsets O (1) · size of lengths (1) · flags (1) ·
///     base, extension, end-of-file and root-group addresses (4 × O) · checksum (4)
///
/// the checksum being Jenkins' lookup3 hash of the bytes before it.
package enum HDF5Superblock {
    /// Makes the file image `bytes` a closed file: the file-consistency flags cleared and the
    /// checksum recomputed.
    ///
    /// HDF5 1.10's `H5Fget_file_image` clears the "open for writing" flag in the image it copies
    /// but keeps the checksum of the flagged superblock, so the image does not open. Images of
    /// other superblock versions are left as they are.
    static func markClosed(_ bytes: inout [UInt8]) {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        guard bytes.count >= 12, bytes[0..<8].elementsEqual(signature), bytes[8] == 2 || bytes[8] == 3 else { return }
        let checksumOffset = 12 + 4 * Int(bytes[9])
        guard bytes.count >= checksumOffset + 4 else { return }
        bytes[11] = 0
        let checksum = lookup3(bytes[0..<checksumOffset])
        for k in 0..<4 { bytes[checksumOffset + k] = UInt8(truncatingIfNeeded: checksum >> (8 * k)) }
    }

    /// Bob Jenkins' lookup3 `hashlittle` of `data` with initial value 0, as HDF5 checksums its
    /// metadata.
    package static func lookup3(_ data: ArraySlice<UInt8>) -> UInt32 {
        func rotated(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }
        func word(_ i: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 | UInt32(i + $1 < data.endIndex ? data[i + $1] : 0) << (8 * UInt32($1)) }
        }
        var a = 0xdeadbeef &+ UInt32(truncatingIfNeeded: data.count), b = a, c = a
        var i = data.startIndex, remaining = data.count
        while remaining > 12 {
            a &+= word(i); b &+= word(i + 4); c &+= word(i + 8)
            a &-= c; a ^= rotated(c, 4); c &+= b
            b &-= a; b ^= rotated(a, 6); a &+= c
            c &-= b; c ^= rotated(b, 8); b &+= a
            a &-= c; a ^= rotated(c, 16); c &+= b
            b &-= a; b ^= rotated(a, 19); a &+= c
            c &-= b; c ^= rotated(b, 4); b &+= a
            i += 12
            remaining -= 12
        }
        guard remaining > 0 else { return c }
        // The last 1 to 12 bytes, zero-padded (word() reads zeros past the end).
        a &+= word(i); b &+= word(i + 4); c &+= word(i + 8)
        c ^= b; c &-= rotated(b, 14)
        a ^= c; a &-= rotated(c, 11)
        b ^= a; b &-= rotated(a, 25)
        c ^= b; c &-= rotated(b, 16)
        a ^= c; a &-= rotated(c, 4)
        b ^= a; b &-= rotated(a, 14)
        c ^= b; c &-= rotated(b, 24)
        return c
    }
}
