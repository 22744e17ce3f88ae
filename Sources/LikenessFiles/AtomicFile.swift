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
    /// - Throws: `DatasetFileError.missing` when the folder does not exist, `.unreadable`
    ///   (with the system's reason) when the file cannot be written.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let temporary = FileReplacement.temporaryPath(replacing: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw DatasetFileError.missing(file: folder(of: path)) }
            throw DatasetFileError.unreadable(file: path, reason: String(cString: strerror(code)))
        }
        func fail(_ code: Int32) -> DatasetFileError {
            close(fd)
            unlink(temporary)
            return .unreadable(file: path, reason: String(cString: strerror(code)))
        }
        let contiguous = Array(bytes)
        var written = 0
        let failure: Int32? = contiguous.withUnsafeBytes { buffer in
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
        if let failure { throw fail(failure) }
        guard fsync(fd) == 0 else { throw fail(errno) }
        guard close(fd) == 0 else {
            let code = errno
            unlink(temporary)
            throw DatasetFileError.unreadable(file: path, reason: String(cString: strerror(code)))
        }
        do throws(FileReplacement.Failure) {
            try FileReplacement.commit(temporary, to: path)
        } catch {
            unlink(temporary)
            throw DatasetFileError.unreadable(file: path, reason: error.description)
        }
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
