/// Why FAISS refused to make, train, fill or search an index. Errors of the index's file are
/// `DatasetFileError`s, which name the file.
public enum FAISSIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `faiss.index_factory` refused the description (`factory`, for vectors of `dimension`
    /// values); `reason` is FAISS's message.
    case invalidFactory(factory: String, dimension: Int, reason: String)
    /// A NaN or an infinity in `role` ("training rows", "rows", "queries") at `row`, `column`:
    /// FAISS would train or search on it without a word.
    case nonFiniteValue(role: String, row: Int, column: Int, value: Float)
    /// FAISS refused `step` ("train the index", "add rows", "search"); `reason` is its message.
    case refused(step: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidFactory(factory, dimension, reason):
            "FAISS cannot make an index of \"\(factory)\" for \(dimension)-d vectors: \(reason)"
        case let .nonFiniteValue(role, row, column, value):
            "FAISS index: \(role) row \(row), column \(column) is \(value); expected finite values"
        case let .refused(step, reason):
            "FAISS cannot \(step): \(reason)"
        }
    }
}
