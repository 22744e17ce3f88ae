#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing files so that nothing already stored is lost when a write fails or is killed: the
/// bytes go to a temporary file in the destination's folder, which is then renamed over the
/// destination (`FileReplacement`, which also says how temporary files left by killed writers
/// are cleared away).
public enum AtomicFile {
    /// Writes `bytes` to `path`, replacing any file there only once all bytes are on disk
    /// (`AtomicFileStream`: every step checked; on any failure the file at `path` is as it was).
    ///
    /// - Throws: `DatasetFileError.missing` when the folder does not exist, `.unwritable` naming
    ///   the step and the system's reason (a full disk, a file-size limit) when a step fails.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let stream = try AtomicFileStream(replacing: path)
        try stream.write(bytes)
        try stream.commit()
    }
}

/// A file written piece by piece that replaces `path` only when `commit()` is called: until
/// then the bytes go to a temporary file beside it (`FileReplacement.temporaryPath`), which a
/// failed write, a stream dropped without a commit, or a kill leaves out of `path`'s way.
///
/// Every step is checked (each `write`, the `fsync`, the `close`, the rename, the folder's sync);
/// on a failure the temporary file is removed and the stream is closed.
public final class AtomicFileStream {
    /// The file the stream replaces.
    public let path: String
    private let temporary: String
    private var descriptor: Int32

    /// Opens a temporary file beside `path`.
    ///
    /// - Throws: `DatasetFileError.missing` when the folder does not exist, `.unwritable` when the
    ///   temporary file cannot be made.
    public init(replacing path: String) throws {
        self.path = path
        temporary = FileReplacement.temporaryPath(replacing: path)
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw DatasetFileError.missing(file: folder(of: path)) }
            throw DatasetFileError.unwritable(file: path, step: "create a temporary file beside it", reason: String(cString: strerror(code)))
        }
    }

    deinit {
        if descriptor >= 0 { discard() }
    }

    /// Appends `bytes`.
    public func write(_ bytes: some Collection<UInt8>) throws {
        if let result = bytes.withContiguousStorageIfAvailable({ write(UnsafeRawBufferPointer($0)) }) { return try result.get() }
        try Array(bytes).withUnsafeBytes { write($0) }.get()
    }

    /// Appends the bytes of `buffer`.
    public func write(_ buffer: UnsafeRawBufferPointer) -> Result<Void, DatasetFileError> {
        precondition(descriptor >= 0, "writing to \(path) after its stream was committed or failed")
        var written = 0
        while written < buffer.count {
            let n = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(fail("write the file", errno))
            }
            written += n
        }
        return .success(())
    }

    /// Syncs the bytes to disk and renames the temporary file over `path`.
    public func commit() throws {
        precondition(descriptor >= 0, "committing \(path) after its stream was committed or failed")
        guard fsync(descriptor) == 0 else { throw fail("sync the file to disk", errno) }
        let closing = close(descriptor)
        descriptor = -1
        guard closing == 0 else { throw fail("close the file", errno) }
        do throws(FileReplacement.Failure) {
            try FileReplacement.commit(temporary, to: path)
        } catch {
            // A failed rename leaves the temporary file; a failed folder sync, the new file in place.
            unlink(temporary)
            throw DatasetFileError.unwritable(file: path, step: error.step, reason: error.reason)
        }
    }

    /// Closes and removes the temporary file, leaving `path` as it was.
    private func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporary)
    }

    private func fail(_ step: String, _ code: Int32) -> DatasetFileError {
        discard()
        return .unwritable(file: path, step: step, reason: String(cString: strerror(code)))
    }
}

/// The system's `write(2)`, named apart from `AtomicFileStream.write`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// The folder part of `path` ("." for a bare name).
private func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
