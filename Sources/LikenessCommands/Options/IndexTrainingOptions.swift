import ArgumentParser

/// The training sample of a FAISS index: how many store rows, drawn at random with `--seed`.
struct IndexTrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Store rows to train the index on, drawn at random with --seed (default: 39 × nlist for an IVF index, FAISS's least "
            + "for k-means without a warning; 65,536 for other kinds that train; at most the store's rows).",
        valueName: "rows"))
    var trainingRows: Int?

    /// Rows an index of `listCount` inverted lists (nil: not an IVF index) trains on by default.
    static func defaultRows(listCount: Int?) -> Int {
        listCount.map { 39 * $0 } ?? 65_536
    }

    func validate() throws {
        if let trainingRows, trainingRows < 1 {
            throw ValidationError("--training-rows must be at least 1, not \(trainingRows).")
        }
    }

    /// The rows to train on in a store of `rows` rows, for an index of `listCount` lists.
    func count(rows: Int, listCount: Int?) -> Int {
        min(trainingRows ?? Self.defaultRows(listCount: listCount), rows)
    }
}
