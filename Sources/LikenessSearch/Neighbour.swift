/// One neighbour of a query: a base row's index and its Euclidean distance `‖q − b‖₂`.
public struct Neighbour: Sendable, Hashable {
    /// The base row's index (in streaming search, the chunk's first index plus the row in the chunk).
    public var index: Int
    /// The Euclidean distance from the query to the base row.
    public var distance: Float

    public init(index: Int, distance: Float) {
        self.index = index
        self.distance = distance
    }
}

/// The `k` nearest base rows of each query, nearest first.
///
/// Layout: `indices` and `distances` are `queryCount × k`, row-major. Row `q` holds query `q`'s
/// neighbours by ascending distance, equal distances by ascending index. `k` is the requested
/// count clipped to the number of base rows searched.
public struct NeighbourResults: Sendable, Equatable {
    /// The number of queries.
    public let queryCount: Int
    /// Neighbours per query: the requested `k`, or the number of base rows when there are fewer.
    public let k: Int
    /// Base row indices, `queryCount × k`.
    public let indices: [Int]
    /// Euclidean distances, `queryCount × k`, ascending along each row.
    public let distances: [Float]

    public init(queryCount: Int, k: Int, indices: [Int], distances: [Float]) {
        precondition(queryCount >= 0 && k >= 0, "negative result size \(queryCount) × \(k)")
        precondition(indices.count == queryCount * k && distances.count == queryCount * k,
                     "\(indices.count) indices and \(distances.count) distances for \(queryCount) × \(k) results")
        self.queryCount = queryCount
        self.k = k
        self.indices = indices
        self.distances = distances
    }

    /// Query `query`'s neighbours, nearest first.
    public subscript(query: Int) -> [Neighbour] {
        precondition(query >= 0 && query < queryCount, "query \(query) out of range 0..<\(queryCount)")
        return (query * k..<(query + 1) * k).map { Neighbour(index: indices[$0], distance: distances[$0]) }
    }
}
