import Foundation
import LikenessCore
import LikenessData
import LikenessFiles
import LikenessHDF5

/// Embeddings of many items in an HDF5 file, with their labels and identifiers, tied to the
/// model that computed them.
///
/// Layout (docs/FILE-FORMATS.md has the details and an h5py reader):
///
///     /embeddings  float32 N×D, chunked, first dimension extendable
///     /labels      int32 N (index into /classes, −1 for none)
///     /ids         variable-length UTF-8 strings N
///     /classes     variable-length UTF-8 strings C
///     attributes: format = "likeness-embeddings", format_version = 1, model_digest, dimension,
///                 distance = "euclidean", normalized (1 if every row has unit length, else 0)
///
/// The value describes the file as it was when created, opened or last appended to; reads
/// go to the file each time, so that a store larger than memory is read chunk by chunk.
///
/// Appending rewrites the whole file: the rows already stored are copied with the new ones
/// into a temporary file, which is then renamed over the store, so that a failed append
/// leaves the store as it was. That costs a pass over the store per call: append many rows
/// per call (the `fill` variants take any number of batches in one pass). Appends hold the
/// store's `FileLock`, so concurrent appenders keep each other's rows; `create` replaces
/// whatever is at its path.
public struct EmbeddingStore: Sendable, Equatable {
    /// The `format` attribute of embedding stores.
    public static let formatName = "likeness-embeddings"
    /// The `format_version` written; files of this version or older are read.
    public static let formatVersion = 1
    /// The `distance` attribute: the metric the embeddings are compared with.
    public static let distance = "euclidean"

    public let path: String
    /// The digest of the model archive whose network computed the embeddings.
    public let modelDigest: String
    /// `D`, the length of each embedding.
    public let dimension: Int
    /// The class names that labels index.
    public let classNames: [String]
    /// Whether every embedding has unit Euclidean length (checked when rows are appended).
    public let isNormalized: Bool
    /// The number of rows `N`.
    public private(set) var count: Int

    /// How `create` writes its file.
    public enum Writing: Sendable {
        /// The whole file or none (`HDF5File.writeAtomically`): built in memory, where its bytes
        /// are twice at the end, then renamed over the path.
        case atomically
        /// Straight to a new file at the path as rows are appended, so that memory holds about
        /// one batch at a time: for a store larger than memory. Refuses a path where a file is,
        /// so nothing stored is lost; an error removes the partial file, a kill leaves it.
        case inPlace
    }

