import ArgumentParser
import Likeness

extension LikenessCommand.Export {
    /// `likeness export npy STORE.h5 DIR`: an embedding store as .npy files.
    struct Numpy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "npy",
            abstract: "Write an embedding store as NumPy .npy files: embeddings, labels, ids and class names.",
            discussion: """
            FOLDER gets embeddings.npy (float32 N×D, the store's order), labels.npy (int64 N, an \
            index into classes.npy, -1 without a label), ids.npy and classes.npy (Unicode strings): \
            what numpy.load, FAISS and vector databases' bulk loaders read directly. The store is read \
            in chunks, so stores larger than memory work. The four files are replaced as one set: an \
            earlier export stays whole until the new one is, and other files in FOLDER are kept.

            Example:
              likeness export npy train.h5 train-npy
            """
        )

        @Argument(help: ArgumentHelp("The embedding store to export (from likeness embed).", valueName: "store.h5"))
        var store: String

        @Argument(help: ArgumentHelp("The folder to write the .npy files into (made when missing).", valueName: "folder"))
        var folder: String

        @Option(parsing: .unconditional, help: "Store rows read at a time.")
        var chunkRows = 65_536

        func validate() throws {
            guard chunkRows >= 1 else { throw ValidationError("--chunk-rows must be at least 1, not \(chunkRows).") }
            try requireSeparateFiles()
        }

        func run() throws {
            let store = try EmbeddingStore.open(self.store)
            let progress = store.count > chunkRows ? ProgressBar("exporting", total: store.count, unit: "rows") : nil
            var done = 0
            try store.exportNumpy(toFolder: folder, chunkRows: chunkRows) { rows in
                progress?.advance(by: rows - done)
                done = rows
            }
            progress?.finish()
            print("wrote \(store.count) rows of dimension \(store.dimension) and \(store.classNames.count) class names to \(folder): "
                  + EmbeddingStore.numpyFileNames.joined(separator: ", "))
        }
    }
}

extension LikenessCommand.Export.Numpy: FileRoles {
    var inputFiles: [NamedFile] { [NamedFile(option: "STORE", path: store)] }
    var outputFiles: [NamedFile] { EmbeddingStore.numpyFileNames.map { NamedFile(option: "FOLDER", path: folder + "/" + $0) } }
}
