#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock that processes take before they read, change and write back a shared file
/// (a gallery, an embedding store), so that two of them at once do not lose each other's change.
///
/// The lock is `flock(2)` on a lock file beside the shared one, `NAME.lock` for `NAME`, made
/// empty if missing and never removed: removing it while another process waits on it would let
/// a third lock a new file of the same name at the same time. It is held from `init` until the
/// object is released, and the system releases it when the process ends, however it ends. Only
/// processes that take it are held off: other programs may still write the file.
///
/// Two `FileLock`s on one file exclude each other within a process too, so a thread must not
/// take a lock it holds already: it would wait for itself.
public final class FileLock {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// The lock file of `file`: `file` + ".lock".
    public static func lockPath(for file: String) -> String { file + ".lock" }

    /// Takes the lock of `file`, waiting while another process holds it; `waiting` is called
    /// once, with the lock file's path, before the wait begins (to say why nothing happens).
    ///
    /// - Throws: `FileLockError` (with the system's reason) when the lock file cannot be made,
    ///   opened or locked: its folder is missing or read-only, say.
    public init(locking file: String, waiting: (String) -> Void = { _ in }) throws(FileLockError) {
        // Stored properties are set last: an init that throws before then runs no deinit, so
        // the descriptor is closed here, once.
        let lockPath = Self.lockPath(for: file)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileLockError(path: lockPath, reason: String(cString: strerror(errno))) }
        func failure(_ code: Int32) -> FileLockError {
            close(fd)
            return FileLockError(path: lockPath, reason: String(cString: strerror(code)))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else { throw failure(errno) }
            waiting(lockPath)
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else { throw failure(errno) }
            }
        }
        path = lockPath
        descriptor = fd
    }

    deinit {
        // Closing the only descriptor of the open file releases its lock.
        close(descriptor)
    }
}
