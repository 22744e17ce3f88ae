import LikenessFiles

/// Shots a gallery cannot take, or a class it does not hold: names the file the shots come
/// from (when they do), the field, what was expected and what was found, in the one message
/// format of `FileError`:
///
///     embeddings: invalid value: expected unit-length embeddings, found length 0.5 in row 3
public struct EnrollmentError: FileError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Embeddings of another length than the gallery's.
        case dimensionMismatch
        /// No embedding, one that is not unit length, a label outside the class list, an empty
        /// class name, or shots that cancel out.
        case invalidValue
        /// A class name the gallery does not hold.
        case unknownClass
    }

    public var kind: Kind
    /// The file the shots come from; nil for embeddings computed in memory.
    public var filePath: String?
    public var field: String
    public var expected: String
    public var found: String

    public init(_ kind: Kind, filePath: String? = nil, field: String, expected: String, found: String) {
        self.kind = kind
        self.filePath = filePath
        self.field = field
        self.expected = expected
        self.found = found
    }

    public var details: FileErrorDetails {
        FileErrorDetails(filePath: filePath, field: field, problem: kind.phrase, expected: expected, found: found)
    }
}

extension EnrollmentError.Kind {
    var phrase: String {
        switch self {
        case .dimensionMismatch: "wrong embedding dimension"
        case .invalidValue: "invalid value"
        case .unknownClass: "unknown class"
        }
    }
}
