import ArgumentParser
import Foundation
import Likeness

/// The gallery a command reads or changes.
struct GalleryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The gallery file (.h5) of enrolled classes.", valueName: "file"))
    var gallery: String

    /// The gallery, checked to belong to `model`.
    func load(for model: ModelArchive) throws -> Gallery {
        _ = try embeddingDimension(of: model)
        try requireFile()
        let loaded = try Gallery.load(gallery)
        try requireModel(of: loaded, model)
        return loaded
    }

    /// Changes the gallery under its lock (`Gallery.update`), saying on standard error when
    /// another process holds it: reads it (a new empty one when `creating` and the file is
    /// absent), checks that it belongs to `model`, lets `change` change it and writes it back.
    @discardableResult
    func update(for model: ModelArchive, creating: Bool = false, command: String,
                _ change: (inout Gallery) throws -> Void) throws -> Gallery {
        let dimension = try embeddingDimension(of: model)
        if !creating { try requireFile() }
        return try Gallery.update(at: gallery, creatingIfMissing: creating ? Gallery(modelDigest: model.digest, dimension: dimension) : nil,
                                  waiting: { lock in
                                      printDiagnostic("\(command): waiting for the lock on \(gallery), held by another likeness process (\(lock))")
                                  }) { current in
            try requireModel(of: current, model)
            try change(&current)
        }
    }

    private func embeddingDimension(of model: ModelArchive) throws -> Int {
        guard case .embedding(let dimension) = model.architecture.head else {
            throw CommandError("The model has a softmax head; galleries hold embeddings of a model trained with --head embedding.")
        }
        return dimension
    }

    private func requireFile() throws {
        guard FileManager.default.fileExists(atPath: gallery) else {
            throw CommandError("--gallery \(gallery): no such file (enrol a class first: likeness enroll).")
        }
    }

    private func requireModel(of loaded: Gallery, _ model: ModelArchive) throws {
        guard loaded.modelDigest == model.digest else {
            throw StorageError(.modelMismatch, filePath: gallery, field: "model_digest",
                               expected: "\(model.digest) (the model given)", found: loaded.modelDigest)
        }
    }
}
