/// Per-query lists of the best `(squared distance, index)` pairs found so far, ascending by
/// squared distance, then by index.
///
/// Layout: `squaredDistances` and `indices` are `queryCount × k`, row-major; list `q` holds
/// `counts[q]` entries.
struct NeighbourLists: Sendable {
    let queryCount: Int, k: Int
    var squaredDistances: [Float]
    var indices: [Int]
    var counts: [Int]

    /// - Throws: `NearestNeighbourError.tooManyNeighbours` when `queryCount × k` entries, 12
    ///   bytes each, would not fit in the address space.
    init(queryCount: Int, k: Int) throws(NearestNeighbourError) {
        let (entries, overflow) = queryCount.multipliedReportingOverflow(by: k)
        guard !overflow, entries <= Int.max / MemoryLayout<Int>.stride else { throw .tooManyNeighbours(queryCount: queryCount, k: k) }
        self.queryCount = queryCount
        self.k = k
        squaredDistances = [Float](repeating: .infinity, count: entries)
        indices = [Int](repeating: 0, count: entries)
        counts = [Int](repeating: 0, count: queryCount)
    }

    /// The lists as results, distances `√d²`: every list holds `min(k, rows searched)` entries,
    /// since a row is only left out when `k` others are provably nearer.
    func results(rowsSearched: Int) -> NeighbourResults {
        let filled = min(k, rowsSearched)
        precondition(counts.allSatisfy { $0 == filled }, "neighbour lists not all of \(filled) entries")
        var indices: [Int] = [], distances: [Float] = []
        indices.reserveCapacity(queryCount * filled)
        distances.reserveCapacity(queryCount * filled)
        for q in 0..<queryCount {
            indices += self.indices[q * k..<q * k + filled]
            distances += squaredDistances[q * k..<q * k + filled].map { $0.squareRoot() }
        }
        return NeighbourResults(queryCount: queryCount, k: filled, indices: indices, distances: distances)
    }
}

/// One query's list, seen through pointers into `NeighbourLists` by the thread that owns it.
struct NeighbourList {
    let squaredDistances: UnsafeMutablePointer<Float>
    let indices: UnsafeMutablePointer<Int>
    let k: Int
    var count: Int

    /// The squared distance a row must not exceed to enter: the k-th best, or ∞ until full.
    var limit: Float { count < k ? .infinity : squaredDistances[k - 1] }

    /// Inserts `(d², index)` in order if it beats the last entry of a full list.
    @inline(__always)
    mutating func offer(_ d2: Float, index: Int) {
        if count == k {
            let last = squaredDistances[k - 1]
            guard d2 < last || (d2 == last && index < indices[k - 1]) else { return }
        } else {
            count += 1
        }
        var p = count - 1
        while p > 0 && (squaredDistances[p - 1] > d2 || (squaredDistances[p - 1] == d2 && indices[p - 1] > index)) {
            squaredDistances[p] = squaredDistances[p - 1]
            indices[p] = indices[p - 1]
            p -= 1
        }
        squaredDistances[p] = d2
        indices[p] = index
    }
}
