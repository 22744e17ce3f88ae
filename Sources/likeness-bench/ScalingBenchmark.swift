import ArgumentParser
import Foundation
import Likeness

/// What `likeness-bench scaling` measures: the training-set and store sizes, and how a large
/// store is written and searched.
struct ScalingOptions: ParsableArguments {
    @Option(name: .customLong("scaling-images"), parsing: .upToNextOption,
            help: ArgumentHelp("scaling: training-set sizes, one epoch each (image i is training image i mod 60,000).", valueName: "n"))
    var images = [15_000, 60_000, 240_000]

    @Option(name: .customLong("scaling-rows"), parsing: .upToNextOption,
            help: ArgumentHelp("scaling: store sizes searched (fewer or smaller for a quick check).", valueName: "n"))
    var rows = [60_000, 1_000_000, 10_000_000]

    @Option(name: .customLong("scaling-queries"), help: "scaling: queries per search (10,000).")
    var queries = 10_000

    @Option(name: .customLong("scaling-stream-above"),
            help: ArgumentHelp("scaling: stores of more rows are written to an embedding store on disk and searched from it in chunks (1,000,000).",
                               valueName: "rows"))
    var streamAbove = 1_000_000

    @Option(name: .customLong("scaling-chunk-rows"), help: "scaling: store rows generated, written and read at a time, as likeness query --chunk-rows (65,536).")
    var chunkRows = 65_536

    @Option(name: .customLong("scaling-folder"),
            help: ArgumentHelp("scaling: where the streamed stores are written, each removed after its search (the temporary folder; about 300 MB a million rows).",
                               valueName: "folder"))
    var folder: String?

    func validate() throws {
        for (name, sizes) in [("scaling-images", images), ("scaling-rows", rows)] where sizes.isEmpty || sizes.contains(where: { $0 < 1 }) {
            throw ValidationError("--\(name) takes sizes of at least 1, got \(sizes).")
        }
        for (name, value) in [("scaling-queries", queries), ("scaling-chunk-rows", chunkRows)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1, not \(value).")
        }
        guard streamAbove >= 0 else { throw ValidationError("--scaling-stream-above must be at least 0, not \(streamAbove).") }
        var isFolder: ObjCBool = false
        if let folder, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
            throw ValidationError("--scaling-folder \(folder): no such folder.")
        }
    }

    var arguments: [String] {
        ["--scaling-images"] + images.map { "\($0)" } + ["--scaling-rows"] + rows.map { "\($0)" }
            + ["--scaling-queries", "\(queries)", "--scaling-stream-above", "\(streamAbove)", "--scaling-chunk-rows", "\(chunkRows)"]
            + (folder.map { ["--scaling-folder", $0] } ?? [])
    }
}

/// Issue 12, how cost grows: the seconds of a training epoch against the training set's size,
/// and the seconds and peak resident memory of an exact search against the store's size.
///
/// Training: the reference network with its softmax head, cross-entropy, Adam 1e-3, shuffled
/// batches of `--batch`, no validation, one epoch (`SoftmaxRecipe.train`, as `likeness train`
/// trains) on each `--scaling-images` size, a fresh network each time, after an untimed epoch of
/// three batches. A set of N images is the index list `i mod 60,000` for i in 0..<N into
/// Fashion-MNIST's training file: its first N images up to 60,000, the whole file four times
/// over for 240,000 (random images when Fashion-MNIST is missing: the speed does not depend on
/// the pixels).
///
/// Search: `--scaling-queries` seeded random 64-d unit queries against each `--scaling-rows`
/// store of seeded random 64-d unit rows, k = 10, exact. A store of at most
/// `--scaling-stream-above` rows is made in memory and searched by `ExactNearestNeighbours`, as
/// the `query` measure searches; a larger one is written to an embedding store in a folder of
/// its own (in place, `--scaling-chunk-rows` rows at a time: never whole in memory), synced and
/// dropped from the page cache, then searched as `likeness query` searches a store: opened, read
/// in chunks of `--scaling-chunk-rows` rows, each chunk offered to a `StreamingNeighbourSearch`;
/// the folder is removed after the search, or when anything fails. The rows of every store come
/// from one seed, chunk after chunk, so both ways search the same rows.
///
/// Each search's peak resident memory is that of the step alone where Linux lets the
/// high-water mark be set back (`PeakMemory.resetPeak`): from making the rows (in memory) or
/// opening the store (streamed) to the results, on top of what the process held when it began
/// (`rss_before_mib`). Elsewhere it is the process's high-water mark so far, the sizes measured
/// from the smallest up.
struct ScalingBenchmark {
    let options: ScalingOptions
    let batch: Int
    let data: ProtocolData

    static let k = 10
    static let rowSeed: UInt64 = 12, querySeed: UInt64 = 13
    /// The model digest of the streamed stores, which no model computed.
    static let storeDigest = "likeness-bench scaling: seeded random unit rows"

