import Foundation
import Likeness

/// PROTOCOL.md's batch nearest-neighbour query: queries/s of exact k-NN search, 10,000 queries
/// against a base of 60,000 64-d unit vectors, k = 10, embedding time excluded.
///
/// The vectors are seeded random unit vectors (normal draws, L2-normalised), not embeddings of
/// Fashion-MNIST, so that no trained model is needed: the integer product and its scan, most of
/// the time, do the same work whatever the values; only the rows that reach the exact-distance
/// stage (about 1 in 380 here) depend on them. FAISS gets data of the same shape.
struct QueryBenchmark {
    let settings: BenchmarkSettings
    let faiss: String?

    static let baseCount = 60_000, queryCount = 10_000, dimension = 64, k = 10
    /// Queries whose results are checked against brute force after the timed runs.
    static let checkedQueries = 64

    func run(_ out: FigureWriter) throws {
        var rng = SeededGenerator(seed: 7)
        let base = Self.unitVectors(count: Self.baseCount, using: &rng)
        let queries = Self.unitVectors(count: Self.queryCount, using: &rng)
        let index = try ExactNearestNeighbours(base: base)
        var results = try index.search(queries: queries, k: Self.k)  // warm-up

        var ours: [Double] = [], theirs: [Double] = [], ratios: [Double] = []
        for _ in 0..<settings.repeats {
            let t = try seconds { results = try index.search(queries: queries, k: Self.k) }
            ours.append(Double(Self.queryCount) / t)
            if let faiss {
                // Interleaved with ours, so both see the same load on a shared machine.
                let peer = try FaissPeer(python: faiss, threads: settings.threads).queriesPerSecond()
                theirs.append(peer)
                ratios.append(ours.last! / peer)
            }
        }
        try Self.check(results, base: base, queries: queries)
        let shape: [String: Any] = ["base": Self.baseCount, "queries": Self.queryCount, "dimension": Self.dimension,
                                    "k": Self.k, "data": "random unit vectors"]
        try out.write("query_queries_per_s", median(ours), unit: "queries/s", runs: ours,
                      extra: shape.merging(["checked_against_brute_force": Self.checkedQueries]) { $1 })
        if faiss != nil {
            try out.write("faiss_query_queries_per_s", median(theirs), unit: "queries/s", runs: theirs,
                          extra: shape.merging(["index": "IndexFlatL2"]) { $1 })
            try out.write("query_speedup_vs_faiss", median(ratios), unit: "ratio", runs: ratios,
                          extra: ["what": "Likeness / FAISS IndexFlatL2 queries/s, each run paired with the FAISS run after it"])
        }
    }

    static func unitVectors(count: Int, using rng: inout SeededGenerator) -> Tensor {
        var x = Tensor.randomNormal(shape: [count, dimension], using: &rng)
        x.withUnsafeMutableBufferPointer { v in
            for r in 0..<count {
                let row = r * dimension..<(r + 1) * dimension
                let norm = row.reduce(Float(0)) { $0 + v[$1] * v[$1] }.squareRoot()
                for i in row { v[i] /= norm }
            }
        }
        return x
    }

    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    /// The first `checkedQueries` queries' results against brute force in `Double`: the same
    /// distances, each reported distance that of its index.
    static func check(_ results: NeighbourResults, base: Tensor, queries: Tensor) throws {
        let b = base.scalars, q = queries.scalars
        func distance(_ query: Int, _ row: Int) -> Double {
            var s = 0.0
            for i in 0..<dimension {
                let x = Double(q[query * dimension + i]) - Double(b[row * dimension + i])
                s += x * x
            }
            return s.squareRoot()
        }
        for query in 0..<checkedQueries {
            let exact = (0..<baseCount).map { distance(query, $0) }.sorted().prefix(k)
            let found = results[query]
            for (rank, (neighbour, expected)) in zip(found, exact).enumerated()
            where abs(Double(neighbour.distance) - expected) > 1e-5 || abs(distance(query, neighbour.index) - expected) > 1e-5 {
                throw Mismatch(description: "query \(query), rank \(rank): found row \(neighbour.index) at \(neighbour.distance), brute force has distance \(expected)")
            }
            if found.count != k { throw Mismatch(description: "query \(query): \(found.count) neighbours, expected \(k)") }
        }
    }
}

/// Runs Benchmarks/peers/faiss_query.py (exact IndexFlatL2) on the same shape and threads.
struct FaissPeer {
    let python: String
    let threads: Int

    func queriesPerSecond() throws -> Double {
        try PeerScript(python: python, name: "faiss_query.py").figure(
            "faiss_query_queries_per_s",
            arguments: ["--threads", String(threads), "--base", String(QueryBenchmark.baseCount),
                        "--queries", String(QueryBenchmark.queryCount), "--dimension", String(QueryBenchmark.dimension),
                        "--k", String(QueryBenchmark.k), "--repeats", "1"])
    }
}
