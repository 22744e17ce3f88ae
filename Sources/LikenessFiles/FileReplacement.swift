import CLinux
import Foundation

/// Writing a file as a whole: its bytes go to a temporary file in the destination's folder,
/// which is synced to disk and renamed over the destination, then the folder is synced. A
/// write that fails or is killed at any point leaves the destination as it was (the old file or
/// none) or the new file complete, never a mix: a rename replaces a name in one step.
///
/// The temporary file is `.NAME.PID-RANDOM@HOST.tmp` beside `NAME`: hidden, and marked with the
/// writing process and machine. A writer killed before its rename leaves it behind; the next
/// whole-file write of `NAME` on the same machine removes every such file of `NAME` whose
/// process is no longer running. Files left by other machines (on a shared folder) are theirs
/// to remove; no reader ever opens a temporary file.
public enum FileReplacement {
    /// A step of a replacement that failed, with the system's error number.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// What was being done: "rename the temporary file into place", "sync the folder".
        public let step: String
        public let code: Int32

        /// The system's text for `code`.
        public var reason: String { String(cString: strerror(code)) }
        public var description: String { "cannot \(step): \(reason)" }

        public init(step: String, code: Int32) {
            self.step = step
            self.code = code
        }
    }

    /// A fresh path for the temporary file that is to replace `destination`, after removing the
    /// temporary files of `destination` that writers no longer running left behind.
    public static func temporaryPath(replacing destination: String) -> String {
        removeStaleTemporaryFiles(replacing: destination)
        let (folder, name) = split(destination)
        let owner = "\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))@\(hostName)"
        return folder + "." + name + "." + owner + ".tmp"
    }

    /// Renames `temporary` (written and synced to disk by the caller) over `destination`, then
    /// syncs the folder so that the new name survives a crash of the machine too.
    ///
    /// - Throws: `Failure` naming the step. When the rename fails, `temporary` is still there
    ///   for the caller to remove; when the folder's sync fails, the new file is in place.
    public static func commit(_ temporary: String, to destination: String) throws(Failure) {
        guard rename(temporary, destination) == 0 else {
            throw Failure(step: "rename the temporary file into place", code: errno)
        }
        let (folder, _) = split(destination)
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(step: "open the folder to sync it", code: errno) }
        defer { close(descriptor) }
        // EINVAL: a file system that has nothing to sync for a folder.
        guard fsync(descriptor) == 0 || errno == EINVAL else { throw Failure(step: "sync the folder", code: errno) }
    }

    /// Swaps the names `a` and `b` (two files or two folders) in one step (`renameat2` with
    /// `RENAME_EXCHANGE`): at no moment is either name missing. False, with nothing changed,
    /// where the system or the file system cannot (older kernels, some network file systems).
    ///
    /// - Throws: `Failure` for any other refusal.
    public static func exchange(_ a: String, _ b: String) throws(Failure) -> Bool {
        if clinux_rename_exchange(a, b) == 0 { return true }
        let code = errno
        if code == ENOSYS || code == EINVAL || code == ENOTSUP { return false }
        throw Failure(step: "exchange the new and the old", code: code)
    }

    /// Removes the temporary files of `destination` left by processes of this machine that are
    /// no longer running. Best effort: a file that cannot be listed or removed stays, and harms
    /// nothing (no reader opens it).
    static func removeStaleTemporaryFiles(replacing destination: String) {
        let (folder, name) = split(destination)
        let prefix = "." + name + ".", suffix = ".tmp"
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)
        } catch {
            return  // the write itself reports what is wrong with the folder
        }
        for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(suffix) && entry.count > prefix.count + suffix.count {
            let owner = entry.dropFirst(prefix.count).dropLast(suffix.count)
            guard let at = owner.lastIndex(of: "@"), owner[owner.index(after: at)...] == hostName,
                  let dash = owner[..<at].firstIndex(of: "-"), let pid = pid_t(owner[..<dash]), pid > 0,
                  UInt64(owner[owner.index(after: dash)..<at], radix: 16) != nil,
                  !isRunning(pid) else { continue }
            _ = unlink(folder + entry)
        }
    }

    /// Whether a process `pid` exists (it may be another program that reuses a writer's number:
    /// its file then waits for a later write).
    private static func isRunning(_ pid: pid_t) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// The folder of `path` with its trailing slash ("" for a bare name), and the file's name.
    private static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// This machine's name, as temporary files record it.
    private static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return string(fromNullTerminated: buffer)
    }()
}