    /// Creates a store at `path` with the rows that `fill` appends, replacing any file there
    /// (`writing: .atomically`) or refusing one (`.inPlace`).
    ///
    /// - Throws: what `fill` or `EmbeddingStoreWriter.append` throws (no file is written then),
    ///   or `HDF5Error` if the file cannot be written.
    @discardableResult
    public static func create(
        at path: String, modelDigest: String, dimension: Int, classNames: [String], normalized: Bool = true,
        writing: Writing = .atomically, _ fill: (inout EmbeddingStoreWriter) throws -> Void = { _ in }
    ) throws -> EmbeddingStore {
        precondition(dimension > 0, "embedding dimension \(dimension)")
        var store = EmbeddingStore(path: path, modelDigest: modelDigest, dimension: dimension, classNames: classNames,
                                   isNormalized: normalized, count: 0)
        try store.requireStorable(modelDigest: modelDigest, classNames: classNames)
        let layout = store
        func write(_ file: HDF5File) throws -> Int {
            var writer = try EmbeddingStoreWriter(creatingIn: file, for: layout)
            try fill(&writer)
            return writer.count
        }
        switch writing {
        case .atomically:
            store.count = try HDF5File.writeAtomically(to: path, write)
        case .inPlace:
            guard !FileManager.default.fileExists(atPath: path) else {
                throw StorageError(.unexpectedEntry, filePath: path, expected: "no file (a store written in place takes a new path)",
                                   found: "a file")
            }
            do {
                let file = try HDF5File(creatingAt: path)
                store.count = try write(file)
                try file.close()
            } catch {
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
        }
        return store
    }

    /// Opens the store at `path` and checks its layout.
    ///
    /// - Throws: `HDF5Error` if the file is missing, not HDF5 or damaged; `StorageError` naming the
    ///   file and field if it is not an embedding store of a version this build reads, or an
    ///   attribute or dataset is missing or has another shape than the others imply.
    public static func open(_ path: String) throws -> EmbeddingStore {
        let file = try HDF5File(openingAt: path)
        return try open(file).store
    }

    /// Adds `batch`, computed by the model of digest `modelDigest` with labels indexing `classNames`.
    ///
    /// Classes are matched by name: the store keeps its class list and rows, gains the classes of
    /// `classNames` it lacks (at the end of its list), and the batch's labels are remapped onto it.
    ///
    /// The store's `FileLock` (`PATH.lock`) is held from reading the store to writing it back,
    /// so that processes appending to one store at once take turns and keep every row;
    /// `waiting` is called with the lock file's path when another process holds it, before
    /// waiting for it.
    ///
    /// - Throws: `StorageError.modelMismatch`, `.classListMismatch` (a name twice in a list) or
    ///   `.dimensionMismatch` (naming the file and both values) if the batch does not fit the store, `.invalidValue`
    ///   for a label outside the class list or, in a normalised store, a row not of unit length;
    ///   the store is unchanged then. `FileLockError` when the lock cannot be taken.
    public mutating func append(_ batch: EmbeddingBatch, modelDigest: String, classNames: [String],
                                waiting: (String) -> Void = { _ in }) throws {
        try append(modelDigest: modelDigest, classNames: classNames, waiting: waiting) { try $0.append(batch) }
    }

    /// Adds the batches that `fill` appends, in one rewrite of the file under the store's lock;
    /// if anything throws, the store is unchanged. As `append(_:modelDigest:classNames:waiting:)`.
    public mutating func append(
        modelDigest: String, classNames: [String], waiting: (String) -> Void = { _ in },
        _ fill: (inout EmbeddingStoreWriter) throws -> Void
    ) throws {
        let lock = try FileLock(locking: path, waiting: waiting)
        let (current, newCount) = try withExtendedLifetime(lock) {
            // The file is read again: it, not this value, is what is appended to.
            let current = try Self.open(path)
            try current.requireModel(digest: modelDigest, modelPath: nil)
            let (merged, labelMap) = try current.classList(appending: classNames)
            try current.requireStorable(modelDigest: modelDigest, classNames: merged)
            let target = EmbeddingStore(path: path, modelDigest: current.modelDigest, dimension: current.dimension,
                                        classNames: merged, isNormalized: current.isNormalized, count: current.count)
            let newCount = try HDF5File.writeAtomically(to: path) { file in
                var writer = try EmbeddingStoreWriter(creatingIn: file, for: target, labelMap: labelMap)
                try current.forEachChunk(rows: Self.copyChunkRows) { chunk, _ in try writer.appendUnchecked(chunk) }
                try fill(&writer)
                return writer.count
            }
            return (target, newCount)
        }
        self = current
        count = newCount
    }

    /// Rows copied at a time when a store is rewritten.
    static let copyChunkRows = 16_384
}

// MARK: - Checks

extension EmbeddingStore {
    /// Throws unless rows computed by the model of digest `modelDigest`, `dimension` wide and
    /// labelled over `classNames`, can be appended: what `append` checks, for a caller to check
    /// before computing the rows.
    ///
    /// - Parameter modelPath: the model's file, for the error.
    /// - Throws: `StorageError.modelMismatch`, `.dimensionMismatch` or `.classListMismatch`,
    ///   naming the store's file (and the model's) and both values.
    public func requireAppendable(modelDigest: String, dimension: Int, classNames: [String], modelPath: String? = nil) throws {
        try requireModel(digest: modelDigest, modelPath: modelPath)
        guard dimension == self.dimension else {
            throw StorageError(.dimensionMismatch, filePath: path, field: "attribute 'dimension'",
                               expected: "\(self.dimension)", found: "\(dimension)" + (modelPath.map { " (the model \($0))" } ?? ""))
        }
        _ = try classList(appending: classNames)
    }

    /// Throws `modelMismatch` unless the store holds embeddings of the model of digest `digest`
    /// (at `modelPath`, for the error).
    func requireModel(digest: String, modelPath: String?) throws {
        guard digest == modelDigest else {
            throw StorageError(.modelMismatch, filePath: path, field: "attribute 'model_digest'",
                               expected: modelDigest, found: digest + (modelPath.map { " (the model \($0))" } ?? ""))
        }
    }

    /// The class list after appending rows labelled over `classNames`: the store's classes, then
    /// those of `classNames` it lacks, in their order; and `labelMap[c]`, the index in it of
    /// `classNames[c]`. Classes are matched by name.
    ///
    /// - Throws: `StorageError.classListMismatch` naming both lists when either holds a name
    ///   twice, so that names cannot be matched.
    public func classList(appending classNames: [String]) throws -> (classNames: [String], labelMap: [Int]) {
        for (list, whose) in [(self.classNames, "the store's"), (classNames, "the appended")] where Set(list).count != list.count {
            let repeated = list.first { name in list.filter { $0 == name }.count > 1 }!
            throw StorageError(.classListMismatch, filePath: path, field: "/classes",
                               expected: describe(names: self.classNames),
                               found: describe(names: classNames) + ": \(whose) list names \"\(repeated)\" twice, so classes cannot be matched by name")
        }
        var merged = self.classNames
        var index = Dictionary(uniqueKeysWithValues: merged.enumerated().map { ($1, $0) })
        let labelMap = classNames.map { name in
            if let i = index[name] { return i }
            merged.append(name)
            index[name] = merged.count - 1
            return merged.count - 1
        }
        return (merged, labelMap)
    }

