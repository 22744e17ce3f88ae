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
    /// Writes `bytes` to `path`, replacing any file there only once all bytes are on disk.
    ///
    /// Every step is checked (each `write`, the `fsync`, the `close`, the rename, the folder's
    /// sync); on any failure the temporary file is removed and the file at `path` is as it was.
    ///
    /// - Throws: `DatasetFileError.missing` when the folder does not exist, `.unwritable` naming
    ///   the step and the system's reason (a full disk, a file-size limit) when a step fails.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let temporary = FileReplacement.temporaryPath(replacing: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw DatasetFileError.missing(file: folder(of: path)) }
            throw DatasetFileError.unwritable(file: path, step: "create a temporary file beside it", reason: String(cString: strerror(code)))
        }
        func fail(_ step: String, _ code: Int32, closing: Bool = true) -> DatasetFileError {
            if closing { close(fd) }
            unlink(temporary)
            return .unwritable(file: path, step: step, reason: String(cString: strerror(code)))
        }
        let failure: Int32? = withContiguousBytes(bytes) { buffer in
            var written = 0
            while written < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        if let failure { throw fail("write the file", failure) }
        guard fsync(fd) == 0 else { throw fail("sync the file to disk", errno) }
        guard close(fd) == 0 else { throw fail("close the file", errno, closing: false) }
        do throws(FileReplacement.Failure) {
            try FileReplacement.commit(temporary, to: path)
        } catch {
            // A failed rename leaves the temporary file; a failed folder sync, the new file in place.
            unlink(temporary)
            throw DatasetFileError.unwritable(file: path, step: error.step, reason: error.reason)
        }
    }

    /// `body` over the bytes of `bytes`, without a copy when they are already contiguous.
    private static func withContiguousBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(bytes).withUnsafeBytes(body)
    }
}

/// The system's `write(2)`, named apart from `AtomicFile.write`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// The folder part of `path` ("." for a bare name).
private func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
