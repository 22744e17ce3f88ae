import CHDF5
import Foundation

extension HDF5File {
    /// Creates the file at `path` as a whole, or not at all.
    ///
    /// `body` fills a new file created in the same folder under a temporary name; the file is
    /// then closed, synced to disk and renamed to `path`, replacing any file there in one step.
    /// If `body` or any step throws, the temporary file is removed and the file at `path`
    /// is left as it was.
    ///
    /// Groups and datasets opened in `body` should not outlive it: they keep the file open.
    @discardableResult
    public static func writeAtomically<Result>(
        to path: String, _ body: (HDF5File) throws -> Result
    ) throws -> Result {
        let name = (path as NSString).lastPathComponent
        let folder = (path as NSString).deletingLastPathComponent
        let temporaryName = ".\(name).\(UUID().uuidString).tmp"
        let temporaryPath = folder.isEmpty ? temporaryName : (folder as NSString).appendingPathComponent(temporaryName)
        let file = try HDF5File(creatingAt: temporaryPath, replacingExisting: false)
        do {
            let result = try body(file)
            try file.close()
            guard syncToDisk(temporaryPath) else {
                throw fileSystemError(path, operation: "sync '\(temporaryName)' to disk")
            }
            guard rename(temporaryPath, path) == 0 else {
                throw fileSystemError(path, operation: "rename '\(temporaryName)' into place")
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

    private static func fileSystemError(_ path: String, operation: String) -> HDF5Error {
        HDF5Context(filePath: path, objectPath: nil, operation: operation)
            .error(.fileSystemFailure, found: String(cString: strerror(errno)))
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
