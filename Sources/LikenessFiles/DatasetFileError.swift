/// Why a dataset file could not be read or written.
///
/// Every case names the file; the field cases also name the field, what the format
/// expects there and what the file holds, so that the message alone says what to fix.
public enum DatasetFileError: Error, Equatable, Sendable {
    /// The file or folder does not exist.
    case missing(file: String)
    /// The operating system refused to open or read the file.
    case unreadable(file: String, reason: String)
    /// The operating system refused a step of writing the file (`step`: "write the file",
    /// "sync the file to disk", …): a full disk, a file-size limit, a read-only folder.
    case unwritable(file: String, step: String, reason: String)
    /// The file ends before `field` is complete.
    case truncated(file: String, field: String, expectedBytes: Int, foundBytes: Int)
    /// `field` holds a value the format does not allow.
    case invalidField(file: String, field: String, expected: String, found: String)
    /// `field` disagrees with another part of the file, or with a companion file.
    case inconsistent(file: String, field: String, expected: String, found: String)
    /// `field` declares a size larger than the limit the loader was given.
    case tooLarge(file: String, field: String, limit: Int, found: Int)
    /// The compressed or encoded stream is damaged (the decoder's own message).
    case corrupt(file: String, reason: String)

    /// The file or folder the error is about.
    public var file: String {
        switch self {
        case .missing(let file), .unreadable(let file, _), .unwritable(let file, _, _), .truncated(let file, _, _, _),
             .invalidField(let file, _, _, _), .inconsistent(let file, _, _, _),
             .tooLarge(let file, _, _, _), .corrupt(let file, _):
            return file
        }
    }
}

extension DatasetFileError: FileError {
    public var details: FileErrorDetails {
        switch self {
        case .missing(let file):
            return FileErrorDetails(filePath: file, problem: "no such file or folder")
        case .unreadable(let file, let reason):
            return FileErrorDetails(filePath: file, problem: "cannot be read", found: reason)
        case .unwritable(let file, let step, let reason):
            return FileErrorDetails(filePath: file, problem: "cannot \(step)", found: reason)
        case .truncated(let file, let field, let expected, let found):
            return FileErrorDetails(filePath: file, field: field, problem: "truncated",
                                    expected: "\(expected) bytes", found: "\(found)")
        case .invalidField(let file, let field, let expected, let found):
            return FileErrorDetails(filePath: file, field: field, expected: expected, found: found)
        case .inconsistent(let file, let field, let expected, let found):
            return FileErrorDetails(filePath: file, field: field, problem: "inconsistent", expected: expected, found: found)
        case .tooLarge(let file, let field, let limit, let found):
            return FileErrorDetails(filePath: file, field: field, problem: "too large",
                                    expected: "at most \(limit) bytes", found: "\(found) bytes")
        case .corrupt(let file, let reason):
            return FileErrorDetails(filePath: file, problem: "corrupt data", found: reason)
        }
    }
}