    func run(_ out: FigureOutput) throws {
        try runTraining(out)
        try runSearches(out)
    }

    // MARK: - Training

    func runTraining(_ out: FigureOutput) throws {
        let train = ProtocolData.isInstalled ? try data.train() : nil
        let dataset = train ?? Self.randomImages(min(options.images.max() ?? 0, 60_000))
        var recipe = SoftmaxRecipe()
        recipe.epochs = 1
        recipe.batchSize = batch
        recipe.loss = .crossEntropy
        try recipe.train(Self.network(), on: dataset, indices: Array(0..<min(3 * batch, dataset.count)), validation: nil)  // warm-up
        for images in Set(options.images).sorted() {
            let indices = (0..<images).map { $0 % dataset.count }
            let network = Self.network()
            printDiagnostic("scaling: training one epoch on \(images) images")
            let epoch = try seconds { try recipe.train(network, on: dataset, indices: indices, validation: nil) }
            printDiagnostic("scaling: \(images) images: \(String(format: "%.1f", epoch)) s, \(Int((Double(images) / epoch).rounded())) images/s")
            let details: [String: Any] = [
                "images": images, "distinct_images": min(images, dataset.count), "data": train == nil ? "random" : "fashion-mnist",
                "repetition": "image i is training image i mod \(dataset.count)", "network": "reference", "head": "softmax",
                "loss": "cross-entropy", "optimizer": "adam", "batch": batch, "epochs": 1, "validation": false,
            ]
            try out.write(Figure(name: "scaling_train_\(images)_seconds_per_epoch", value: epoch, unit: .seconds, details: details))
            try out.write(Figure(name: "scaling_train_\(images)_images_per_s", value: Double(images) / epoch, unit: .imagesPerSecond,
                                 details: details))
        }
    }

    /// The reference network with its softmax head, seed 1 (as the `train` measure's).
    static func network() -> Sequential {
        Network.make(backbone: .reference, head: .softmax(classCount: 10), channels: 1, height: 28, width: 28, seed: 1)
    }

    /// `count` seeded random 28 × 28 images, image i labelled i mod 10.
    static func randomImages(_ count: Int) -> Dataset {
        var rng = SeededGenerator(seed: 4)
        return Dataset(pixels: (0..<(count * 28 * 28)).map { _ in UInt8.random(in: 0...255, using: &rng) }, labels: (0..<count).map { $0 % 10 },
                       classNames: FashionMNIST.classNames, ids: (0..<count).map { "random#\($0)" }, height: 28, width: 28, channels: 1)
    }

    // MARK: - Search

    func runSearches(_ out: FigureOutput) throws {
        var rng = SeededGenerator(seed: Self.querySeed)
        let queries = QueryBenchmark.unitVectors(count: options.queries, using: &rng)
        _ = try ExactNearestNeighbours(base: queries.rows(0..<min(1_000, options.queries)))
            .search(queries: queries.rows(0..<min(100, options.queries)), k: 1)  // warm-up
        for rows in Set(options.rows).sorted() {
            let streamed = rows > options.streamAbove
            printDiagnostic("scaling: \(options.queries) queries against \(rows) rows" + (streamed ? ", streamed from disk" : ", in memory"))
            let search = streamed ? try searchStreamed(rows: rows, queries: queries) : try searchInMemory(rows: rows, queries: queries)
            printDiagnostic("scaling: \(rows) rows: \(String(format: "%.1f", search.seconds)) s, "
                            + "\(Int((Double(options.queries) / search.seconds).rounded())) queries/s, peak \(Int(search.peak.rounded())) MiB")
            let details = search.details.merging([
                "rows": rows, "queries": options.queries, "dimension": QueryBenchmark.dimension, "k": min(Self.k, rows), "streamed": streamed,
                "data": "seeded random unit vectors",
            ]) { $1 }
            try out.write(Figure(name: "scaling_query_\(rows)_seconds", value: search.seconds, unit: .seconds, details: details))
            try out.write(Figure(name: "scaling_query_\(rows)_queries_per_s", value: Double(options.queries) / search.seconds,
                                 unit: .queriesPerSecond, details: details))
            try out.write(Figure(name: "scaling_query_\(rows)_peak_rss_mib", value: search.peak, unit: .mebibytes,
                                 details: details.merging(search.memory) { $1 }))
        }
    }

    /// A search's seconds (from the rows to the results), its peak resident memory in MiB, and
    /// the details of each.
    struct Search {
        var seconds: Double
        var peak: Double
        var details: [String: Any]
        var memory: [String: Any]
    }

