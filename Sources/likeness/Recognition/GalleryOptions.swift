import ArgumentParser
import Foundation
import Likeness

/// The gallery a command reads or changes.
struct GalleryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The gallery file (.h5) of enrolled classes.", valueName: "file"))
    var gallery: String

    /// The gallery, checked to belong to `model`; a new empty one when `creating` and the file is absent.
    func load(for model: ModelArchive, creating: Bool = false) throws -> Gallery {
        guard case .embedding(let dimension) = model.architecture.head else {
            throw ValidationError("The model has a softmax head; galleries hold embeddings of a model trained with --head embedding.")
        }
        guard FileManager.default.fileExists(atPath: gallery) else {
            if creating { return Gallery(modelDigest: model.digest, dimension: dimension) }
            throw ValidationError("--gallery \(gallery): no such file (enrol a class first: likeness enroll).")
        }
        let loaded = try Gallery.load(gallery)
        guard loaded.modelDigest == model.digest else {
            throw StorageError(.modelMismatch, filePath: gallery, field: "model_digest",
                               expected: "\(model.digest) (the model given)", found: loaded.modelDigest)
        }
        return loaded
    }
}
