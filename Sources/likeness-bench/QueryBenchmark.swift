import Foundation
import Likeness

/// PROTOCOL.md's batch nearest-neighbour query: queries/s of exact k-NN search, 10,000 queries
/// against a base of 60,000 64-d unit vectors, k = 10, the time to compute the embeddings and
/// to build the index left out (FAISS's `index.add` is left out too).
///
/// `query` searches the embeddings of the training images for those of the test images, as the
/// protocol says; `query-random` seeded random unit vectors, which need no model. The exact
/// search's filter lets more candidates through on clustered embeddings, so the two differ.
/// FAISS gets the very same vectors, through .npy files.
struct QueryBenchmark {
    let runs: Int
    let threads: Int
    let faiss: String?

    static let baseCount = 60_000, queryCount = 10_000, dimension = 64, k = 10
    /// Queries whose results are checked against brute force after the timed runs.
    static let checkedQueries = 64

    func runOnRandomVectors(_ out: FigureOutput) throws {
        var rng = SeededGenerator(seed: 7)
        try run(out, base: Self.unitVectors(count: Self.baseCount, using: &rng), queries: Self.unitVectors(count: Self.queryCount, using: &rng),
                name: "query_random", details: ["data": "seeded random unit vectors"])
    }

    func runOnEmbeddings(_ out: FigureOutput, data: ProtocolData) throws {
        let model: ModelArchive
        var details: [String: Any] = ["data": "embeddings of the Fashion-MNIST training (base) and test (queries) images"]
        if let path = data.training.model {
            model = try ModelArchive.load(path)
            guard model.architecture.head.embeddingDimension != nil else {
                throw Mismatch(description: "--model \(path) has a softmax head; the query measure needs an embedding model.")
            }
            details["model"] = path
        } else {
            model = try data.protocolEmbedder()
            details["model"] = "the reference embedding network trained here"
            details.merge(data.trainingDetails(head: "embedding")) { $1 }
        }
        let train = try data.train(), test = try data.test()
        try model.requireInput(of: train, source: FashionMNIST.defaultDirectory)
        printDiagnostic("query: embedding the \(train.count) training and \(test.count) test images (not timed)")
        let base = model.outputs(for: train, indices: Array(0..<train.count), showProgress: true)
        let queries = model.outputs(for: test, indices: Array(0..<test.count), showProgress: true)
        try run(out, base: base, queries: queries, name: "query", details: details)
    }

    func run(_ out: FigureOutput, base: Tensor, queries: Tensor, name: String, details: [String: Any]) throws {
        let started = Date()
        let index = try ExactNearestNeighbours(base: base)
        let building = Date().timeIntervalSince(started)
        var results = try index.search(queries: queries, k: Self.k)  // warm-up

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let peer = try faiss.map { python in
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let files = (folder.appendingPathComponent("base.npy").path, folder.appendingPathComponent("queries.npy").path)
            try NumpyFile.write(base, to: files.0)
            try NumpyFile.write(queries, to: files.1)
            return Peer(title: "FAISS", versionField: "faiss", script: PeerScript(python: python, name: "faiss_query.py"),
                        arguments: ["--threads", "\(threads)", "--base-file", files.0, "--queries-file", files.1, "--k", "\(Self.k)", "--repeats", "1"],
                        figure: "faiss_query_queries_per_s")
        }
        let paired = try PairedRuns.measure(name.replacingOccurrences(of: "_", with: " "), count: runs, unit: .queriesPerSecond, ours: {
            let count = queries.shape[0]
            return Double(count) / (try seconds { results = try index.search(queries: queries, k: Self.k) })
        }, peer: peer)
        try Self.check(results, base: base, queries: queries)
        try out.write(paired, base: name, unit: .queriesPerSecond, peerName: "faiss",
                      details: details.merging(["base": base.shape[0], "queries": queries.shape[0], "dimension": base.shape[1], "k": Self.k]) { $1 },
                      ownDetails: ["index_build_seconds": (building * 1000).rounded() / 1000, "checked_against_brute_force": Self.checkedQueries])
    }

    static func unitVectors(count: Int, using rng: inout SeededGenerator) -> Tensor {
        IndexBenchmark.normalised(Tensor.randomNormal(shape: [count, dimension], using: &rng))
    }

    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    /// The first `checkedQueries` queries' results against brute force in `Double`: the same
    /// distances, each reported distance that of its index.
    static func check(_ results: NeighbourResults, base: Tensor, queries: Tensor) throws {
        let b = base.scalars, q = queries.scalars, d = base.shape[1], n = base.shape[0]
        func distance(_ query: Int, _ row: Int) -> Double {
            var s = 0.0
            for i in 0..<d {
                let x = Double(q[query * d + i]) - Double(b[row * d + i])
                s += x * x
            }
            return s.squareRoot()
        }
        for query in 0..<min(checkedQueries, queries.shape[0]) {
            let exact = (0..<n).map { distance(query, $0) }.sorted().prefix(k)
            let found = results[query]
            for (rank, (neighbour, expected)) in zip(found, exact).enumerated()
            where abs(Double(neighbour.distance) - expected) > 1e-5 || abs(distance(query, neighbour.index) - expected) > 1e-5 {
                throw Mismatch(description: "query \(query), rank \(rank): found row \(neighbour.index) at \(neighbour.distance), brute force has distance \(expected)")
            }
            if found.count != k { throw Mismatch(description: "query \(query): \(found.count) neighbours, expected \(k)") }
        }
    }
}
