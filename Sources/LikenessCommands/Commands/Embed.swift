import ArgumentParser
import Likeness

extension LikenessCommand {
    /// `likeness embed --model M DATASET -o store.h5`: the embeddings of a dataset's images, stored
    /// with their labels, ids and class names, tied to the model by its digest; image files are
    /// stored unlabelled (label −1, no classes).
    struct Embed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embed",
            abstract: "Embed images with a trained model into an HDF5 embedding store (appending to an existing one with --append).",
            discussion: """
            With --dataset the images keep their classes; image files given as arguments are stored \
            unlabelled (label −1, no class list). --append checks the store (model digest, embedding \
            dimension, class list) before embedding anything; classes are matched by name, and classes \
            the store lacks are added to its class list (its rows keep their labels). Appends to one \
            store at once take turns, under the lock file STORE.lock beside it.
            """
        )

        @OptionGroup var input: ModelInputOptions
        @OptionGroup var runtime: RuntimeOptions

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("The embedding store to write (.h5).", valueName: "file") }
        }

        @Flag(help: "Append to an existing store of the same model instead of replacing it (new classes are added to its class list).")
        var append = false

        func validate() throws {
            try requireSeparateFiles()
            try output.require("embedding store")
            try outputFiles.forEach { try $0.requireReplaceable(by: EmbeddingStore.formatName) }
        }

        func run() throws {
            let output = try output.required("embedding store")
            runtime.apply()
            let (model, loaded, _) = try input.load()
            guard let dimension = model.architecture.head.embeddingDimension else {
                throw CommandError("--model \(input.model) has a softmax head; embed needs a model trained with --head embedding.")
            }
            let dataset = loaded.dataset
            // Image files have no label: their rows are stored with label −1 (docs/FILE-FORMATS.md).
            let labelled = input.dataset != nil
            var existing: EmbeddingStore?
            if append {
                // Checked before embedding anything, and again under the store's lock when appending.
                let store = try EmbeddingStore.open(output)
                try store.requireAppendable(modelDigest: model.digest, dimension: dimension,
                                            classNames: labelled ? dataset.classNames : [], modelPath: input.model)
                existing = store
            }
            try requireMemory(rows: loaded.selection.count, existing: existing?.count ?? 0, dimension: dimension)
            let embeddings = model.outputs(for: dataset, indices: loaded.selection, showProgress: true)
            let batch = EmbeddingBatch(embeddings: embeddings,
                                       labels: labelled ? dataset.labels(loaded.selection) : loaded.selection.map { _ in -1 },
                                       ids: loaded.selection.map { dataset.ids[$0] })
            if var store = existing {
                let before = store.classNames
                // Unlabelled rows fit any store's class list.
                try store.append(batch, modelDigest: model.digest, classNames: labelled ? dataset.classNames : []) { lock in
                    printDiagnostic("embed: waiting for the lock on \(output), held by another likeness process (\(lock))")
                }
                let added = store.classNames.filter { !before.contains($0) }
                print("appended \(batch.count) embeddings to \(output) (\(store.count) in all)"
                      + (added.isEmpty ? "" : "; new classes: " + added.joined(separator: ", ")))
            } else {
                let store = try EmbeddingStore.create(at: output, modelDigest: model.digest, dimension: dimension,
                                                      classNames: labelled ? dataset.classNames : []) { try $0.append(batch) }
                print("wrote \(store.count) embeddings of dimension \(dimension) to \(output)")
            }
        }
    }
}

extension LikenessCommand.Embed: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--model", path: input.model)] + NamedFile.dataset("--dataset", input.source.dataset)
            + input.source.images.map { NamedFile(option: "IMAGE", path: $0) }
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
