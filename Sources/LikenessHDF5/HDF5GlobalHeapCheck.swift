import CHDF5
import Foundation

/// Checks of a file's global heap collections, where variable-length strings live, and of the
/// references to them, which libhdf5 1.10 (Debian 12's) trusts.
///
/// Collections carry no checksum, and libhdf5 walks the objects of one trusting the sizes they
/// declare: a free-space object of size 0 keeps the walk in place forever, and a size past the
/// collection's end makes it read outside it. `check(_:_:)` walks each collection (signature
/// `GCOL`, version 1, then its length) as libhdf5 walks it before the file is opened, and
/// refuses as `damaged` one that its objects do not tile exactly. Collections reaching past
/// the end of the file are left to libhdf5, which refuses them.
///
/// A string refers to its object by collection, index and length, and libhdf5 sets memory aside
/// for the length, then copies the object into it, whatever their sizes:
/// `checkReferences(ofStringsIn:elements:path:_:)` checks the references of a string dataset
/// before it is read. Those of attributes, inside the object headers, are not checked.
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
        guard let lengthSize = reader.superblock()?.lengthSize else { return }
        let signature = Array("GCOL".utf8)
        var scan = FileReader(descriptor: descriptor, length: length)
        var offset = 0
        while offset + signature.count <= length {
            // Pieces overlap by three bytes, so that no signature is cut in two.
            let piece = Array(scan.bytes(at: offset, count: min(FileReader.windowSize, length - offset)))
            for start in piece.indices.dropLast(signature.count - 1) where piece[start] == signature[0] {
                if piece[start..<(start + signature.count)].elementsEqual(signature) {
                    _ = try collectionObjects(at: offset + start, with: &reader, lengthSize: lengthSize, context)
                }
            }
            offset += piece.count - (signature.count - 1)
        }
    }

    /// The size of each object of the collection at `start` by index, walking it as libhdf5's
    /// `H5HG__cache_heap_deserialize` does; nil when no collection libhdf5 would read is there.
    private static func collectionObjects(
        at start: Int, with reader: inout FileReader, lengthSize: Int, _ context: HDF5Context
    ) throws(HDF5Error) -> [UInt64: UInt64]? {
        guard start + 16 + lengthSize <= reader.length,
              reader.bytes(at: start, count: 5).elementsEqual(Array("GCOL".utf8) + [1]) else { return nil }
        let declared = littleEndian(reader.bytes(at: start + 8, count: lengthSize))
        guard declared <= UInt64(reader.length - start) else { return nil }
        let end = start + Int(declared), objectHeaderSize = 8 + lengthSize
        var objects: [UInt64: UInt64] = [:]
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
            if index > 0 { objects[index] = size }
            position += Int(need)
        }
        return objects
    }

    /// Throws `damaged` unless each variable-length string at `elements` (row-major indices) of
    /// `dataset`, in the file at `path`, refers to an object of its collection of the length it
    /// declares. Checked where the references can be read from the file as they are stored:
    /// contiguous data, and chunks without filters. Call under the library lock.
    static func checkReferences(
        ofStringsIn dataset: hid_t, elements: Range<Int>, path: String, _ context: HDF5Context
    ) throws(HDF5Error) {
        guard !elements.isEmpty else { return }
        // What is on disk is checked: a file open for writing is flushed first.
        let file = try context.check(H5Iget_file_id(dataset))
        defer { _ = H5Fclose(file) }
        var intent: UInt32 = 0
        try context.check(H5Fget_intent(file, &intent))
        if intent & chdf5_f_acc_rdwr() != 0 { try context.check(H5Fflush(file, H5F_SCOPE_LOCAL)) }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return }
        var reader = FileReader(descriptor: descriptor, length: Int(info.st_size))
        // Addresses are taken from the start of the file: files with a user block are not checked.
        guard let superblock = reader.superblock(), superblock.offset == 0 else { return }
        let creation = try context.check(H5Dget_create_plist(dataset))
        defer { _ = H5Pclose(creation) }
        guard try context.check(H5Pget_nfilters(creation)) == 0 else { return }
        // A reference: the string's length (4 bytes), its collection's address, the object's index (4 bytes).
        let referenceSize = 8 + superblock.offsetSize
        var collections: [UInt64: [UInt64: UInt64]?] = [:]
        // Past the end of the file, libhdf5 reads zeros: references to nothing, which need no check.
        func checkReferences(at address: UInt64, count: Int) throws(HDF5Error) {
            guard address < UInt64(reader.length) else { return }
            let inFile = (reader.length - Int(address) + referenceSize - 1) / referenceSize
            for k in 0..<min(count, inFile) {
                let raw = reader.bytes(at: Int(address) + k * referenceSize, count: referenceSize)
                let reference = raw + repeatElement(0, count: referenceSize - raw.count)
                let length = littleEndian(reference.prefix(4))
                let collection = littleEndian(reference.dropFirst(4).prefix(superblock.offsetSize))
                let index = littleEndian(reference.suffix(4))
                // libhdf5 sets the length aside before it looks for the object: both must agree.
                var objects: [UInt64: UInt64]?
                if collection > 0 && collection < UInt64(reader.length) {
                    if collections[collection] == nil {
                        collections[collection] = try collectionObjects(
                            at: Int(collection), with: &reader, lengthSize: superblock.lengthSize, context)
                    }
                    objects = collections[collection] ?? nil
                }
                let stored: UInt64? = collection == 0 ? 0 : objects?[index]
                guard stored == length else {
                    let place = collection == 0 ? "no global heap object"
                        : objects == nil ? "a global heap collection at \(collection), where there is none"
                        : "object \(index) of the collection at \(collection), " + (stored.map { "of \($0) bytes" } ?? "which it does not hold")
                    throw context.error(
                        .damaged, expected: "strings of the length of their global heap objects",
                        found: "a string of \(length) bytes stored as \(place)")
                }
            }
        }
        switch H5Pget_layout(creation) {
        case H5D_CONTIGUOUS:
            let address = UInt64(H5Dget_offset(dataset))
            guard address != UInt64.max else { return }  // never written
            try checkReferences(at: address + UInt64(elements.lowerBound * referenceSize), count: elements.count)
        case H5D_CHUNKED:
            try forEachChunk(of: dataset, creation: creation, overlapping: elements, context) { address, count throws(HDF5Error) in
                try checkReferences(at: address, count: count)
            }
        default:
            return  // compact: inside the object header, as attributes are
        }
    }

    /// Calls `body` with the address and element count of each stored chunk of the one-dimensional
    /// `dataset` that holds some of `elements`, each looked up by its first element. Datasets of
    /// more dimensions are left out: none of Likeness's files has strings in them.
    private static func forEachChunk(
        of dataset: hid_t, creation: hid_t, overlapping elements: Range<Int>, _ context: HDF5Context,
        _ body: (_ address: UInt64, _ count: Int) throws(HDF5Error) -> Void
    ) throws(HDF5Error) {
        var extent: hsize_t = 0
        guard try context.check(H5Pget_chunk(creation, 1, &extent)) == 1, extent > 0 else { return }
        let chunk = Int(clamping: extent)
        var first = elements.lowerBound / chunk * chunk
        while first < elements.upperBound {
            var offset = [hsize_t(first)], filterMask: UInt32 = 0, address: haddr_t = 0, size: hsize_t = 0
            try context.check(H5Dget_chunk_info_by_coord(dataset, &offset, &filterMask, &address, &size))
            // A stored chunk holds all its elements, those past the dataset's edge included.
            if UInt64(address) != UInt64.max { try body(UInt64(address), chunk) }
            let (next, overflow) = first.addingReportingOverflow(chunk)
            if overflow { break }
            first = next
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

    /// The superblock, found where libhdf5 looks for it (offset 0, then 512, 1024, 2048 …): where
    /// it is, and the sizes of addresses and lengths (2, 4 or 8 bytes). Nil without one.
    mutating func superblock() -> (offset: Int, offsetSize: Int, lengthSize: Int)? {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        var base = 0
        while base + 16 <= length {
            let head = Array(bytes(at: base, count: 16))
            if head.count == 16 && head.prefix(8).elementsEqual(signature) {
                // Versions 0 and 1 keep the sizes at bytes 13 and 14, versions 2 and 3 at 9 and 10.
                let at = head[8] < 2 ? 13 : 9
                let (offsetSize, lengthSize) = (Int(head[at]), Int(head[at + 1]))
                guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else { return nil }
                return (base, offsetSize, lengthSize)
            }
            base = base == 0 ? 512 : base * 2
        }
        return nil
    }
}
