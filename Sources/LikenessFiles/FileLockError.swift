/// A lock file that cannot be made, opened or locked.
public struct FileLockError: FileError, Equatable {
    /// The lock file.
    public let path: String
    /// The system's reason.
    public let reason: String

    public var details: FileErrorDetails {
        FileErrorDetails(filePath: path, problem: "cannot take the lock", found: reason)
    }
}
