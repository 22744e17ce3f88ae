/// A lock file that cannot be made, opened or locked.
public struct FileLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lock file.
    public let path: String
    /// The system's reason.
    public let reason: String

    public var description: String { "\(path): cannot take the lock: \(reason)" }
}
