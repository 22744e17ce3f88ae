import ArgumentParser
import Foundation
import Likeness

/// The gallery a command reads or changes.
struct GalleryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The gallery file (.h5) of enrolled classes.", valueName: "file"))
    var gallery: String

    /// The gallery, checked to belong to `model`, read from `modelPath` (`Gallery.requireCompatible`).
    func load(for model: ModelArchive, modelPath: String) throws -> Gallery {
        _ = try model.embeddingDimension(path: modelPath)
        try requireFile()
        let loaded = try Gallery.load(gallery)
        try loaded.requireCompatible(with: model, galleryPath: gallery, modelPath: modelPath)
        return loaded
    }

    /// Changes the gallery under its lock (`Gallery.update`), saying on standard error when
    /// another process holds it: reads it (a new empty one when `creating` and the file is
    /// absent), checks that it belongs to `model` (read from `modelPath`), lets `change` change
    /// it and writes it back.
    @discardableResult
    func update(for model: ModelArchive, modelPath: String, creating: Bool = false, command: String,
                _ change: (inout Gallery) throws -> Void) throws -> Gallery {
        let dimension = try model.embeddingDimension(path: modelPath)
        if !creating { try requireFile() }
        return try Gallery.update(at: gallery, creatingIfMissing: creating ? Gallery(modelDigest: model.digest, dimension: dimension) : nil,
                                  waiting: { lock in
                                      printDiagnostic("\(command): waiting for the lock on \(gallery), held by another likeness process (\(lock))")
                                  }) { current in
            try current.requireCompatible(with: model, galleryPath: gallery, modelPath: modelPath)
            try change(&current)
        }
    }

    private func requireFile() throws {
        guard FileManager.default.fileExists(atPath: gallery) else {
            throw CommandError("--gallery \(gallery): no such file (enrol a class first: likeness enroll).")
        }
    }
}
