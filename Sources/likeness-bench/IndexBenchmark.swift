import ArgumentParser
import Foundation
import Likeness
import LikenessFAISS

/// What `likeness-bench index` builds and searches.
struct IndexOptions: ParsableArguments {
    @Option(name: .customLong("rows"), help: "index: base rows (1,000,000; fewer for a quick check).")
    var rows = 1_000_000

    @Option(name: .customLong("index-queries"), help: "index: queries (10,000).")
    var queries = 10_000

    @Option(name: .customLong("factory"), help: ArgumentHelp("index: FAISS's index-factory string of the index measured.", valueName: "factory"))
    var factory = "IVF1024,Flat"

    @Option(name: .customLong("clusters"), help: "index: the centres the vectors are drawn around (100).")
    var clusters = 100

    @Option(name: .customLong("noise"), help: "index: the normal noise per dimension added to a centre before normalising (0.1).")
    var noise: Float = 0.1

    @Option(name: .customLong("nprobe"), parsing: .upToNextOption, help: ArgumentHelp("index: the nprobe values measured (those above the index's nlist are left out).", valueName: "n"))
    var nprobe = [1, 2, 4, 8, 16, 32]

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1, not \(rows).") }
        guard queries >= 1 else { throw ValidationError("--index-queries must be at least 1, not \(queries).") }
        guard clusters >= 1 else { throw ValidationError("--clusters must be at least 1, not \(clusters).") }
        guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be a finite number of at least 0, not \(noise).") }
        guard !nprobe.isEmpty, nprobe.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--nprobe takes values of at least 1, got \(nprobe).") }
    }

    var arguments: [String] {
        ["--rows", "\(rows)", "--index-queries", "\(queries)", "--clusters", "\(clusters)", "--noise", "\(noise)", "--factory", factory, "--nprobe"] + nprobe.map { "\($0)" }
    }
}

/// Issue 14's approximate search: a FAISS index (`--factory`, IVF1024,Flat) of a million seeded,
/// clustered 64-d unit vectors, 10,000 queries from the same clusters, k = 10. Its build time
/// (training on 39 × nlist rows and adding every row), its size per vector, and for each nprobe its
/// recall@10 against Likeness's exact search and its queries/s, beside the exact search's
/// queries/s in the same run.
///
/// The vectors are clustered because an inverted file has nothing to find in uniform random
/// vectors of 64 dimensions (every list is about as near as any other): 100 centres drawn
/// uniformly on the unit sphere (`--clusters`), each row a centre plus normal noise of 0.1 per
/// dimension (`--noise`), normalised; the queries are drawn the same way. With 1,024 lists each
/// cluster is split over about ten of them, so a query's neighbours lie in several lists and
/// nprobe matters (with 1,000 tight clusters, one list per cluster, nprobe 1 already finds 97%).
struct IndexBenchmark {
    let options: IndexOptions
    let runs: Int
    let threads: Int

    static let dimension = 64, k = 10