    /// Throws `invalidValue` for text HDF5 cannot store (NUL), before anything is written.
    func requireStorable(modelDigest: String, classNames: [String]) throws {
        if modelDigest.utf8.contains(0) {
            throw StorageError(.invalidValue, filePath: path, field: "attribute 'model_digest'",
                               expected: "text without NUL characters", found: "a NUL character")
        }
        if let index = classNames.firstIndex(where: { $0.utf8.contains(0) }) {
            throw StorageError(.invalidValue, filePath: path, field: "/classes",
                               expected: "names without NUL characters", found: "a NUL character in name \(index)")
        }
    }

    /// The store in `file`, after checking its format, attributes and dataset shapes, with its
    /// datasets opened.
    static func open(_ file: HDF5File) throws -> (store: EmbeddingStore, datasets: Datasets) {
        try format.check(file)
        let (modelDigest, dimension) = try file.embeddingSpace()
        let normalized = try file.requiredInt("normalized")
        guard normalized == 0 || normalized == 1 else {
            throw file.invalidAttribute("normalized", expected: "0 or 1", found: "\(normalized)")
        }
        let embeddings = try file.requiredDataset(at: "/embeddings", shape: [nil, dimension])
        let count = try embeddings.shape[0]
        let datasets = Datasets(
            embeddings: embeddings,
            labels: try file.requiredDataset(at: "/labels", shape: [count]),
            ids: try file.requiredDataset(at: "/ids", shape: [count]))
        let classNames = try file.requiredDataset(at: "/classes", shape: [nil]).readStrings()
        let store = EmbeddingStore(path: file.path, modelDigest: modelDigest, dimension: dimension, classNames: classNames,
                                   isNormalized: normalized == 1, count: count)
        return (store, datasets)
    }

    struct Datasets {
        let embeddings: HDF5Dataset
        let labels: HDF5Dataset
        let ids: HDF5Dataset
    }

    static let format = FileFormat(name: formatName, version: formatVersion)
}

// MARK: - Writing

/// Appends rows to an embedding store being written; given to the `fill` closures of
/// `EmbeddingStore.create` and `append`, and valid only inside them.
public struct EmbeddingStoreWriter {
    private let store: EmbeddingStore
    private let datasets: EmbeddingStore.Datasets
    /// Where the labels of appended batches land in the store's class list (nil: unchanged).
    private let labelMap: [Int]?
    /// The number of rows written so far, those copied from the store included.
    public private(set) var count = 0

    /// Lays out an empty store described by `store` in the new `file`; `append` maps a batch's
    /// label `c` to `labelMap[c]`.
    init(creatingIn file: HDF5File, for store: EmbeddingStore, labelMap: [Int]? = nil) throws {
        self.store = store
        self.labelMap = labelMap
        try EmbeddingStore.format.write(to: file)
        try file.attributes.write(store.modelDigest, named: "model_digest")
        try file.attributes.write(store.dimension, named: "dimension")
        try file.attributes.write(EmbeddingStore.distance, named: "distance")
        try file.attributes.write(store.isNormalized ? 1 : 0, named: "normalized")
        try file.createDataset(at: "/classes", strings: store.classNames)
        datasets = EmbeddingStore.Datasets(
            embeddings: try file.createDataset(at: "/embeddings", elementType: .float32, shape: [0, store.dimension], extendable: true),
            labels: try file.createDataset(at: "/labels", elementType: .int32, shape: [0], extendable: true),
            ids: try file.createDataset(at: "/ids", elementType: .string, shape: [0], extendable: true))
    }

