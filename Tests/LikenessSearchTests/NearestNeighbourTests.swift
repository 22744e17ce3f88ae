import LikenessCore
import LikenessSearch
import Testing

/// Exact search against brute force computed here in `Double`: every query's k nearest rows,
/// nearest first, ties by lower index; the same results whatever the threads or the chunks.
@Suite("Exact nearest-neighbour search")
struct NearestNeighbourTests {
    /// Rows of `d` normal draws, scaled to unit length when `unit`.
    static func vectors(_ count: Int, _ d: Int, unit: Bool = false, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        var x = Tensor.randomNormal(shape: [count, d], using: &rng)
        if unit {
            x.withUnsafeMutableBufferPointer { v in
                for r in 0..<count {
                    let row = r * d..<(r + 1) * d
                    let norm = row.reduce(Float(0)) { $0 + v[$1] * v[$1] }.squareRoot()
                    for i in row { v[i] /= norm }
                }
            }
        }
        return x
    }

    /// Rows of small integers in `-2...2`: every distance is exact in `Float`, and many tie.
    static func integerVectors(_ count: Int, _ d: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: [count, d], scalars: (0..<count * d).map { _ in Float(Int(rng.next() % 5) - 2) })
    }

    /// `‖q − b‖²` in `Double` for every query (rows) and base row (columns).
    static func squaredDistances(base: Tensor, queries: Tensor) -> [[Double]] {
        let d = base.shape[1], n = base.shape[0]
        let b = base.scalars.map(Double.init), q = queries.scalars.map(Double.init)
        return (0..<queries.shape[0]).map { query in
            var row = [Double](repeating: 0, count: n)
            for r in 0..<n {
                var s = 0.0
                for i in 0..<d {
                    let x = q[query * d + i] - b[r * d + i]
                    s += x * x
                }
                row[r] = s
            }
            return row
        }
    }

    /// Each query's rows by ascending `(squared distance, index)` in `Double`, the first `k`.
    static func bruteForce(base: Tensor, queries: Tensor, k: Int) -> [[(index: Int, distance: Double)]] {
        squaredDistances(base: base, queries: queries).map { squared in
            squared.indices.sorted { (squared[$0], $0) < (squared[$1], $1) }.prefix(k)
                .map { (index: $0, distance: squared[$0].squareRoot()) }
        }
    }

    /// The results are brute force's up to `Float` rounding: the same distances rank by rank,
    /// and each reported distance is its row's true distance.
    static func expectMatchesBruteForce(_ results: NeighbourResults, base: Tensor, queries: Tensor, k: Int) {
        let squared = squaredDistances(base: base, queries: queries)
        #expect(results.queryCount == queries.shape[0])
        #expect(results.k == min(k, base.shape[0]))
        for query in 0..<results.queryCount {
            let found = results[query]
            let expected = squared[query].sorted().prefix(k).map { $0.squareRoot() }
            #expect(found.count == expected.count)
            #expect(Set(found.map(\.index)).count == found.count, "query \(query): a row twice in \(found)")
            for (rank, (neighbour, truth)) in zip(found, expected).enumerated() {
                let own = squared[query][neighbour.index].squareRoot()
                let tolerance = 1e-5 * max(1, truth)
                #expect(abs(Double(neighbour.distance) - truth) <= tolerance,
                        "query \(query) rank \(rank): distance \(neighbour.distance), brute force \(truth)")
                #expect(abs(own - Double(neighbour.distance)) <= tolerance,
                        "query \(query) rank \(rank): row \(neighbour.index) reported at \(neighbour.distance), is at \(own)")
            }
        }
    }

    @Test(arguments: [
        (n: 1, q: 3, d: 5, k: 1),
        (n: 50, q: 7, d: 3, k: 1),
        (n: 300, q: 20, d: 64, k: 10),
        (n: 1_100, q: 33, d: 17, k: 25),
        (n: 700, q: 5, d: 64, k: 100),
        (n: 1_500, q: 150, d: 64, k: 10),
    ])
    func matchesBruteForce(n: Int, q: Int, d: Int, k: Int) throws {
        for unit in [false, true] {
            let base = Self.vectors(n, d, unit: unit, seed: UInt64(n * 7 + d))
            let queries = Self.vectors(q, d, unit: unit, seed: UInt64(q * 11 + d))
            let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: k)
            Self.expectMatchesBruteForce(results, base: base, queries: queries, k: k)
        }
    }

    /// Small-integer data makes every distance exact and ties common (duplicate rows included):
    /// the indices must be brute force's exactly, equal distances by ascending index.
    @Test func tiesGoToTheLowerIndex() throws {
        var base = Self.integerVectors(400, 6, seed: 1).scalars
        base += base[0..<(60 * 6)]  // rows 400..<460 duplicate rows 0..<60
        let baseTensor = Tensor(shape: [460, 6], scalars: base)
        let queries = Self.integerVectors(40, 6, seed: 2)
        for k in [1, 7, 30] {
            let results = try ExactNearestNeighbours(base: baseTensor).search(queries: queries, k: k)
            let expected = Self.bruteForce(base: baseTensor, queries: queries, k: k)
            #expect(results.indices == expected.flatMap { $0.map(\.index) })
            #expect(results.distances == expected.flatMap { $0.map { Float($0.distance) } })
        }
    }

    /// Rows closer to each other than the byte codes can tell apart (a block's codes resolve
    /// about 1/127 of its largest offset from the block's centre, a query's 1/63 of its largest
    /// value) are still ranked by their true distances.
    @Test(arguments: [1e-2, 1e-3, 1e-4] as [Float])
    func nearDuplicatesFinerThanTheFilterAreRankedExactly(spread: Float) throws {
        let d = 64, centre = Self.vectors(1, d, unit: true, seed: 3).scalars
        var rng = SeededGenerator(seed: 4)
        let near = (0..<1_800 * d).map { centre[$0 % d] + spread * rng.nextNormal() }
        let far = Self.vectors(200, d, unit: true, seed: 5).scalars
        let base = Tensor(shape: [2_000, d], scalars: near[0..<(700 * d)] + far + near[(700 * d)...])
        let queries = Tensor(shape: [12, d], scalars: (0..<12 * d).map { centre[$0 % d] + spread * rng.nextNormal() })
        let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: 20)
        Self.expectMatchesBruteForce(results, base: base, queries: queries, k: 20)
        let expected = Self.bruteForce(base: base, queries: queries, k: 20)
        let agreeing = zip(results.indices, expected.flatMap { $0.map(\.index) }).filter { $0 == $1 }.count
        #expect(agreeing >= results.indices.count * 9 / 10, "only \(agreeing) of \(results.indices.count) indices as brute force")
    }

    /// The worst case of the filter's bound: every code of the query rounds down by almost half
    /// a step, and the base rows spread along that rounding error, so the byte product's error
    /// is as large as the bound allows for rows far from their block's centre. A bound missing
    /// a term loses rows.
    @Test func queryRoundingAlignedWithTheBaseIsCovered() throws {
        let d = 64
        var rng = SeededGenerator(seed: 26)
        // q₀ = 0.3 sets the query's step to 0.3/63; every other value sits 0.49 steps above a code.
        let step: Float = 0.3 / 63
        let query = [Float(0.3)] + (1..<d).map { _ in (Float(Int(rng.next() % 81) - 40) + 0.49) * step }
        let along = [Float(0)] + [Float](repeating: 1 / Float(d - 1).squareRoot(), count: d - 1)
        let base = Tensor(shape: [3_000, d]) { b in
            for r in 0..<3_000 {
                let t = 0.6 * rng.nextUniform() - 0.3
                for c in 0..<d { b[r * d + c] = query[c] + t * along[c] + (c == 0 ? 1e-4 * rng.nextNormal() : 0) }
            }
        }
        let queries = Tensor(shape: [1, d], scalars: query)
        let index = try ExactNearestNeighbours(base: base)
        for k in [1, 10, 50, 200] {
            let results = try index.search(queries: queries, k: k)
            let expected = Self.bruteForce(base: base, queries: queries, k: k)
            #expect(results.indices == expected[0].map(\.index), "k = \(k)")
        }
    }

    /// Unit rows in tight clusters, like the embeddings of a trained network: the base is grouped
    /// and coded relative to its blocks' centres, and the results stay brute force's.
    @Test func tightClustersMatchBruteForce() throws {
        let d = 32
        let centres = Self.vectors(6, d, seed: 24).scalars
        var rng = SeededGenerator(seed: 25)
        func clustered(_ count: Int) -> Tensor {
            var x = Tensor(shape: [count, d]) { v in
                for r in 0..<count {
                    let c = Int(rng.next() % 6)
                    for i in 0..<d { v[r * d + i] = centres[c * d + i] + 0.2 * rng.nextNormal() }
                }
            }
            x.withUnsafeMutableBufferPointer { v in
                for r in 0..<count {
                    let row = r * d..<(r + 1) * d
                    let norm = row.reduce(Float(0)) { $0 + v[$1] * v[$1] }.squareRoot()
                    for i in row { v[i] /= norm }
                }
            }
            return x
        }
        let base = clustered(3_000), queries = clustered(60)
        let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: 15)
        Self.expectMatchesBruteForce(results, base: base, queries: queries, k: 15)
    }

    /// Tight clusters joined by rows strewn between them: a block holding such a row has a wide
    /// radius, and a query between clusters finds its nearest rows among them. Blocks whose
    /// centre is too far for any of their rows to enter a query's list are skipped; a bound
    /// that underrates a block's reach (its radius, or its centre's distance) loses rows here.
    @Test func blocksSkippedByTheirCentresLoseNoRow() throws {
        let d = 16, clusterCount = 30
        let centres = Self.vectors(clusterCount, d, unit: true, seed: 27).scalars
        var rng = SeededGenerator(seed: 28)
        func rows(_ count: Int, strewn share: Int) -> Tensor {
            Tensor(shape: [count, d]) { v in
                for r in 0..<count {
                    let a = Int(rng.next() % UInt64(clusterCount)), b = Int(rng.next() % UInt64(clusterCount))
                    let t = Int(rng.next() % 100) < share ? rng.nextUniform() : 0
                    for i in 0..<d {
                        v[r * d + i] = (1 - t) * centres[a * d + i] + t * centres[b * d + i] + 0.03 * rng.nextNormal()
                    }
                }
            }
        }
        let base = rows(4_000, strewn: 5), queries = rows(300, strewn: 50)
        for k in [1, 10] {
            let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: k)
            #expect(results.indices == Self.bruteForce(base: base, queries: queries, k: k).flatMap { $0.map(\.index) }, "k = \(k)")
        }
    }

    /// A block far away but for one row: 255 rows at distance 1,000 and one on the line to the
    /// queries, at exactly the distance of the nearest other rows (for the query at the origin:
    /// a tie it wins by its lower index) or nearer. The triangle bound is tight for that row, so
    /// a bound that underrates the block's radius or overrates its centre's distance even by a
    /// part in a thousand, or that rounds the wrong way, skips the block and loses the row.
    @Test func aBlockReachedOnlyByItsFarthestRowIsSearched() throws {
        let d = 4
        var rows = [Float](repeating: 0, count: 512 * d)
        for r in 0..<255 { rows[r * d + 1] = 1_000 }
        rows[255 * d + 1] = 1
        for r in 256..<512 { rows[r * d] = 1 }
        let base = Tensor(shape: [512, d], scalars: rows)
        let queries = Tensor(shape: [2, d], scalars: [0, 0, 0, 0, 0, 0.5, 0, 0])
        let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: 10)
        #expect(results[0].map(\.index) == [255] + Array(256..<265))
        #expect(results[1].map(\.index) == [255] + Array(256..<265))
        #expect(results[0].map(\.distance) == [Float](repeating: 1, count: 10))
        #expect(results[1][0].distance == 0.5)
    }

    /// k beyond the base's size is clipped: every row, nearest first.
    @Test func kLargerThanTheBaseReturnsEveryRow() throws {
        let base = Self.vectors(4, 8, seed: 6), queries = Self.vectors(3, 8, seed: 7)
        let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: 10)
        #expect(results.k == 4)
        for query in 0..<3 { #expect(Set(results[query].map(\.index)) == [0, 1, 2, 3]) }
        Self.expectMatchesBruteForce(results, base: base, queries: queries, k: 10)
    }

    /// Where squares overflow `Float`, every distance is ∞ and the lists still fill, by index.
    @Test func overflowingDistancesStillFillTheLists() throws {
        var rng = SeededGenerator(seed: 21)
        let base = Tensor.randomNormal(shape: [40, 8], std: 1e25, using: &rng)
        let queries = Tensor.randomNormal(shape: [3, 8], std: 1e25, using: &rng)
        let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: 5)
        #expect(results.distances.allSatisfy { $0 == .infinity })
        #expect(results.indices == Array(repeating: Array(0..<5), count: 3).flatMap { $0 })
    }

    @Test func noQueriesGiveNoResults() throws {
        let results = try ExactNearestNeighbours(base: Self.vectors(10, 4, seed: 8)).search(queries: Tensor(shape: [0, 4]), k: 3)
        #expect(results.queryCount == 0 && results.indices.isEmpty && results.distances.isEmpty)
    }

    @Test func nonFiniteValuesAreRejectedWithTheirPlace() throws {
        var base = Self.vectors(10, 4, seed: 9)
        base[6, 2] = .nan
        #expect {
            _ = try ExactNearestNeighbours(base: base)
        } throws: { error in
            guard case let .nonFiniteValue(role, row, column, _) = error as? NearestNeighbourError else { return false }
            return role == .base && row == 6 && column == 2
        }
        var queries = Self.vectors(3, 4, seed: 10)
        queries[1, 3] = -.infinity
        #expect {
            _ = try ExactNearestNeighbours(base: Self.vectors(10, 4, seed: 9)).search(queries: queries, k: 2)
        } throws: { error in
            guard case let .nonFiniteValue(role, row, column, _) = error as? NearestNeighbourError else { return false }
            return role == .queries && row == 1 && column == 3
        }
        var chunk = Self.vectors(5, 4, seed: 11)
        chunk[4, 0] = .infinity
        var search = try StreamingNeighbourSearch(queries: Self.vectors(2, 4, seed: 12), k: 2)
        #expect {
            try search.add(BaseChunk(firstIndex: 100, rows: chunk))
        } throws: { error in
            guard case let .nonFiniteValue(role, row, _, _) = error as? NearestNeighbourError else { return false }
            return role == .base && row == 104
        }
    }

    /// Base rows `range` of `base` as a chunk.
    static func chunk(_ base: Tensor, _ range: Range<Int>) -> BaseChunk {
        let d = base.shape[1]
        return BaseChunk(firstIndex: range.lowerBound,
                         rows: Tensor(shape: [range.count, d], scalars: base.scalars[range.lowerBound * d..<range.upperBound * d]))
    }

    /// Chunks of any sizes, in any order, give the in-memory results exactly.
    @Test func streamingOverChunksEqualsTheInMemorySearch() throws {
        for (base, queries) in [(Self.vectors(1_500, 64, unit: true, seed: 13), Self.vectors(70, 64, unit: true, seed: 14)),
                                (Self.integerVectors(900, 5, seed: 15), Self.integerVectors(30, 5, seed: 16))] {
            let n = base.shape[0]
            let inMemory = try ExactNearestNeighbours(base: base).search(queries: queries, k: 12)
            let bounds = [0, 1, 38, 600, 611, n]
            var pending = zip(bounds, bounds.dropFirst()).map { Self.chunk(base, $0..<$1) }[...]
            let streamed = try ExactNearestNeighbours.search(queries: queries, k: 12) { pending.popFirst() }
            #expect(streamed == inMemory)

            var search = try StreamingNeighbourSearch(queries: queries, k: 12)
            for range in [700..<n, 0..<5, 300..<700, 5..<300] { try search.add(Self.chunk(base, range)) }
            #expect(search.rowsSearched == n)
            #expect(search.results == inMemory)

            // Enough queries that each chunk is grouped as the in-memory base is.
            let manyQueries = Tensor(shape: [1_100, queries.shape[1]],
                                     scalars: (0..<1_100 * queries.shape[1]).map { queries.scalars[$0 % queries.count] + Float($0 % 7) })
            let manyInMemory = try ExactNearestNeighbours(base: base).search(queries: manyQueries, k: 3)
            var manySearch = try StreamingNeighbourSearch(queries: manyQueries, k: 3)
            for range in [n / 3..<n, 0..<n / 3] { try manySearch.add(Self.chunk(base, range)) }
            #expect(manySearch.results == manyInMemory)

            let nothing = try StreamingNeighbourSearch(queries: queries, k: 12).results
            #expect(nothing.k == 0 && nothing.queryCount == queries.shape[0] && nothing.indices.isEmpty)
        }
    }

    /// A chunk source's error reaches the caller.
    @Test func chunkSourceErrorsPropagate() throws {
        struct ReadFailure: Error {}
        let queries = Self.vectors(2, 4, seed: 17)
        var calls = 0
        #expect(throws: ReadFailure.self) {
            _ = try ExactNearestNeighbours.search(queries: queries, k: 1) { () throws -> BaseChunk? in
                calls += 1
                if calls == 2 { throw ReadFailure() }
                return Self.chunk(Self.vectors(10, 4, seed: 18), 0..<10)
            }
        }
    }
}

