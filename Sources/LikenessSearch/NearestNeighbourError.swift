/// Data nearest-neighbour search cannot rank.
public enum NearestNeighbourError: Error, CustomStringConvertible {
    /// Which matrix a bad row is in.
    public enum Role: String, Sendable { case base, queries }

    /// A NaN or an infinity at `row`, `column` (a base row's index is its global index).
    case nonFiniteValue(in: Role, row: Int, column: Int, value: Float)
    /// `queryCount × k` neighbour entries would not fit in the address space.
    case tooManyNeighbours(queryCount: Int, k: Int)

    public var description: String {
        switch self {
        case let .nonFiniteValue(role, row, column, value):
            "nearest-neighbour search: \(role.rawValue) row \(row), column \(column) is \(value); expected finite values"
        case let .tooManyNeighbours(queryCount, k):
            "nearest-neighbour search: \(queryCount) queries × \(k) neighbours are more entries than memory can address; ask for fewer neighbours"
        }
    }
}
