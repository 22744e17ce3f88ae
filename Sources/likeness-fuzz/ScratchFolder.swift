import Foundation

/// A private folder for the files a fuzz target writes its input to, removed when released.
///
/// The loaders read paths, so each input goes to a file first. Every file gets a fresh name:
/// HDF5 recognises a file it already has open by its inode, which a rewrite in place keeps.
final class ScratchFolder {
    let path: String
    private var count = 0
    private var files: [String] = []

    init() throws {
        path = NSTemporaryDirectory() + "likeness-fuzz-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to a new file whose name ends in `name`, and returns its path.
    func write(_ bytes: [UInt8], named name: String) throws -> String {
        count += 1
        let file = "\(path)/\(count)-\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        files.append(file)
        return file
    }

    /// Removes the files written since the last call (a scratch file left behind costs only space).
    func removeFiles() {
        for file in files { unlink(file) }
        files.removeAll()
    }
}
