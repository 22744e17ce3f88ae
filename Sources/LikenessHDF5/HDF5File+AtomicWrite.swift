import CHDF5
import LikenessFiles
import Foundation

extension HDF5File {
    /// Creates the file at `path` as a whole, or not at all (see `FileReplacement`).
    ///
    /// `body` fills a new file created in the same folder under a temporary name; the file is
    /// then closed, synced to disk and renamed to `path`, replacing any file there in one step.
    /// If `body` or any step throws, the temporary file is removed and the file at `path`
    /// is left as it was; if the process is killed, the temporary file stays until the next
    /// write of `path` removes it.
    ///
    /// Groups and datasets opened in `body` should not outlive it: they keep the file open.
    @discardableResult
    public static func writeAtomically<Result>(
        to path: String, _ body: (HDF5File) throws -> Result
    ) throws -> Result {
        let temporaryPath = FileReplacement.temporaryPath(replacing: path)
        let file = try HDF5File(creatingAt: temporaryPath, replacingExisting: false)
        do {
            let result = try body(file)
            try file.close()
            guard syncToDisk(temporaryPath) else {
                throw fileSystemError(path, operation: "sync '\((temporaryPath as NSString).lastPathComponent)' to disk",
                                      reason: String(cString: strerror(errno)))
            }
            do throws(FileReplacement.Failure) {
                try FileReplacement.commit(temporaryPath, to: path)
            } catch {
                throw fileSystemError(path, operation: error.step, reason: error.reason)
            }
            return result
        } catch {
            // The caller needs the first error; a failure to close or remove the temporary
            // file after it changes nothing about the file at `path`.
            _ = file.location.handle.close()
            _ = unlink(temporaryPath)
            throw error
        }
    }

    private static func fileSystemError(_ path: String, operation: String, reason: String) -> HDF5Error {
        HDF5Context(filePath: path, objectPath: nil, operation: operation).error(.fileSystemFailure, found: reason)
    }
}

/// Forces the file's bytes to disk, so that the rename never exposes a partly written file;
/// false (with `errno` set) on failure.
private func syncToDisk(_ path: String) -> Bool {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return false }
    let synced = fsync(descriptor) == 0
    let savedError = errno
    _ = close(descriptor)
    errno = savedError
    return synced
}
