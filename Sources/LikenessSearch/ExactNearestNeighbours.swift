import LikenessCore

/// Exact k-nearest-neighbour search by Euclidean distance over a base held in memory.
///
/// `search` returns, for each query `q`, the `k` base rows `b` with the smallest `‖q − b‖₂`,
/// nearest first: ordered by the squared distance `Σ (qᵢ − bᵢ)²` computed in `Float`, equal
/// squared distances by ascending index. A byte-precision product filters the base first (see
/// `NeighbourScan`); it only skips rows that provably cannot be among the `k` nearest, so the
/// results are those of brute force, the same for any thread count.
///
/// Layout: `base` is `N × D` (typically unit-length 64-d embeddings), queries `Q × D`.
///
/// ```swift
/// let index = try ExactNearestNeighbours(base: embeddings)      // N × 64
/// let results = try index.search(queries: queries, k: 10)       // Q × 10
/// results[0].first?.index                                       // query 0's nearest base row
/// ```
public struct ExactNearestNeighbours: Sendable {
    let base: QuantizedBase

    /// The number of base rows.
    public var count: Int { base.count }
    /// The number of columns of every row.
    public var dimension: Int { base.dimension }

    /// An index over `base` (`N × D`, `D ≥ 1`), prepared once for any number of searches: a
    /// copy of the rows grouped by nearness (`N × D` floats) and their byte codes (`N × D` bytes).
    ///
    /// - Throws: `NearestNeighbourError.nonFiniteValue` when a base value is NaN or infinite.
    public init(base: Tensor) throws(NearestNeighbourError) {
        self.base = try QuantizedBase(rows: base, firstIndex: 0, grouped: true)
    }

    /// The `min(k, N)` nearest base rows of each query (`Q × D`), on `Parallel.threadCount` threads.
    ///
    /// - Precondition: `k ≥ 1`; the queries have the base's `D` columns.
    /// - Throws: `NearestNeighbourError.nonFiniteValue` when a query value is NaN or infinite.
    public func search(queries: Tensor, k: Int) throws(NearestNeighbourError) -> NeighbourResults {
        precondition(queries.rank == 2 && queries.shape[1] == dimension,
                     "queries must be Q × \(dimension) like the base, got shape \(queries.shape)")
        var search = try StreamingNeighbourSearch(queries: queries, k: k)
        search.merge(base)
        return search.results
    }

    /// Exact search over a base read chunk by chunk, for bases larger than memory: `nextChunk`
    /// returns the chunks in turn (any order, any sizes) and `nil` after the last.
    ///
    /// The results equal those of `ExactNearestNeighbours(base:).search(queries:k:)` on the
    /// chunks' rows, row `r` of a chunk having index `chunk.firstIndex + r`.
    ///
    /// - Throws: what `nextChunk` throws, or `NearestNeighbourError.nonFiniteValue`.
    public static func search(queries: Tensor, k: Int, chunks nextChunk: () throws -> BaseChunk?) throws -> NeighbourResults {
        var search = try StreamingNeighbourSearch(queries: queries, k: k)
        while let chunk = try nextChunk() {
            try search.add(chunk)
        }
        return search.results
    }
}
