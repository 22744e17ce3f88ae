import Foundation

/// A check of a file's global heap collections, where variable-length strings live, before
/// libhdf5 opens it.
///
/// libhdf5 1.10 (Debian 12's) walks the objects of a collection trusting the sizes they declare,
/// and collections carry no checksum: a free-space object of size 0 keeps the walk in place
/// forever, and a size past the collection's end makes it read outside it. Each collection
/// (signature `GCOL`, version 1, then its length) is walked here as libhdf5 walks it, and must
/// be tiled exactly by its objects; a file holding one that is not is refused as `damaged`.
/// Collections reaching past the end of the file are left to libhdf5, which refuses them.
///
/// The file is read once, front to back, a mebibyte at a time, plus one pass per collection.
enum HDF5GlobalHeapCheck {
    /// Throws `damaged` for a collection in the file at `path` that libhdf5 would loop on or read
    /// past; does nothing for a file without an HDF5 superblock (libhdf5 refuses it).
    static func check(_ path: String, _ context: HDF5Context) throws(HDF5Error) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }  // H5Fopen reports why
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return }
        let length = Int(info.st_size)
        var reader = FileReader(descriptor: descriptor, length: length)
        guard let lengthSize = reader.superblockLengthSize() else { return }
        let signature = Array("GCOL".utf8)
        var scan = FileReader(descriptor: descriptor, length: length)
        var offset = 0
        while offset + signature.count <= length {
            // Pieces overlap by three bytes, so that no signature is cut in two.
            let piece = Array(scan.bytes(at: offset, count: min(FileReader.windowSize, length - offset)))
            for start in piece.indices.dropLast(signature.count - 1) where piece[start] == signature[0] {
                if piece[start..<(start + signature.count)].elementsEqual(signature) {
                    try checkCollection(at: offset + start, with: &reader, lengthSize: lengthSize, context)
                }
            }
            offset += piece.count - (signature.count - 1)
        }
    }

    /// Walks the collection at `start`, as libhdf5's `H5HG__cache_heap_deserialize` does.
    private static func checkCollection(
        at start: Int, with reader: inout FileReader, lengthSize: Int, _ context: HDF5Context
    ) throws(HDF5Error) {
        guard start + 8 + lengthSize <= reader.length, reader.bytes(at: start + 4, count: 1).first == 1 else { return }
        let declared = littleEndian(reader.bytes(at: start + 8, count: lengthSize))
        guard declared <= UInt64(reader.length - start) else { return }
        let end = start + Int(declared), objectHeaderSize = 8 + lengthSize
        var position = start + 16
        // Less room than an object header at the end is free space.
        while position + objectHeaderSize <= end {
            let header = reader.bytes(at: position, count: objectHeaderSize)
            let index = littleEndian(header.prefix(2))
            let size = littleEndian(header.suffix(lengthSize))
            let room = UInt64(end - position)
            // An object's header and data, padded to 8 bytes; the free space (index 0) counts its header in its size.
            let need = index == 0 ? size : size > room ? room + 1 : UInt64(objectHeaderSize) + (size + 7) / 8 * 8
            guard need > 0, need <= room else {
                throw context.error(
                    .damaged, expected: "global heap objects that tile their collection",
                    found: "an object of \(size) bytes at offset \(position) in the collection of \(end - start) bytes at \(start)")
            }
            position += Int(need)
        }
    }

    private static func littleEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Reads a file at offsets that mostly increase, through a window of a mebibyte.
private struct FileReader {
    static let windowSize = 1 << 20

    let descriptor: Int32
    let length: Int
    private var window: [UInt8] = []
    private var windowStart = 0

    init(descriptor: Int32, length: Int) {
        self.descriptor = descriptor
        self.length = length
    }

    /// The `count` bytes at `offset` (at most `windowSize`), fewer where the file ends.
    mutating func bytes(at offset: Int, count: Int) -> ArraySlice<UInt8> {
        if offset < windowStart || offset + count > windowStart + window.count {
            window = [UInt8](repeating: 0, count: min(Self.windowSize, max(length - offset, 0)))
            windowStart = offset
            var filled = 0
            while filled < window.count {
                let n = window.withUnsafeMutableBytes {
                    pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(offset + filled))
                }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                filled += n
            }
            window.removeLast(window.count - filled)
        }
        let from = offset - windowStart
        return window[from..<min(from + count, window.count)]
    }

    /// The "size of lengths" of the superblock, found where libhdf5 looks for it (offset 0, then
    /// 512, 1024, 2048 …): 2, 4 or 8 bytes. Nil without a superblock.
    mutating func superblockLengthSize() -> Int? {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        var base = 0
        while base + 16 <= length {
            let head = Array(bytes(at: base, count: 16))
            if head.count == 16 && head.prefix(8).elementsEqual(signature) {
                // Versions 0 and 1 keep it at byte 14, versions 2 and 3 at byte 10.
                let size = Int(head[head[8] < 2 ? 14 : 10])
                return [2, 4, 8].contains(size) ? size : nil
            }
            base = base == 0 ? 512 : base * 2
        }
        return nil
    }
}