/// Changes the process-wide thread count, so it runs alone.
@Suite("Exact nearest-neighbour search across thread counts", .serialized)
struct NearestNeighbourThreadTests {
    @Test func resultsDoNotDependOnTheThreadCount() throws {
        let base = Tensor(shape: [1_200, 16], scalars: NearestNeighbourTests.vectors(600, 16, seed: 19).scalars
            + NearestNeighbourTests.vectors(600, 16, seed: 19).scalars)  // every row twice: ties everywhere
        let queries = NearestNeighbourTests.vectors(301, 16, seed: 20)
        let index = try ExactNearestNeighbours(base: base)
        var results: [NeighbourResults] = []
        for threads in [1, 2, 3, 5] {
            results.append(try Parallel.withThreadCount(threads) { try index.search(queries: queries, k: 9) })
        }
        for other in results.dropFirst() { #expect(other == results[0]) }

        // More queries than one block holds: several blocks per thread.
        let smallBase = NearestNeighbourTests.integerVectors(200, 3, seed: 22)
        let manyQueries = NearestNeighbourTests.integerVectors(2_500, 3, seed: 23)
        let smallIndex = try ExactNearestNeighbours(base: smallBase)
        var manyResults: [NeighbourResults] = []
        for threads in [1, 2, 3] {
            manyResults.append(try Parallel.withThreadCount(threads) { try smallIndex.search(queries: manyQueries, k: 4) })
        }
        for other in manyResults.dropFirst() { #expect(other == manyResults[0]) }
        let expected = NearestNeighbourTests.bruteForce(base: smallBase, queries: manyQueries, k: 4)
        #expect(manyResults[0].indices == expected.flatMap { $0.map(\.index) })
        NearestNeighbourTests.expectMatchesBruteForce(results[0], base: base, queries: queries, k: 9)
        for query in 0..<results[0].queryCount {
            let found = results[0][query]
            for (a, b) in zip(found, found.dropFirst()) where a.distance == b.distance {
                #expect(a.index < b.index, "query \(query): tie \(a), \(b) not by index")
            }
            #expect(found[0].index + 600 == found[1].index, "query \(query): the nearest row's twin is not second: \(found)")
        }
    }
}
