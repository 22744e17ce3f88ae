import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file read front to back, inflated on the fly when it starts with gzip's magic bytes
/// (`1f 8b`), so that loaders see the same bytes whether the file is compressed or not.
///
/// Owns the file descriptor and the zlib stream, both released in `deinit`.
package final class ByteStream {
    /// The path the stream reads, as given (used in every error).
    package let path: String
    /// The length of the file on disk, in bytes.
    package let fileSize: Int
    /// Whether the file is gzip-compressed.
    package let isGzip: Bool
    /// The number of decoded bytes handed out so far.
    package private(set) var position = 0

    private let descriptor: Int32
    private var zstream: UnsafeMutablePointer<z_stream>?
    private let inputBuffer: UnsafeMutablePointer<UInt8>
    private static let inputCapacity = 1 << 16
    private var inputEnded = false
    private var memberEnded = false
    /// Bytes read before the format was known (the magic-byte probe), served first.
    private var probe: [UInt8] = []

    /// Deflate's largest possible expansion (1032:1), which bounds what a gzip file can decode to.
    package static let maximumInflationRatio = 1032

    /// Opens `path`; when `decompressing` is false, gzip files are read as they are.
    ///
    /// - Throws: `DatasetFileError.missing` or `.unreadable`; `.corrupt` when zlib cannot start.
    package init(path: String, decompressing: Bool = true) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw DatasetFileError.missing(file: path) }
            throw DatasetFileError.unreadable(file: path, reason: String(cString: strerror(code)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw DatasetFileError.unreadable(file: path, reason: reason)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw DatasetFileError.unreadable(file: path, reason: "not a regular file")
        }
        descriptor = fd
        fileSize = Int(info.st_size)
        inputBuffer = .allocate(capacity: Self.inputCapacity)

        // Probe the first two bytes for gzip's magic.
        var magic: [UInt8] = [0, 0]
        let n = magic.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, 2) }
        probe = Array(magic.prefix(max(n, 0)))
        isGzip = decompressing && probe == [0x1F, 0x8B]
        if isGzip {
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // 15 + 16: a 32 KiB window and a gzip wrapper.
            let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else {
                stream.deinitialize(count: 1)
                stream.deallocate()
                inputBuffer.deallocate()
                close(fd)
                throw DatasetFileError.corrupt(file: path, reason: "zlib could not start (status \(status))")
            }
            zstream = stream
            // Hand the probed bytes to zlib as the start of its input.
            inputBuffer[0] = 0x1F
            inputBuffer[1] = 0x8B
            stream.pointee.next_in = inputBuffer
            stream.pointee.avail_in = 2
            probe = []
        }
    }

    deinit {
        if let zstream {
            inflateEnd(zstream)
            zstream.deinitialize(count: 1)
            zstream.deallocate()
        }
        inputBuffer.deallocate()
        close(descriptor)
    }

    /// The most decoded bytes the file can hold: its length when plain, deflate's
    /// maximum ratio times its length when gzip-compressed.
    package var decodedSizeBound: Int {
        isGzip ? fileSize.multipliedReportingOverflow(by: Self.maximumInflationRatio).partialValue : fileSize
    }

    /// Fills as much of `buffer` as the file allows and returns the number of bytes written;
    /// fewer than `buffer.count` only at the end of the data.
    ///
    /// - Throws: `DatasetFileError.unreadable` on an I/O error, `.corrupt` on damaged gzip data.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let n = try isGzip ? inflate(into: base, count: buffer.count) : readPlain(into: base, count: buffer.count)
        position += n
        return n
    }

    /// Reads exactly `count` bytes of `field`.
    ///
    /// A plain file's bytes are read in one piece. A gzip file only bounds what it decodes to by
    /// deflate's ratio, so its bytes are read in pieces that double in size: memory follows
    /// what the stream really holds, not what its header claims.
    ///
    /// - Throws: `DatasetFileError.truncated` when the data ends first, or any error of `read(into:)`.
    package func read(_ count: Int, field: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: isGzip ? min(count, Self.firstGzipPiece) : count)
        var filled = 0
        while true {
            filled += try bytes.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            guard filled == bytes.count, filled < count else { break }
            bytes += repeatElement(0, count: min(count - filled, bytes.count))
        }
        guard filled == count else {
            throw DatasetFileError.truncated(file: path, field: field, expectedBytes: count, foundBytes: filled)
        }
        return bytes
    }

    /// The first piece a gzip file's data is read into (see `read(_:field:)`): 1 MiB.
    static let firstGzipPiece = 1 << 20

    /// Reads everything left, refusing more than `limit` bytes before setting memory aside.
    ///
    /// - Throws: `DatasetFileError.tooLarge` naming `field` past the limit, or any error of `read(into:)`.
    package func readAll(limit: Int, field: String) throws -> [UInt8] {
        if !isGzip {
            let remaining = fileSize - position
            guard remaining <= limit else {
                throw DatasetFileError.tooLarge(file: path, field: field, limit: limit, found: remaining)
            }
            let bytes = try read(remaining, field: field)
            try expectEnd(expectedLength: "\(fileSize) bytes (the length when opened)")
            return bytes
        }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { break }
            guard bytes.count + n <= limit else {
                throw DatasetFileError.tooLarge(file: path, field: field, limit: limit, found: bytes.count + n)
            }
            bytes += chunk[0..<n]
        }
        try expectEnd(expectedLength: "\(bytes.count) bytes")
        return bytes
    }

    /// Checks that no data follows what was read, and that a gzip stream ended with its trailer.
    ///
    /// - Throws: `DatasetFileError.inconsistent` naming `expectedLength` when bytes remain,
    ///   `.corrupt` when a gzip stream lacks its end.
    package func expectEnd(expectedLength: String) throws {
        var extra = [UInt8](repeating: 0, count: 4096)
        var surplus = 0
        while true {
            let n = try extra.withUnsafeMutableBytes { try read(into: $0) }
            if n == 0 { break }
            surplus += n
        }
        if surplus > 0 {
            throw DatasetFileError.inconsistent(
                file: path, field: "file length", expected: expectedLength,
                found: "\(surplus) more byte\(surplus == 1 ? "" : "s") after the data")
        }
        if isGzip && !memberEnded {
            throw DatasetFileError.corrupt(file: path, reason: "the gzip stream ends without its trailer (file cut short?)")
        }
    }

    private func readPlain(into base: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var filled = 0
        if !probe.isEmpty {
            let k = min(probe.count, count)
            for i in 0..<k { base.storeBytes(of: probe[i], toByteOffset: i, as: UInt8.self) }
            probe.removeFirst(k)
            filled = k
        }
        while filled < count {
            let n = systemRead(descriptor, base + filled, count - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw DatasetFileError.unreadable(file: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    private func refillInput() throws {
        guard let stream = zstream else { return }
        while true {
            let n = systemRead(descriptor, inputBuffer, Self.inputCapacity)
            if n < 0 {
                if errno == EINTR { continue }
                throw DatasetFileError.unreadable(file: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { inputEnded = true }
            stream.pointee.next_in = inputBuffer
            stream.pointee.avail_in = UInt32(n)
            return
        }
    }

    private func inflate(into base: UnsafeMutableRawPointer, count: Int) throws -> Int {
        guard let stream = zstream else { return 0 }
        var filled = 0
        while filled < count {
            if stream.pointee.avail_in == 0 && !inputEnded { try refillInput() }
            if memberEnded {
                // Concatenated gzip members decode as one stream, as gunzip does.
                if stream.pointee.avail_in == 0 && inputEnded { break }
                inflateReset(stream)
                memberEnded = false
            }
            let chunk = min(count - filled, Int(UInt32.max))
            stream.pointee.next_out = (base + filled).assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_out = UInt32(chunk)
            let status = CZlib.inflate(stream, Z_NO_FLUSH)
            let produced = chunk - Int(stream.pointee.avail_out)
            filled += produced
            switch status {
            case Z_STREAM_END:
                memberEnded = true
            case Z_OK:
                break
            case Z_BUF_ERROR:
                // No progress possible: only legitimate while more input is coming.
                if stream.pointee.avail_in == 0 && inputEnded { return filled }
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw DatasetFileError.corrupt(file: path, reason: message)
            }
            if produced == 0 && stream.pointee.avail_in == 0 && inputEnded && !memberEnded { break }
        }
        return filled
    }
}

/// The system's `read(2)`, named apart from `ByteStream`'s own `read` methods.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
