import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness discover fmnist-lt --exclude-classes 5,7 --model embedder.h5 --pool fashion-mnist:pool
    /// --new-classes 2 -o discovered.h5`: new classes among unlabelled images, for `train --discovered`.
    struct Discover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find new classes among unlabelled images with a trained embedding model, and write them as an HDF5 image set for train --discovered.",
            discussion: """
            The model embeds the labelled images of the known classes (DATASET, its training and \
            validation images chosen as train chooses them) and the unlabelled --pool. Pool images \
            farther from every known class's prototype than the distance that accepts --accepted of the \
            known validation images are unknown; k-means splits them into --subclusters parts, and a \
            part whose centre lies nearer a known prototype than the two nearest known prototypes lie to \
            each other is taken as a piece of that known class and left out; the rest is grouped into \
            --new-classes classes by k-means. The pool's labels, if it has any, are never read.

            Training again with these images as classes of their own (train --discovered, from the same \
            start as the model) pushes the new classes apart from the known ones and from each other, so \
            that a class later enrolled from one image is recognised far more often (docs/PROTOCOL.md, \
            one-shot with --discover). The classes are named "discovered 1", "discovered 2", …; enrol the \
            real classes from their own images as before.

            Examples:
              likeness discover fmnist-lt --exclude-classes 5,7 --model embedder.h5 --pool fashion-mnist:pool --new-classes 2 -o discovered.h5
              likeness train fmnist-lt --exclude-classes 5,7 --discovered discovered.h5 --loss supcon --init pretrained.h5 \\
                  --distill pretrained.h5 --distill-pool fashion-mnist:pool -o embedder2.h5
            """
        )

        @OptionGroup(title: "Known classes") var data: TrainingDataOptions

        @Option(help: ArgumentHelp("The embedding model trained on the known classes (likeness train --head embedding).", valueName: "file"))
        var model: String

        @Option(help: ArgumentHelp("The unlabelled images to look for new classes in: a dataset name or path (its labels are never read).", valueName: "dataset"))
        var pool: String

        @Option(help: ArgumentHelp("How many new classes the pool holds.", valueName: "count"))
        var newClasses: Int

        @Option(help: ArgumentHelp("The fraction of known validation images the unknown-image threshold accepts.", valueName: "fraction"))
        var accepted = ClassDiscovery(newClasses: 1).acceptedFraction

        @Option(help: ArgumentHelp("k-means parts of the unknown images, among which pieces of known classes are found and left out.", valueName: "count"))
        var subclusters = ClassDiscovery(newClasses: 1).subclusters

        @OptionGroup var runtime: RuntimeOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("The HDF5 image set to write (.h5): the pool images of the new classes.", valueName: "file"))
        var output: String

        func validate() throws {
            guard (1...64).contains(newClasses) else { throw ValidationError("--new-classes must be from 1 to 64, not \(newClasses).") }
            guard subclusters >= newClasses && subclusters <= 1024 else {
                throw ValidationError("--subclusters must be from --new-classes (\(newClasses)) to 1024, not \(subclusters).")
            }
            guard accepted > 0 && accepted < 1 else { throw ValidationError("--accepted must be a fraction between 0 and 1, not \(accepted).") }
            if data.synthetic != nil || data.discovered != nil {
                throw ValidationError("--synthetic and --discovered add training images; discover reads the known classes' own images: leave them out.")
            }
            guard [".h5", ".hdf5"].contains(where: output.lowercased().hasSuffix) else {
                throw ValidationError("--output must name an HDF5 file ending in .h5 or .hdf5, not '\(output)'.")
            }
            try validateOutputFolder(of: output, option: "--output")
            try requireSeparateFiles()
            try outputFiles.forEach { try $0.requireReplaceable(by: Dataset.hdf5FormatName) }
        }

        func run() throws {
            runtime.apply()
            let archive = try ModelArchive.load(model)
            guard archive.architecture.head.embeddingDimension != nil else {
                throw CommandError("--model \(model) has \(archive.architecture.head); discover needs an embedding model (likeness train --head embedding).")
            }
            let selection = try data.load(seed: runtime.seed, input: archive.architecture)
            let dataset = selection.dataset
            let known = Array(Set(selection.train.map { dataset.labels[$0] })).sorted()
            guard known.count >= 2 else {
                throw CommandError("\(data.data.dataset): training images of \(known.count) class\(known.count == 1 ? "" : "es"); discover needs at least 2 known classes.")
            }
            let validation = selection.validation.filter { known.contains(selection.validationSet.labels[$0]) }
            guard !validation.isEmpty else {
                throw CommandError("\(data.data.dataset): no validation image of a known class, and the unknown-image threshold is set on them: give --validation.")
            }
            let poolSource = try DatasetSource(parsing: pool, directory: data.data.dataDirectory)
            printDiagnostic("loading \(poolSource.summary) (unlabelled)")
            let loadedPool = try poolSource.load(imageSize: ImageSize(height: dataset.height, width: dataset.width), channels: dataset.channels)
            try archive.requireInput(of: loadedPool.dataset, source: "--pool \(pool)")

            printDiagnostic("discover: embedding \(selection.train.count) known-class training images, \(validation.count) validation images "
                            + "and \(loadedPool.selection.count) pool images")
            let discovery = ClassDiscovery(newClasses: newClasses, acceptedFraction: accepted, subclusters: subclusters, seed: runtime.seed)
            let found = try discovery.discover(
                known: archive.outputs(for: dataset, indices: selection.train, showProgress: true), labels: selection.train.map { dataset.labels[$0] },
                validation: archive.outputs(for: selection.validationSet, indices: validation),
                pool: archive.outputs(for: loadedPool.dataset, indices: loadedPool.selection, showProgress: true))
            printDiagnostic("discover: \(found.unknownCount) pool images farther than \(String(format: "%.3f", found.threshold)) from every known class "
                            + "(the distance that accepts \(accepted) of the validation images); \(found.droppedCount) of them in parts nearer a known "
                            + "class than \(String(format: "%.3f", found.knownSeparation)) (the two nearest known classes' distance), left out")

            let groups = found.classes.map { $0.map { loadedPool.selection[$0] } }
            let images = loadedPool.dataset.subset(groups.flatMap { $0 })
            let names = groups.indices.map { "discovered \($0 + 1)" }
            let discovered = Dataset(pixels: images.pixels, labels: groups.indices.flatMap { g in [Int](repeating: g, count: groups[g].count) },
                                     classNames: names, ids: images.ids, height: images.height, width: images.width, channels: images.channels)
            try discovered.writeHDF5(to: output)
            print("wrote \(output): \(newClasses) new class\(newClasses == 1 ? "" : "es") of "
                  + groups.map { "\($0.count)" }.joined(separator: ", ") + " images")
        }
    }
}

extension LikenessCommand.Discover: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--model", path: model)] + NamedFile.dataset("DATASET", data.data.dataset)
            + NamedFile.dataset("--validation", data.validation) + NamedFile.dataset("--pool", pool)
    }

    var outputFiles: [NamedFile] {
        [NamedFile(option: "-o", path: output)]
    }
}
