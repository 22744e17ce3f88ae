import LikenessFiles

/// An error from reading or writing an HDF5 file.
///
/// It says which file, which object inside it, what was being done, what was expected and
/// what was found, and carries HDF5's own message when the library reported one:
///
///     /data/store.h5: /embeddings: read: wrong element type: expected float32, found int32
public struct HDF5Error: FileError, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The file, or the folder it should be created in, does not exist.
        case fileNotFound
        /// The file exists but has no HDF5 signature.
        case notAnHDF5File
        /// No object (group, dataset) or attribute has the requested name.
        case objectNotFound
        /// An object or attribute with the name to create already exists.
        case alreadyExists
        /// The object is a group where a dataset was expected, or the other way round.
        case wrongObjectKind
        /// The stored element type is not the one asked for.
        case wrongElementType
        /// The stored shape, or the number of values given, is not the one expected.
        case wrongShape
        /// A row range reaches past the end of a dataset.
        case outOfBounds
        /// The file's structure is damaged in a way libhdf5 would not survive (see `HDF5GlobalHeapCheck`).
        case damaged
        /// The file declares more data than it can hold, or than a read may set memory aside for
        /// (see `HDF5ReadLimit`): refused before anything is allocated.
        case tooLarge
        /// A value HDF5 cannot store, such as a string containing NUL.
        case unsupportedValue
        /// The file was closed with `HDF5File.close()`.
        case fileClosed
        /// A call into HDF5 failed; `libraryMessage` says why.
        case libraryFailure
    }

    /// What went wrong.
    public var kind: Kind
    /// The path of the HDF5 file.
    public var filePath: String
    /// The path of the object inside the file ("/model_weights/conv1/weight"), if the error concerns one.
    public var objectPath: String?
    /// What was being done ("open file", "read", "write attribute 'digest'").
    public var operation: String
    /// What was expected, in words.
    public var expected: String?
    /// What was found instead, in words.
    public var found: String?
    /// HDF5's error stack, from the API call down to where the error was detected.
    public var libraryMessage: String?

    public var details: FileErrorDetails {
        FileErrorDetails(
            filePath: filePath, field: objectPath, step: operation, problem: kind.phrase,
            expected: expected, found: found, note: libraryMessage.map { "HDF5: \($0)" })
    }
}

extension HDF5Error.Kind {
    var phrase: String {
        switch self {
        case .fileNotFound: "no such file"
        case .notAnHDF5File: "not an HDF5 file"
        case .objectNotFound: "not found"
        case .alreadyExists: "already exists"
        case .wrongObjectKind: "wrong kind of object"
        case .wrongElementType: "wrong element type"
        case .wrongShape: "wrong shape"
        case .outOfBounds: "out of bounds"
        case .damaged: "damaged"
        case .tooLarge: "too large"
        case .unsupportedValue: "unsupported value"
        case .fileClosed: "file is closed"
        case .libraryFailure: "HDF5 call failed"
        }
    }
}

/// Where an error happens (file, object, operation), to build `HDF5Error`s from.
struct HDF5Context {
    let filePath: String
    let objectPath: String?
    let operation: String

    func error(
        _ kind: HDF5Error.Kind, expected: String? = nil, found: String? = nil, libraryMessage: String? = nil
    ) -> HDF5Error {
        HDF5Error(
            kind: kind, filePath: filePath, objectPath: objectPath, operation: operation,
            expected: expected, found: found, libraryMessage: libraryMessage)
    }

    /// An error of `kind` carrying the message HDF5 left on its error stack (which is cleared).
    /// Call under the library lock, right after the failing call.
    func libraryError(_ kind: HDF5Error.Kind = .libraryFailure, expected: String? = nil, found: String? = nil) -> HDF5Error {
        error(kind, expected: expected, found: found, libraryMessage: HDF5Library.takeErrorMessage())
    }

    /// Returns `result`, or throws the library's error when it is negative (HDF5's failure value
    /// for identifiers, statuses and truth values alike).
    @discardableResult
    func check<Result: BinaryInteger>(_ result: Result) throws(HDF5Error) -> Result {
        guard result >= 0 else { throw libraryError() }
        return result
    }
}
