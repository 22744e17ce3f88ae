import ArgumentParser
import Foundation
import Likeness
import LikenessFAISS

extension LikenessCommand {
    /// `likeness query --store S.h5 --model M IMAGE… -k 10`: the k nearest neighbours of each query
    /// in an embedding store, exact, streaming over the store in chunks; or approximate, through a
    /// FAISS index of the store (`--index`, from `likeness index build`).
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "query",
            abstract: "Find the k nearest neighbours in an embedding store of images (embedded with --model) or of stored embeddings (--queries).",
            discussion: """
            The search is exact (Euclidean distance) and reads the store in chunks of --chunk-rows rows, \
            so stores larger than memory work. A -k past the store's rows gives every row (with a \
            warning); the neighbour lists must fit in the memory the process may use (the smallest of \
            its address-space limit, its cgroup's limit and the available memory), or the query is \
            refused with both figures. Columns: query, rank, neighbour id, its class, distance.

            With --index (a FAISS index of the store, from likeness index build), the index searches \
            instead, visiting --nprobe of its lists (default: the nprobe stored in the file, 1 unless set); \
            the ids and classes are the store's, by row index, and the distance is Euclidean, as in the \
            exact search (the square root of FAISS's squared L2). The index must hold the store's rows and \
            dimension. A query gets fewer than -k lines when the lists it visits hold fewer rows.

            Examples:
              likeness query --store train.h5 --model embedder.h5 -k 5 shoe.png
              likeness query --store train.h5 --queries test.h5 -k 10 --format jsonl
              likeness query --store train.h5 --index train.faiss --nprobe 16 --queries test.h5 -k 10
            """
        )

        @Option(help: ArgumentHelp("The embedding store to search (from likeness embed).", valueName: "file"))
        var store: String

        @Option(help: ArgumentHelp("The model to embed image queries with (it must be the store's model).", valueName: "file"))
        var model: String?

        @Option(help: ArgumentHelp("An embedding store whose embeddings are the queries.", valueName: "file"))
        var queries: String?

        @OptionGroup(title: "Image queries (embedded with --model)") var images: ImageInputOptions

        @Option(name: .shortAndLong, parsing: .unconditional, help: "Neighbours per query (at most the store's rows: more gives them all, with a warning).")
        var k = 10

        @Option(parsing: .unconditional, help: "Store rows read at a time.")
        var chunkRows = 65_536

        @Option(help: ArgumentHelp("A FAISS index of the store (likeness index build) to search instead of the exact search.", valueName: "file"))
        var index: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Lists of the --index IVF index each query visits (1…nlist; more: slower, nearer exact).", valueName: "n"))
        var nprobe: Int?

        @OptionGroup var format: FormatOptions
        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("Write the neighbours to this file instead of standard output.", valueName: "file") }
        }

        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            try requireSeparateFiles()
            guard k >= 1 else { throw ValidationError("-k must be at least 1, not \(k).") }
            guard chunkRows >= 1 else { throw ValidationError("--chunk-rows must be at least 1, not \(chunkRows).") }
            let sources = [queries != nil, images.dataset != nil, !images.images.isEmpty].filter { $0 }.count
            guard sources == 1 else { throw ValidationError("Give the queries one way: image files, --dataset, or --queries.") }
            if queries == nil && model == nil { throw ValidationError("Image queries need the --model that made the store.") }
            if let nprobe {
                guard index != nil else { throw ValidationError("--nprobe applies to a FAISS index: give it with --index FILE (likeness index build).") }
                guard nprobe >= 1 else { throw ValidationError("--nprobe must be at least 1, not \(nprobe).") }
            }
        }

        struct Line: Encodable {
            var query: String
            var rank: Int
            var neighbour: String
            var `class`: String?
            var distance: Float
        }

        func run() throws {
            runtime.apply()
            let base = try EmbeddingStore.open(store)
            let (queryVectors, queryIDs) = try loadQueries(for: base)
            let k = try neighbourCount(queries: queryIDs.count, rows: base.count)
            if let index {
                let results = try searchIndex(index, base: base, queries: queryVectors, k: k)
                let (ids, labels) = try base.readIDsAndLabels()
                try writeLines({ results[$0] }, ids: ids, labels: labels, classNames: base.classNames, queryIDs: queryIDs)
                return
            }

            var search = try StreamingNeighbourSearch(queries: queryVectors, k: k)
            var ids: [String] = [], labels: [Int] = []
            let progress = base.count > chunkRows ? ProgressBar("searching", total: base.count, unit: "rows") : nil
            try base.forEachChunk(rows: chunkRows) { chunk, offset in
                try search.add(BaseChunk(firstIndex: offset, rows: chunk.embeddings))
                ids += chunk.ids
                labels += chunk.labels
                progress?.advance(by: chunk.count)
            }
            progress?.finish()
            let results = search.results
            try writeLines({ results[$0] }, ids: ids, labels: labels, classNames: base.classNames, queryIDs: queryIDs)
        }

        /// Writes the neighbours of each query `q` (`results(q)`), named and classed by the store's row `ids` and `labels`.
        func writeLines(_ results: (Int) -> [Neighbour], ids: [String], labels: [Int], classNames: [String], queryIDs: [String]) throws {
            var lines = format.format == .csv ? ["query,rank,neighbour,class,distance"] : []
            for q in 0..<queryIDs.count {
                for (rank, n) in results(q).enumerated() {
                    let label = labels[n.index]
                    let line = Line(query: queryIDs[q], rank: rank + 1, neighbour: ids[n.index],
                                    class: label >= 0 && label < classNames.count ? classNames[label] : nil, distance: n.distance)
                    switch format.format {
                    case .jsonl: lines.append(try OutputFormat.jsonLine(line))
                    case .csv: lines.append([line.query, "\(line.rank)", line.neighbour, line.class ?? "", "\(line.distance)"]
                                                .map(OutputFormat.csvField).joined(separator: ","))
                    }
                }
            }
            try writeResult(lines.joined(separator: "\n") + "\n", to: output.path)
        }

        /// The neighbours `index` (the file) finds, after checking that it is an index of `base`
        /// and setting its nprobe.
        func searchIndex(_ path: String, base: EmbeddingStore, queries: Tensor, k: Int) throws -> [[Neighbour]] {
            FAISSIndex.setThreadCount(Parallel.threadCount)
            let index = try FAISSIndex.read(path)
            guard index.dimension == base.dimension, index.count == base.count else {
                throw CommandError("--index \(path) holds \(index.count) rows of \(index.dimension)-d, and --store \(store) \(base.count) rows "
                                   + "of \(base.dimension)-d: the index is not of this store. Build it again: likeness index build "
                                   + "\(store.shellQuoted) -o \(path.shellQuoted)")
            }
            if let nprobe {
                guard let lists = index.listCount else {
                    throw CommandError("--nprobe \(nprobe): --index \(path) has no inverted lists (it is not an IVF index); leave --nprobe out.")
                }
                guard nprobe <= lists else {
                    throw CommandError("--nprobe \(nprobe) is more than the \(lists) lists of --index \(path): give at most \(lists).")
                }
                index.probeCount = nprobe
            }
            do {
                return try index.search(queries, k: k)
            } catch {
                throw CommandError("query: --index \(path): \(error)")
            }
        }

        /// `-k`, or the store's rows (at least 1) when fewer, with a warning; after checking that
        /// the neighbour lists and the lines fit in the memory the process may use.
        func neighbourCount(queries: Int, rows: Int) throws -> Int {
            var k = self.k
            if k > rows {
                printDiagnostic("query: -k \(k) is more than the store's \(rows) row\(rows == 1 ? "" : "s"): giving \(rows)")
                k = max(rows, 1)
            }
            // Per neighbour: a list entry and a result (a Float and an Int each), and a line of about 100 bytes.
            let bytes = checkedProduct([queries, k, 2 * (MemoryLayout<Float>.size + MemoryLayout<Int>.size) + 100]) ?? .max
            do {
                try MemoryBudget.require(bytes, for: "query: \(queries) queries × \(k) neighbours")
            } catch {
                throw CommandError("\(error): give a smaller -k or fewer queries.")
            }
            return k
        }

        /// The query embeddings and their ids.
        func loadQueries(for base: EmbeddingStore) throws -> (Tensor, [String]) {
            if let queries {
                let stored = try EmbeddingStore.open(queries).readAll()
                guard stored.dimension == base.dimension else {
                    throw StorageError(.dimensionMismatch, filePath: queries, field: "/embeddings",
                                       expected: "dimension \(base.dimension), as in \(store)", found: "dimension \(stored.dimension)")
                }
                return (stored.embeddings, stored.ids)
            }
            guard let model else { throw CommandError("Image queries need the --model that made the store.") }
            let (archive, loaded, _) = try ModelInputOptions.load(model: model, images: images)
            try base.requireCompatible(with: archive, modelPath: model)
            let embeddings = archive.outputs(for: loaded.dataset, indices: loaded.selection, showProgress: loaded.selection.count > 1000)
            return (embeddings, loaded.selection.map { loaded.dataset.ids[$0] })
        }
    }
}

extension LikenessCommand.Query: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--store", path: store)] + [model].compactMap { $0 }.map { NamedFile(option: "--model", path: $0) }
            + [queries].compactMap { $0 }.map { NamedFile(option: "--queries", path: $0) } + NamedFile.dataset("--dataset", images.dataset)
            + images.images.map { NamedFile(option: "IMAGE", path: $0) } + [index].compactMap { $0 }.map { NamedFile(option: "--index", path: $0) }
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
