import Likeness

extension LikenessCommand.Embed {
    /// Refuses, with both figures, an embedding run whose store will not fit in the memory the
    /// process may use (`MemoryBudget`): the embeddings of `rows` images of `dimension` values,
    /// and the store's HDF5 file, which is built in memory, with `existing` rows copied over when
    /// appending (about 100 bytes more per row for its label and id).
    func requireMemory(rows: Int, existing: Int, dimension: Int) throws {
        let float = MemoryLayout<Float>.size
        let embeddings = checkedProduct([rows, dimension, 2 * float]) ?? .max
        let (total, overflow) = rows.addingReportingOverflow(existing)
        let file = overflow ? .max : checkedProduct([total, dimension * float + 100]) ?? .max
        do {
            try MemoryBudget.require(embeddings > .max - file ? .max : embeddings + file,
                                     for: "embed: a store of \(existing > 0 ? "\(existing) + " : "")\(rows) rows of dimension \(dimension)")
        } catch {
            throw CommandError("\(error): embed fewer images at a time.")
        }
    }
}
