#if canImport(Glibc)
import Glibc
#endif
import LikenessCore
import LikenessFiles
import LikenessSearch
internal import LikenessFAISSBridge

/// A FAISS index of vectors under the Euclidean (L2) distance, made by `faiss.index_factory`
/// ("Flat", "IVF1024,Flat", "IVF256,PQ16", …), through FAISS's C++ library.
///
/// Rows get the ids 0, 1, 2, … in the order they are added: for an index of an embedding store,
/// added in store order, an id is the store's row index. Search results are Euclidean distances
/// (the square roots of FAISS's squared L2 distances), like `ExactNearestNeighbours`'.
///
/// ```swift
/// let index = try FAISSIndex(dimension: 64, factory: "IVF1024,Flat")
/// try index.train(sample)
/// try index.add(rows)
/// index.probeCount = 16
/// let neighbours = try index.search(queries, k: 10)
/// try index.write(to: "store.faiss")
/// ```
///
/// An index is used from one thread at a time; FAISS itself runs each call on OpenMP threads
/// (`FAISSIndex.setThreadCount`).
public final class FAISSIndex {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { lfb_index_free(handle) }

    /// An empty index of `dimension`-d vectors described by `factory`, FAISS's index-factory string.
    ///
    /// - Precondition: `dimension ≥ 1`.
    /// - Throws: `FAISSIndexError.invalidFactory` with FAISS's message when it refuses the string.
    public init(dimension: Int, factory: String) throws(FAISSIndexError) {
        precondition(dimension >= 1 && dimension <= Int(Int32.max), "dimension must be at least 1, got \(dimension)")
        var made: OpaquePointer?
        guard lfb_index_factory(Int32(dimension), factory, &made) == 0, let made else {
            throw .invalidFactory(factory: factory, dimension: dimension, reason: Self.lastError)
        }
        handle = made
    }

    /// The index stored in the file `path` (by `write(to:)`, or by Python's `faiss.write_index`).
    ///
    /// - Throws: `DatasetFileError.missing` when there is no such file, `.unreadable` when the
    ///   system refuses to open it, `.corrupt` with FAISS's message when it is not an index
    ///   FAISS can read.
    public static func read(_ path: String) throws(DatasetFileError) -> FAISSIndex {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .missing(file: path) }
            throw .unreadable(file: path, reason: String(cString: strerror(code)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(file: path, reason: "not a regular file") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
        close(descriptor)
        var read: OpaquePointer?
        guard lfb_index_read(path, &read) == 0, let read else {
            throw .corrupt(file: path, reason: "not a FAISS index FAISS can read (\(Self.lastError))")
        }
        return FAISSIndex(handle: read)
    }

    /// The number of values in a vector.
    public var dimension: Int { Int(lfb_index_dimension(handle)) }

    /// Rows added so far (FAISS's `ntotal`).
    public var count: Int { Int(lfb_index_count(handle)) }

    /// Whether the index is ready for rows: trained, or of a kind that needs no training ("Flat").
    public var isTrained: Bool { lfb_index_is_trained(handle) != 0 }

    /// The number of inverted lists (`nlist`) of an inverted-file index, nil for other kinds.
    public var listCount: Int? {
        let nlist = Int(lfb_index_nlist(handle))
        return nlist > 0 ? nlist : nil
    }

    /// Inverted lists a search visits (`nprobe`), nil for an index without an inverted file.
    ///
    /// - Precondition (set): the index has an inverted file, and `1 ≤ probeCount ≤ listCount`.
    public var probeCount: Int? {
        get { listCount == nil ? nil : Int(lfb_index_nprobe(handle)) }
        set {
            guard let lists = listCount else { preconditionFailure("the index has no inverted file: nprobe does not apply") }
            guard let newValue, newValue >= 1, newValue <= lists else {
                preconditionFailure("nprobe must be in 1...\(lists) (the index's nlist), got \(String(describing: newValue))")
            }
            let status = lfb_index_set_nprobe(handle, Int64(newValue))
            precondition(status == 0, Self.lastError)
        }
    }

    /// The OpenMP threads FAISS runs the calls made from the calling thread on, for every index
    /// (OpenMP keeps the setting per thread: call it from the thread that searches).
    ///
    /// - Precondition: at least 1.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1 && count <= Int(Int32.max), "thread count must be at least 1, got \(count)")
        lfb_set_threads(Int32(count))
    }

    /// Trains the index on `rows` (`N × dimension`): the k-means of an inverted file's lists, the
    /// codebooks of a quantizer. An index that needs no training ignores it.
    ///
    /// - Precondition: `rows` is `N × dimension`.
    /// - Throws: `FAISSIndexError.nonFiniteValue` for a NaN or an infinity, `.refused` with
    ///   FAISS's message (fewer rows than the lists to make, say).
    /// - Precondition: no rows added yet.
    public func train(_ rows: Tensor) throws(FAISSIndexError) {
        precondition(count == 0, "train the index before adding rows (it holds \(count))")
        try requireRows(rows, role: "training rows")
        let status = rows.withUnsafeBufferPointer { lfb_index_train(handle, Int64(rows.shape[0]), $0.baseAddress) }
        guard status == 0 else { throw .refused(step: "train the index", reason: Self.lastError) }
    }