    /// Adds the rows of `batch`, its labels indexing the class list given to `append` (the
    /// store's own when creating).
    ///
    /// - Throws: `StorageError.dimensionMismatch` if its embeddings are not `D` wide,
    ///   `.invalidValue` for a NaN or an infinity, a label outside −1..<C, an id containing NUL,
    ///   or (in a normalised store) a row that is not of unit length.
    public mutating func append(_ batch: EmbeddingBatch) throws {
        let path = store.path
        guard batch.dimension == store.dimension else {
            throw StorageError(.dimensionMismatch, filePath: path, field: "/embeddings",
                               expected: "\(store.dimension)", found: "\(batch.dimension)")
        }
        let classCount = labelMap?.count ?? store.classNames.count
        if let row = batch.labels.firstIndex(where: { !(-1..<classCount).contains($0) }) {
            throw StorageError(.invalidValue, filePath: path, field: "/labels",
                               expected: "labels in -1..<\(classCount) (the class list)",
                               found: "\(batch.labels[row]) in row \(row) of the batch")
        }
        if let row = batch.ids.firstIndex(where: { $0.utf8.contains(0) }) {
            throw StorageError(.invalidValue, filePath: path, field: "/ids",
                               expected: "ids without NUL characters", found: "a NUL character in row \(row) of the batch")
        }
        if let (row, column, value) = batch.embeddings.firstNonFiniteValue() {
            throw StorageError(.invalidValue, filePath: path, field: "/embeddings", expected: "finite values",
                               found: "\(value) in row \(row), column \(column) of the batch")
        }
        if store.isNormalized, let (row, length) = batch.embeddings.firstRowNotUnitLength() {
            throw StorageError(.invalidValue, filePath: path, field: "/embeddings",
                               expected: "unit-length embeddings (the store is normalized)",
                               found: "length \(length) in row \(row) of the batch")
        }
        var mapped = batch
        if let labelMap { mapped.labels = batch.labels.map { $0 < 0 ? $0 : labelMap[$0] } }
        try appendUnchecked(mapped)
    }

    /// Adds rows read back from a store of the same layout, which were checked when first appended.
    mutating func appendUnchecked(_ batch: EmbeddingBatch) throws {
        guard batch.count > 0 else { return }
        try datasets.embeddings.append(batch.embeddings.scalars)
        try datasets.labels.append(batch.labels.map { Int32($0) })
        try datasets.ids.append(batch.ids)
        count += batch.count
    }
}

// MARK: - Reading

extension EmbeddingStore {
    /// Every row.
    public func readAll() throws -> EmbeddingBatch {
        let (store, datasets) = try Self.open(try HDF5File(openingAt: path))
        return try store.read(rows: 0..<store.count, from: datasets)
    }

    /// The rows in `rows`, which must lie within the store (`outOfBounds` otherwise).
    public func read(rows: Range<Int>) throws -> EmbeddingBatch {
        let (store, datasets) = try Self.open(try HDF5File(openingAt: path))
        return try store.read(rows: rows, from: datasets)
    }

    /// Calls `body` with consecutive blocks of at most `rows` rows and the index of each
    /// block's first row, from the first row to the last, holding one block in memory at a time.
    public func forEachChunk(rows: Int, _ body: (_ chunk: EmbeddingBatch, _ offset: Int) throws -> Void) throws {
        precondition(rows > 0, "chunks of \(rows) rows")
        let (store, datasets) = try Self.open(try HDF5File(openingAt: path))
        for offset in stride(from: 0, to: store.count, by: rows) {
            try body(try store.read(rows: offset..<min(offset + rows, store.count), from: datasets), offset)
        }
    }

    /// Every row's id and label, without the embeddings: what a search by row index (an index
    /// of the store made elsewhere, such as FAISS's) needs to name and classify its neighbours.
    public func readIDsAndLabels() throws -> (ids: [String], labels: [Int]) {
        let (store, datasets) = try Self.open(try HDF5File(openingAt: path))
        let labels = try store.readLabels(rows: 0..<store.count, from: datasets)
        return (try datasets.ids.readStrings(rows: 0..<store.count), labels)
    }

    /// The labels of `rows`, each checked to be −1 or an index into the class list.
    private func readLabels(rows: Range<Int>, from datasets: Datasets) throws -> [Int] {
        let labels = try datasets.labels.read(as: Int32.self, rows: rows).map { Int($0) }
        if let index = labels.firstIndex(where: { !(-1..<classNames.count).contains($0) }) {
            throw StorageError(.invalidValue, filePath: path, field: "/labels",
                               expected: "labels in -1..<\(classNames.count) (the class list)",
                               found: "\(labels[index]) in row \(rows.lowerBound + index)")
        }
        return labels
    }

    private func read(rows: Range<Int>, from datasets: Datasets) throws -> EmbeddingBatch {
        let values = try datasets.embeddings.read(as: Float.self, rows: rows)
        let labels = try readLabels(rows: rows, from: datasets)
        let embeddings = Tensor(shape: [rows.count, dimension], scalars: values)
        if let (row, column, value) = embeddings.firstNonFiniteValue() {
            throw StorageError(.invalidValue, filePath: path, field: "/embeddings", expected: "finite values",
                               found: "\(value) in row \(rows.lowerBound + row), column \(column)")
        }
        return EmbeddingBatch(embeddings: embeddings, labels: labels, ids: try datasets.ids.readStrings(rows: rows))
    }
}
