import LikenessCore

/// Consecutive base rows and the global index of the first.
///
/// Layout: `rows` is `count × D`; row `r` has index `firstIndex + r`.
public struct BaseChunk: Sendable {
    public var firstIndex: Int
    public var rows: Tensor

    public init(firstIndex: Int, rows: Tensor) {
        precondition(firstIndex >= 0, "negative first index \(firstIndex)")
        precondition(rows.rank == 2, "a base chunk must be N × D, got shape \(rows.shape)")
        self.firstIndex = firstIndex
        self.rows = rows
    }
}

/// Exact k-nearest-neighbour search fed one base chunk at a time: it keeps each query's `k`
/// best rows so far, so the base never needs to be in memory whole.
///
/// Adding chunks in any order and of any sizes gives the results of `ExactNearestNeighbours` on
/// all their rows. Chunks should not overlap: a row added twice can be listed twice.
///
/// ```swift
/// var search = try StreamingNeighbourSearch(queries: queries, k: 10)
/// for chunk in chunks { try search.add(chunk) }
/// let results = search.results
/// ```
public struct StreamingNeighbourSearch: Sendable {
    let queries: QuantizedQueries
    var lists: NeighbourLists

    /// The number of neighbours requested per query.
    public var k: Int { lists.k }
    /// Base rows added so far.
    public private(set) var rowsSearched = 0

    /// A search for the `k` nearest rows of each query (`Q × D`, `D ≥ 1`).
    ///
    /// - Precondition: `k ≥ 1`. Results hold `min(k, rowsSearched)` neighbours per query.
    /// - Throws: `NearestNeighbourError.nonFiniteValue` when a query value is NaN or infinite,
    ///   `.tooManyNeighbours` when `Q × k` lists entries would not fit in the address space (the
    ///   lists are allocated whole: bound `k` by the base's rows).
    public init(queries: Tensor, k: Int) throws(NearestNeighbourError) {
        precondition(k >= 1, "k must be at least 1, got \(k)")
        self.queries = try QuantizedQueries(rows: queries)
        lists = try NeighbourLists(queryCount: self.queries.count, k: k)
    }

    /// Offers the chunk's rows to every query, on `Parallel.threadCount` threads.
    ///
    /// - Precondition: the chunk has the queries' `D` columns.
    /// - Throws: `NearestNeighbourError.nonFiniteValue` when a value of the chunk is NaN or infinite.
    public mutating func add(_ chunk: BaseChunk) throws(NearestNeighbourError) {
        precondition(chunk.rows.shape[1] == queries.dimension,
                     "base chunk has \(chunk.rows.shape[1]) columns, the queries \(queries.dimension)")
        // Grouping the chunk's rows costs a few passes over them: worth it for many queries.
        let grouped = queries.count >= BaseGrouping.rounds * BaseGrouping.maximumGroups * 8
        merge(try QuantizedBase(rows: chunk.rows, firstIndex: chunk.firstIndex, grouped: grouped))
    }

    mutating func merge(_ base: QuantizedBase) {
        NeighbourScan.merge(base, queries: queries, into: &lists)
        rowsSearched += base.count
    }

    /// Each query's `min(k, rowsSearched)` nearest rows so far, nearest first.
    public var results: NeighbourResults { lists.results(rowsSearched: rowsSearched) }
}