    /// Adds `rows` (`N × dimension`), whose ids follow those of the rows already added.
    ///
    /// - Precondition: `rows` is `N × dimension`.
    /// - Throws: `FAISSIndexError.nonFiniteValue` for a NaN or an infinity, `.refused` with
    ///   FAISS's message (an index not trained yet, say).
    public func add(_ rows: Tensor) throws(FAISSIndexError) {
        try requireRows(rows, role: "rows", firstRow: count)
        guard isTrained else { throw .refused(step: "add rows", reason: "the index is not trained: train it first") }
        let status = rows.withUnsafeBufferPointer { lfb_index_add(handle, Int64(rows.shape[0]), $0.baseAddress) }
        guard status == 0 else { throw .refused(step: "add rows", reason: Self.lastError) }
    }

    /// The `k` nearest rows of each query (`Q × dimension`) that the index finds, nearest first;
    /// equal distances by ascending id. A query gets fewer than `k` when the index has fewer
    /// rows, or when the lists it visits (`probeCount`) hold fewer.
    ///
    /// - Precondition: `k ≥ 1`; `queries` is `Q × dimension`.
    /// - Throws: `FAISSIndexError.nonFiniteValue` for a NaN or an infinity, `.refused` with FAISS's message.
    public func search(_ queries: Tensor, k: Int) throws(FAISSIndexError) -> [[Neighbour]] {
        precondition(k >= 1, "k must be at least 1, got \(k)")
        try requireRows(queries, role: "queries")
        let queryCount = queries.shape[0]
        guard queryCount > 0 else { return [] }
        guard let total = checkedProduct([queryCount, k]) else { preconditionFailure("\(queryCount) queries × k \(k) overflows") }
        var distances = [Float](repeating: 0, count: total)
        var ids = [Int64](repeating: -1, count: total)
        let status = queries.withUnsafeBufferPointer { q in
            distances.withUnsafeMutableBufferPointer { d in
                ids.withUnsafeMutableBufferPointer { i in
                    lfb_index_search(handle, Int64(queryCount), q.baseAddress, Int64(k), d.baseAddress, i.baseAddress)
                }
            }
        }
        guard status == 0 else { throw .refused(step: "search", reason: Self.lastError) }
        return (0..<queryCount).map { query in
            (query * k..<(query + 1) * k).compactMap { j -> Neighbour? in
                ids[j] < 0 ? nil : Neighbour(index: Int(ids[j]), distance: max(distances[j], 0).squareRoot())
            }.sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }
        }
    }

    /// Writes the index to `path` as FAISS's `write_index` does (Python's `faiss.read_index`
    /// opens it), whole: to a temporary file beside it, synced, then renamed over `path`
    /// (`FileReplacement`), so a failed or killed write leaves any file there as it was.
    ///
    /// - Throws: `DatasetFileError.missing` when the folder does not exist, `.unwritable` naming
    ///   the step and the reason (a full disk, a read-only folder).
    public func write(to path: String) throws(DatasetFileError) {
        let temporary = FileReplacement.temporaryPath(replacing: path)
        guard lfb_index_write(handle, temporary) == 0 else {
            let reason = Self.lastError
            let folder = Self.folder(of: path)
            var status = stat()
            if stat(folder, &status) != 0 { throw .missing(file: folder) }
            throw .unwritable(file: path, step: "write the index to a temporary file beside it", reason: reason)
        }
        do throws(FileReplacement.Failure) {
            try FileReplacement.commit(temporary, to: path)
        } catch {
            unlink(temporary)
            throw .unwritable(file: path, step: error.step, reason: error.reason)
        }
    }

    // MARK: - Helpers

    /// The reason of this thread's last failing bridge call, without FAISS's "Error in F at
    /// FILE:LINE: " and "Error: 'CONDITION' failed: " (where in FAISS's sources it was found).
    private static var lastError: String {
        var message = Substring(String(cString: lfb_last_error()))
        if message.hasPrefix("Error in "), let at = message.range(of: " at "), let colon = message[at.upperBound...].range(of: ": ") {
            message = message[colon.upperBound...]
        }
        if message.hasPrefix("Error: '"), let failed = message.range(of: "' failed: ") {
            message = message[failed.upperBound...]
        }
        while message.last?.isNewline == true { message = message.dropLast() }
        return String(message)
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Checks that `rows` is `N × dimension` (a precondition) and finite (a thrown error).
    private func requireRows(_ rows: Tensor, role: String, firstRow: Int = 0) throws(FAISSIndexError) {
        let d = dimension
        precondition(rows.rank == 2 && rows.shape[1] == d, "\(role) must be N × \(d), got shape \(rows.shape)")
        let bad: (Int, Float)? = rows.withUnsafeBufferPointer { values in
            for (i, v) in values.enumerated() where !v.isFinite { return (i, v) }
            return nil
        }
        if let (i, v) = bad { throw .nonFiniteValue(role: role, row: firstRow + i / d, column: i % d, value: v) }
    }
}