    /// Makes the store's rows in memory and searches them with `ExactNearestNeighbours`; the
    /// seconds are those of building the index and searching.
    func searchInMemory(rows: Int, queries: Tensor) throws -> Search {
        let step = MemoryStep()
        let base = storeRows(rows)
        let (index, building) = try timed { try ExactNearestNeighbours(base: base) }
        let (_, searching) = try timed { try index.search(queries: queries, k: min(Self.k, rows)) }
        return Search(seconds: building + searching, peak: PeakMemory.residentSinceResetMiB,
                      details: ["index_build_seconds": Self.rounded(building), "search_seconds": Self.rounded(searching)],
                      memory: step.details(what: "making the rows in memory, building the index and searching"))
    }

    /// Writes the store to an embedding store in a folder of its own (not timed), then searches it
    /// from disk as `likeness query` does; the seconds are those of opening, reading and searching.
    /// The folder is removed when done, or when anything fails.
    func searchStreamed(rows: Int, queries: Tensor) throws -> Search {
        let parent = options.folder.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let folder = parent.appendingPathComponent("likeness-bench-scaling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.h5").path
        printDiagnostic("scaling: writing \(rows) rows to \(path) (not timed)")
        let writing = try seconds { try writeStore(rows: rows, to: path) }
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        let dropped = Self.dropFromPageCache(path)

        let step = MemoryStep()
        let k = min(Self.k, rows)
        var search = try StreamingNeighbourSearch(queries: queries, k: k)
        var searching = 0.0
        let total = try seconds {
            let store = try EmbeddingStore.open(path)
            try store.forEachChunk(rows: options.chunkRows) { chunk, offset in
                searching += try seconds { try search.add(BaseChunk(firstIndex: offset, rows: chunk.embeddings)) }
            }
            _ = search.results
        }
        return Search(seconds: total, peak: PeakMemory.residentSinceResetMiB,
                      details: ["chunk_rows": options.chunkRows, "search_seconds": Self.rounded(searching),
                                "read_seconds": Self.rounded(total - searching), "write_seconds": Self.rounded(writing), "file_bytes": bytes,
                                "page_cache": dropped ? "dropped before the search" : "as written (it could not be dropped)"],
                      memory: step.details(what: "opening the store, reading it in chunks and searching"))
    }

    /// The store's `rows` seeded unit rows, made `--scaling-chunk-rows` at a time into one tensor.
    func storeRows(_ rows: Int) -> Tensor {
        let d = QueryBenchmark.dimension
        return Tensor(shape: [rows, d]) { out in
            forEachChunk(ofStoreRows: rows) { offset, chunk in
                _ = UnsafeMutableBufferPointer(rebasing: out[(offset * d)...]).initialize(fromContentsOf: chunk.scalars)
            }
        }
    }

    /// Writes the same rows as `storeRows` to an embedding store at `path`, in place, one chunk at
    /// a time: row r has id "r" and the one class.
    func writeStore(rows: Int, to path: String) throws {
        try EmbeddingStore.create(at: path, modelDigest: Self.storeDigest, dimension: QueryBenchmark.dimension, classNames: ["random"],
                                  writing: .inPlace) { writer in
            try forEachChunk(ofStoreRows: rows) { offset, chunk in
                let count = chunk.shape[0]
                try writer.append(EmbeddingBatch(embeddings: chunk, labels: [Int](repeating: 0, count: count),
                                                 ids: (offset..<(offset + count)).map { "\($0)" }))
            }
        }
    }

    /// The store's seeded unit rows, `--scaling-chunk-rows` at a time, each chunk with the index
    /// of its first row: one stream, so the in-memory and streamed stores hold the same rows.
    func forEachChunk(ofStoreRows rows: Int, _ body: (_ offset: Int, _ chunk: Tensor) throws -> Void) rethrows {
        var rng = SeededGenerator(seed: Self.rowSeed)
        for offset in stride(from: 0, to: rows, by: options.chunkRows) {
            try body(offset, QueryBenchmark.unitVectors(count: min(options.chunkRows, rows - offset), using: &rng))
        }
    }

    /// Writes the file's pages to disk and asks the kernel to drop them from its cache, so that
    /// the search reads the file from disk; false where either fails.
    static func dropFromPageCache(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 && posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED) == 0
    }

    static func rounded(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }

    /// The start of a step whose peak resident memory is measured: the high-water mark set back
    /// where Linux allows it, and the resident memory then.
    struct MemoryStep {
        let reset = PeakMemory.resetPeak()
        let residentBefore = PeakMemory.currentMiB

        /// What the peak of a step that does `what` stands for, and the resident memory before it.
        func details(what: String) -> [String: Any] {
            var details: [String: Any] = ["peak": reset
                ? "the step's own (\(what)): the high-water mark set back at its start through /proc/self/clear_refs"
                : "the process's high-water mark so far, which cannot be set back here: sizes are measured from the smallest up"]
            if let residentBefore { details["rss_before_mib"] = FigureUnit.mebibytes.rounded(residentBefore) }
            return details
        }
    }
}
