import LikenessFiles
import LikenessHDF5

/// A model archive, embedding store or gallery whose contents break its format, or data that
/// does not fit the file (or gallery) it is given to.
///
/// It names the file, the field (a dataset or attribute path), what was expected and what was found:
///
///     /models/a.h5: /model_weights/conv1/weight: wrong shape: expected [32, 1, 3, 3], found [16, 1, 3, 3]
///
/// Failures of HDF5 itself (no such file, not an HDF5 file, a truncated file, a wrong element
/// type) are thrown as `HDF5Error`, which names the file and object the same way.
public struct StorageError: FileError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The `format` attribute is missing or names another format.
        case wrongFormat
        /// The `format_version` is one this build cannot read.
        case unsupportedVersion
        /// A dataset or attribute the format requires (a network parameter, say) is absent.
        case missingEntry
        /// A dataset the format does not allow is present (a parameter the network does not have).
        case unexpectedEntry
        /// A dataset's shape, or the shape of data given, is not the one expected.
        case wrongShape
        /// A value is outside what the format allows (unreadable JSON, a negative count,
        /// a label out of range, an embedding that is not unit length).
        case invalidValue
        /// The stored weights do not hash to the stored digest: the file was altered or damaged.
        case digestMismatch
        /// Embeddings come from another model (digest) than the file's.
        case modelMismatch
        /// Embeddings have another dimension than the file's.
        case dimensionMismatch
        /// Labels refer to another class list than the file's.
        case classListMismatch
        /// A class name the gallery does not hold.
        case unknownClass
    }

    public var kind: Kind
    /// The file concerned; nil for a gallery not (yet) read from or saved to a file.
    public var filePath: String?
    /// The dataset or attribute concerned ("/model_weights/conv1/weight", "model_digest").
    public var field: String?
    /// What was expected, in words.
    public var expected: String?
    /// What was found instead, in words.
    public var found: String?

    public init(_ kind: Kind, filePath: String?, field: String? = nil, expected: String? = nil, found: String? = nil) {
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

extension StorageError.Kind {
    var phrase: String {
        switch self {
        case .wrongFormat: "wrong format"
        case .unsupportedVersion: "unsupported format version"
        case .missingEntry: "missing"
        case .unexpectedEntry: "unexpected entry"
        case .wrongShape: "wrong shape"
        case .invalidValue: "invalid value"
        case .digestMismatch: "weights do not match the stored digest"
        case .modelMismatch: "embeddings from another model"
        case .dimensionMismatch: "wrong embedding dimension"
        case .classListMismatch: "different class list"
        case .unknownClass: "unknown class"
        }
    }
}