    func run(_ out: FigureOutput) throws {
        FAISSIndex.setThreadCount(threads)
        var rng = SeededGenerator(seed: 14)
        let centres = Self.normalised(Tensor.randomNormal(shape: [options.clusters, Self.dimension], using: &rng))
        printDiagnostic("index: \(options.rows) base rows and \(options.queries) queries, 64-d, around \(options.clusters) centres (not timed)")
        let base = Self.clustered(options.rows, centres: centres, noise: options.noise, using: &rng)
        let queries = Self.clustered(options.queries, centres: centres, noise: options.noise, using: &rng)
        let k = min(Self.k, options.rows)
        let shape: [String: Any] = ["base": options.rows, "queries": options.queries, "dimension": Self.dimension, "k": k,
                                    "data": "seeded unit vectors around \(options.clusters) centres, noise \(options.noise) per dimension"]

        // The exact search: the ground truth, and the speed to beat.
        // No warm-up run: at a million rows one run takes seconds, and the first is as fast as the others.
        let exactIndex = try ExactNearestNeighbours(base: base)
        var exact = NeighbourResults(queryCount: 0, k: 0, indices: [], distances: [])
        let exactRuns = try (1...runs).map { r -> Double in
            let speed = Double(options.queries) / (try seconds { exact = try exactIndex.search(queries: queries, k: k) })
            printDiagnostic("index: exact search, run \(r)/\(runs): \(Int(speed.rounded())) queries/s")
            return speed
        }
        let exactSpeed = median(exactRuns)
        try out.write(Figure(name: "index_exact_queries_per_s", value: exactSpeed, unit: .queriesPerSecond, runs: exactRuns,
                             details: shape.merging(["index": "exact (ExactNearestNeighbours)"]) { $1 }))

        // The index: trained on a seeded sample of 39 × nlist rows (all when fewer), every row added.
        let index: FAISSIndex
        do {
            index = try FAISSIndex(dimension: Self.dimension, factory: options.factory)
        } catch {
            throw ValidationError("--factory \"\(options.factory)\": \(error)")
        }
        var trainingRows = 0, training = 0.0
        if !index.isTrained {
            trainingRows = min(options.rows, 39 * (index.listCount ?? 1_681))
            let sample = base.rows(0..<trainingRows)  // the rows are drawn at random already
            printDiagnostic("index: training \(options.factory) on \(trainingRows) rows")
            training = try seconds { try index.train(sample) }
        }
        printDiagnostic("index: adding \(options.rows) rows")
        let adding = try seconds { try index.add(base) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("index.faiss").path
        try index.write(to: file)
        let bytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.doubleValue ?? 0
        let indexDetails = shape.merging(["index": options.factory, "training_rows": trainingRows, "faiss": "libfaiss \(Self.faissVersion)"]) { $1 }
        try out.write(Figure(name: "index_build_seconds", value: training + adding, unit: .seconds,
                             details: indexDetails.merging(["train_seconds": (training * 10).rounded() / 10,
                                                            "add_seconds": (adding * 10).rounded() / 10,
                                                            "what": "training plus adding every row, one run"]) { $1 }))
        try out.write(Figure(name: "index_bytes_per_vector", value: bytes / Double(options.rows), unit: .bytes,
                             details: indexDetails.merging(["what": "the index file's size over its rows (FAISS's write_index)",
                                                            "file_bytes": Int(bytes)]) { $1 }))

        let truth = (0..<options.queries).map { Set(exact[$0].map(\.index)) }
        for nprobe in options.nprobe {
            if let lists = index.listCount {
                guard nprobe <= lists else {
                    printDiagnostic("index: nprobe \(nprobe) is more than the index's \(lists) lists: left out")
                    continue
                }
                index.probeCount = nprobe
            } else if nprobe != options.nprobe[0] {
                continue  // one measure of an index without lists
            }
            var found = try index.search(queries, k: k)  // warm-up
            let speeds = try (1...runs).map { r -> Double in
                let speed = Double(options.queries) / (try seconds { found = try index.search(queries, k: k) })
                printDiagnostic("index: nprobe \(nprobe), run \(r)/\(runs): \(Int(speed.rounded())) queries/s")
                return speed
            }
            let hits = zip(found, truth).reduce(0) { sum, pair in sum + pair.0.filter { pair.1.contains($0.index) }.count }
            let recall = Double(hits) / Double(options.queries * k)
            let speed = median(speeds)
            printDiagnostic("index: nprobe \(nprobe): recall@\(k) \(String(format: "%.4f", recall)), \(Int(speed.rounded())) queries/s "
                            + "(exact: \(Int(exactSpeed.rounded())))")
            let name = index.listCount == nil ? "index" : "index_nprobe\(nprobe)"
            let details = indexDetails.merging(index.listCount == nil ? [:] : ["nprobe": nprobe, "nlist": index.listCount!]) { $1 }
            try out.write(Figure(name: "\(name)_recall_at_\(k)", value: recall, unit: .fraction,
                                 details: details.merging(["what": "the share of the exact search's \(k) nearest rows found, over all queries"]) { $1 }))
            try out.write(Figure(name: "\(name)_queries_per_s", value: speed, unit: .queriesPerSecond, runs: speeds, details: details))
            try out.write(Figure(name: "\(name)_speedup_vs_exact", value: speed / exactSpeed, unit: .ratio,
                                 details: details.merging(["what": "queries/s over the exact search's (median over median), same run"]) { $1 }))
        }
    }

    /// Debian's libfaiss-dev version, from dpkg's status file ("unknown" when absent).
    static let faissVersion: String = {
        guard let status = try? String(contentsOfFile: "/var/lib/dpkg/status", encoding: .utf8) else { return "unknown" }
        let paragraphs = status.components(separatedBy: "\n\n")
        guard let faiss = paragraphs.first(where: { $0.hasPrefix("Package: libfaiss-dev\n") }),
              let line = faiss.split(separator: "\n").first(where: { $0.hasPrefix("Version: ") }) else { return "unknown" }
        return String(line.dropFirst("Version: ".count))
    }()

    /// `count` unit rows, each a random centre plus noise, normalised.
    static func clustered(_ count: Int, centres: Tensor, noise: Float, using rng: inout SeededGenerator) -> Tensor {
        var x = Tensor.randomNormal(shape: [count, dimension], std: noise, using: &rng)
        let c = centres.scalars, clusters = centres.shape[0]
        x.withUnsafeMutableBufferPointer { v in
            for r in 0..<count {
                let centre = Int.random(in: 0..<clusters, using: &rng)
                for i in 0..<dimension { v[r * dimension + i] += c[centre * dimension + i] }
            }
        }
        return normalised(x)
    }

    /// Each row scaled to unit length, as the networks' `L2Normalize` scales embeddings.
    static func normalised(_ rows: Tensor) -> Tensor {
        L2Normalize().forward(rows, training: false)
    }
}
