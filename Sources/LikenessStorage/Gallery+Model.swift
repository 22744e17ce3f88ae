import LikenessCore
import LikenessRecognition

/// Which model a gallery belongs to: the rules `enroll`, `calibrate`, `classify`, `query` and
/// `compare` all apply, in one place.
extension ModelArchive {
    /// `D`, the length of the model's embeddings.
    ///
    /// - Parameter path: the model's file, for the error.
    /// - Throws: `StorageError.modelMismatch` for a softmax model: galleries and embedding stores
    ///   hold embeddings of a model trained with an embedding head.
    public func embeddingDimension(path: String?) throws -> Int {
        guard let dimension = architecture.head.embeddingDimension else {
            throw StorageError(.modelMismatch, filePath: path, field: "architecture head",
                               expected: "an embedding head (a model trained with --head embedding, or pre-trained with likeness pretrain)", found: "\(architecture.head)")
        }
        return dimension
    }
}

extension Gallery {
    /// Checks that the gallery holds embeddings of `model`: the model's digest and its embedding
    /// dimension.
    ///
    /// - Parameters:
    ///   - galleryPath: the gallery's file, for the errors.
    ///   - modelPath: the model's file, for the errors.
    /// - Throws: `StorageError.modelMismatch` for another model's gallery or a softmax model,
    ///   `.dimensionMismatch` for embeddings of another length.
    public func requireCompatible(with model: ModelArchive, galleryPath: String?, modelPath: String? = nil) throws {
        let dimension = try model.embeddingDimension(path: modelPath)
        guard modelDigest == model.digest else {
            throw StorageError(.modelMismatch, filePath: galleryPath, field: "model_digest",
                               expected: "\(model.digest) (the model \(modelPath ?? "given"))", found: modelDigest)
        }
        guard self.dimension == dimension else {
            throw StorageError(.dimensionMismatch, filePath: galleryPath, field: "dimension",
                               expected: "\(dimension) (the embeddings of the model \(modelPath ?? "given"))", found: "\(self.dimension)")
        }
    }
}

extension EmbeddingStore {
    /// Checks that the store holds embeddings of `model` (its digest).
    ///
    /// - Parameter modelPath: the model's file, for the error.
    /// - Throws: `StorageError.modelMismatch` naming the store's file and the model's.
    public func requireCompatible(with model: ModelArchive, modelPath: String? = nil) throws {
        guard modelDigest == model.digest else {
            throw StorageError(.modelMismatch, filePath: path, field: "model_digest",
                               expected: "\(model.digest) (the model \(modelPath ?? "given"))", found: modelDigest)
        }
    }
}
