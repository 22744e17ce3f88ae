import LikenessRecognition

extension Gallery {
    /// Enrols every class with rows in `store`, reading it chunk by chunk.
    ///
    /// - Throws: `StorageError.modelMismatch` or `.dimensionMismatch` naming the store's file if its
    ///   embeddings come from another model or have another dimension; `EnrollmentError.invalidValue`
    ///   for rows not of unit length; the store's read errors. The gallery is unchanged then.
    public mutating func enroll(contentsOf store: EmbeddingStore) throws {
        guard store.modelDigest == modelDigest else {
            throw StorageError(.modelMismatch, filePath: store.path, field: "attribute 'model_digest'",
                               expected: "\(modelDigest) (the gallery's model)", found: store.modelDigest)
        }
        guard store.dimension == dimension else {
            throw StorageError(.dimensionMismatch, filePath: store.path, field: "attribute 'dimension'",
                               expected: "\(dimension) (the gallery's)", found: "\(store.dimension)")
        }
        var shots = PrototypeAccumulator(dimension: dimension, classCount: store.classNames.count)
        try store.forEachChunk(rows: EmbeddingStore.copyChunkRows) { chunk, _ in
            try shots.add(embeddings: chunk.embeddings, labels: chunk.labels, filePath: store.path)
        }
        try enroll(shots, classNames: store.classNames)
    }
}
