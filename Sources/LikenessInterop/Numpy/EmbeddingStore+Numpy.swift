import LikenessFiles
import LikenessStorage

extension EmbeddingStore {
    /// The .npy files `exportNumpy(toFolder:)` writes, in that order: `embeddings.npy` (float32
    /// `N × D`, store order), `labels.npy` (int64 `N`, an index into `classes.npy`, −1 without a
    /// label), `ids.npy` (Unicode `N`, the items' identifiers) and `classes.npy` (Unicode, the class names).
    public static let numpyFileNames = ["embeddings.npy", "labels.npy", "ids.npy", "classes.npy"]

    /// Writes the store as .npy files (`numpyFileNames`) into `folder`, reading `chunkRows` rows
    /// at a time (twice: the identifiers' width first), so a store larger than memory works. The
    /// files are written as one set (`FolderReplacement`): an old export in `folder` stays whole
    /// until the new one is, and other files there are kept.
    ///
    /// - Parameter progress: called with the rows written so far.
    /// - Returns: the paths written.
    @discardableResult
    public func exportNumpy(toFolder folder: String, chunkRows: Int = 65_536, progress: (Int) -> Void = { _ in }) throws -> [String] {
        precondition(chunkRows > 0, "chunks of \(chunkRows) rows")
        var idWidth = 1
        try forEachChunk(rows: chunkRows) { chunk, _ in
            for id in chunk.ids { idWidth = max(idWidth, id.unicodeScalars.count) }
        }
        let classWidth = max(1, classNames.map(\.unicodeScalars.count).max() ?? 1)
        let names = Self.numpyFileNames
        return try FolderReplacement.write(names, toFolder: folder) { building in
            let streams = try names.map { try AtomicFileStream(replacing: building + "/" + $0) }
            let (embeddings, labels, ids, classes) = (streams[0], streams[1], streams[2], streams[3])
            try embeddings.write(NumpyFile.header(.float32, shape: [count, dimension]))
            try labels.write(NumpyFile.header(.int64, shape: [count]))
            try ids.write(NumpyFile.header(.unicode(characters: idWidth), shape: [count]))
            try forEachChunk(rows: chunkRows) { chunk, offset in
                var bytes: [UInt8] = []
                chunk.embeddings.withUnsafeBufferPointer { NumpyFile.appendLittleEndian($0, to: &bytes) }
                try embeddings.write(bytes)
                bytes = []
                for label in chunk.labels { NumpyFile.appendLittleEndian(label, to: &bytes) }
                try labels.write(bytes)
                bytes = []
                for id in chunk.ids { NumpyFile.appendUnicode(id, characters: idWidth, to: &bytes) }
                try ids.write(bytes)
                progress(offset + chunk.count)
            }
            var bytes = NumpyFile.header(.unicode(characters: classWidth), shape: [classNames.count])
            for name in classNames { NumpyFile.appendUnicode(name, characters: classWidth, to: &bytes) }
            try classes.write(bytes)
            for stream in streams { try stream.commit() }
        }
    }
}
