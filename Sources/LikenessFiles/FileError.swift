/// An error about a file that names the file, the field, what was expected and what was found,
/// in one shape (`FileErrorDetails`) and one message format, whichever layer throws it
/// (`DatasetFileError`, `HDF5Error`, `StorageError`).
public protocol FileError: Error, Sendable, CustomStringConvertible {
    /// The file, field, expected and found of the error.
    var details: FileErrorDetails { get }
}

extension FileError {
    public var description: String { details.description }
}

/// What a `FileError` says, written as
///
///     FILE: FIELD: STEP: PROBLEM: expected EXPECTED, found FOUND (NOTE)
///
/// leaving out the parts that are nil (`: FOUND` alone when nothing is expected):
///
///     /models/a.h5: /model_weights/conv1/weight: wrong shape: expected [32, 1, 3, 3], found [16, 1, 3, 3]
public struct FileErrorDetails: Sendable, Equatable, CustomStringConvertible {
    /// The file concerned; nil for data not (yet) read from or written to a file.
    public var filePath: String?
    /// The field, dataset, attribute or object concerned ("/model_weights/conv1/weight", "magic number").
    public var field: String?
    /// What was being done ("read", "open file"), where that is part of the message.
    public var step: String?
    /// What is wrong, in a few words ("wrong shape", "truncated"); nil when expected and found say it.
    public var problem: String?
    /// What was expected, in words.
    public var expected: String?
    /// What was found instead, in words.
    public var found: String?
    /// A remark in parentheses after the rest (the library's own message).
    public var note: String?

    public init(
        filePath: String?, field: String? = nil, step: String? = nil, problem: String? = nil,
        expected: String? = nil, found: String? = nil, note: String? = nil
    ) {
        self.filePath = filePath
        self.field = field
        self.step = step
        self.problem = problem
        self.expected = expected
        self.found = found
        self.note = note
    }

    public var description: String {
        var text = [filePath, field, step, problem].compactMap { $0 }.joined(separator: ": ")
        if let expected { text += ": expected \(expected)" }
        if let found { text += expected == nil ? ": \(found)" : ", found \(found)" }
        if let note { text += " (\(note))" }
        return text
    }
}

/// A shape in error messages: "[3, 4]", "[any, 64]" (a size left open), "scalar".
package func describe(shape: [Int?]) -> String {
    if shape.isEmpty { return "scalar" }
    return "[" + shape.map { $0.map(String.init) ?? "any" }.joined(separator: ", ") + "]"
}

/// A list of names in errors, shortened past a dozen.
package func describe(names: [String]) -> String {
    let shown = names.prefix(12).map { "\"\($0)\"" }.joined(separator: ", ")
    return "[\(shown)\(names.count > 12 ? ", … (\(names.count) in all)" : "")]"
}
