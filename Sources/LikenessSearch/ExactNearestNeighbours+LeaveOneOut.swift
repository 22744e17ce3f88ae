import LikenessCore

extension ExactNearestNeighbours {
    /// The `k` nearest *other* rows of each row of `rows` (`N × D`), leave-one-out: `N × k` row
    /// indices, row-major, nearest first, equal distances by ascending index (as `search`
    /// orders them, by `SquaredDistances.squaredDistance`).
    ///
    /// One search of the rows against themselves for `k + 1` neighbours, the row itself then
    /// left out (a row whose exact duplicates of lower index fill all `k + 1` places is not
    /// among them, and its first `k` are its answer).
    ///
    /// - Precondition: `1 ≤ k < N`.
    /// - Throws: `NearestNeighbourError.nonFiniteValue` when a value is NaN or infinite.
    public static func nearestOtherRows(of rows: Tensor, k: Int) throws(NearestNeighbourError) -> [Int] {
        precondition(rows.rank == 2, "rows of shape \(rows.shape): expected N × D")
        let n = rows.shape[0]
        precondition(k >= 1 && k < n, "\(k) neighbours among \(n) rows")
        let found = try ExactNearestNeighbours(base: rows).search(queries: rows, k: k + 1)
        var neighbours: [Int] = []
        neighbours.reserveCapacity(n * k)
        for i in 0..<n {
            var taken = 0
            for j in found.indices[i * found.k..<(i + 1) * found.k] where j != i && taken < k {
                neighbours.append(j)
                taken += 1
            }
        }
        return neighbours
    }
}
