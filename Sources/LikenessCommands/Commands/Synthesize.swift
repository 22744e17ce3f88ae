import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness synthesize DATASET --classes 5,7 --count 500 -o synthetic.h5`: trains a
    /// class-conditional DCGAN on a dataset and writes generated images of some of its classes as
    /// an HDF5 image set, with a grid of samples as PNG.
    struct Synthesize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "synthesize",
            abstract: "Train a class-conditional GAN on a dataset and write generated images of some classes to an HDF5 image set (/images, /labels, /ids, /classes), with a PNG grid of samples.",
            discussion: """
            The GAN (ConditionalGAN: a DCGAN whose generator takes the class beside its noise, and whose \
            discriminator sees the class as one-hot image planes) learns from every image of DATASET, on \
            class-balanced batches, so a rare class is shown as often as a common one and shares what the \
            common ones teach. Images must be at most \(maximumSide)×\(maximumSide) with sides that are \
            multiples of 4 (28×28 gray, 32×32 RGB). Adam, learning rate 2e-4, β1 0.5; an epoch is as many \
            batches as the dataset has images. The same --seed and --threads give the same images.

            The image set's classes are the --classes, by name, in the order given: likeness train \
            --synthetic adds its images to a training set with those class names. The grid shows up to \
            10 images of each class, one class per row. --judge MODEL.h5 (a softmax model trained on \
            balanced real images) labels the generated images and prints, per class, the fraction \
            it gives the class they were generated for. There is no checkpoint: an interrupted run starts again.

            Examples:
              likeness synthesize fmnist-lt --classes 5,7 --count 500 -o synthetic.h5
              likeness synthesize fmnist-lt --classes Sandal,Sneaker --epochs 10 --judge balanced.h5 -o synthetic.h5
            """
        )

        /// The longest side a GAN of this size is meant for: larger images need a deeper generator.
        static let maximumSide = 64
        /// The most images per class a run writes.
        static let maximumCount = 100_000

        @OptionGroup var data: DatasetOptions

        @Option(help: ArgumentHelp("The classes to generate images of: names or indices, comma-separated (index:N or name:X where one could be both).",
                                   valueName: "classes"))
        var classes: ClassList

        @Option(parsing: .unconditional, help: ArgumentHelp("Images to generate of each class (at most \(maximumCount)).", valueName: "count"))
        var count = 500

        @Option(parsing: .unconditional, help: "Epochs of GAN training.")
        var epochs = 20

        @Option(parsing: .unconditional, help: ArgumentHelp("Real (and generated) images per GAN step.", valueName: "size"))
        var batchSize = 64

        @Option(help: ArgumentHelp("Where to write the PNG grid of samples (default: OUTPUT with .grid.png).", valueName: "file"))
        var grid: String?

        @Option(help: ArgumentHelp("A softmax model that labels the generated images: prints the fraction of each class it agrees with.",
                                   valueName: "model"))
        var judge: String?

        @OptionGroup var runtime: RuntimeOptions

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("The HDF5 image set to write (.h5 or .hdf5).", valueName: "file") }
        }

        /// `--grid`, or the output's name with `.grid.png`.
        var gridPath: String? {
            grid ?? output.path.map { ($0 as NSString).deletingPathExtension + ".grid.png" }
        }

        func validate() throws {
            try output.require("HDF5 image set")
            if let path = output.path, ![".h5", ".hdf5"].contains(where: path.lowercased().hasSuffix) {
                throw ValidationError("--output must name an HDF5 file ending in .h5 or .hdf5, not '\(path)'.")
            }
            if let grid {
                guard grid.lowercased().hasSuffix(".png") else { throw ValidationError("--grid must name a PNG file ending in .png, not '\(grid)'.") }
                try validateOutputFolder(of: grid, option: "--grid")
            }
            guard (1...Self.maximumCount).contains(count) else { throw ValidationError("--count must be from 1 to \(Self.maximumCount), not \(count).") }
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
            guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2 (batch norm needs them), not \(batchSize).") }
            try requireSeparateFiles()
            try outputFiles.forEach { try $0.requireReplaceable(by: Dataset.hdf5FormatName) }
        }

        func run() throws {
            runtime.apply()
            let output = try output.required("HDF5 image set")
            let judgeModel = try judge.map { path in
                let model = try ModelArchive.load(path)
                guard case .softmax = model.architecture.head else {
                    throw CommandError("--judge \(path) has \(model.architecture.head); the judge must be a softmax model (likeness train --head softmax).")
                }
                return (path: path, model: model)
            }
            let (_, loaded) = try data.load()
            let dataset = loaded.dataset
            let wanted = try classes.resolved(in: dataset.classNames, option: "--classes")
            guard dataset.height % 4 == 0, dataset.width % 4 == 0, max(dataset.height, dataset.width) <= Self.maximumSide else {
                throw CommandError("\(data.dataset): its images are \(dataset.height)×\(dataset.width); the GAN takes sides that are multiples of 4, "
                                   + "at most \(Self.maximumSide) (give --image-size for an image folder).")
            }
            let counts = dataset.classCounts(of: loaded.selection)
            if let empty = wanted.first(where: { counts[$0] == 0 }) {
                throw CommandError("--classes: \(data.dataset) has no image of class \(empty) (\(dataset.classNames[empty])) to learn it from.")
            }
            if case let (path, model)? = judgeModel {
                try model.requireInput(of: dataset, source: path)
                if let missing = wanted.first(where: { !model.classNames.contains(dataset.classNames[$0]) }) {
                    throw CommandError("--judge \(path): the model has no class named '\(dataset.classNames[missing])' (its classes: "
                                       + "\(model.classNames.joined(separator: ", "))).")
                }
            }

            let gan = ConditionalGAN(classCount: dataset.classNames.count, channels: dataset.channels, height: dataset.height,
                                     width: dataset.width, seed: runtime.seed)
            let recipe = GANRecipe(epochs: epochs, batchSize: batchSize, seed: runtime.seed)
            printDiagnostic("synthesize: training a class-conditional GAN on \(loaded.selection.count) images of \(dataset.classNames.count) classes "
                            + "(\(wanted.map { "\(dataset.classNames[$0]): \(counts[$0])" }.joined(separator: ", "))), \(epochs) epochs, "
                            + "\(Parallel.threadCount) threads")
            let start = Date()
            var progress: ProgressBar?
            try recipe.train(gan, on: dataset, indices: loaded.selection, onStep: { epoch, step, steps, dLoss, gLoss in
                if step == 1 {
                    let run = ProgressBar.RunStage(start: start, done: epoch - 1, remaining: epochs - epoch + 1)
                    progress = ProgressBar("epoch \(epoch)/\(epochs)", total: steps, unit: "steps", run: run)
                }
                progress?.advance(note: "D \(String(format: "%.3f", dLoss)) · G \(String(format: "%.3f", gLoss))")
            }, onEpochEnd: { r in
                progress?.finish(note: String(format: "D loss %.4f · G loss %.4f · D(real) %.3f · D(generated) %.3f",
                                              r.discriminatorLoss, r.generatorLoss, r.realScore, r.generatedScore))
                progress = nil
            })

            let synthetic = gan.synthesize(classes: wanted, count: count, classNames: dataset.classNames, seed: runtime.seed)
            try synthetic.writeHDF5(to: output)
            print("wrote \(synthetic.count) generated images of \(synthetic.height)×\(synthetic.width)×\(synthetic.channels) "
                  + "(\(count) of each of \(synthetic.classNames.joined(separator: ", "))) to \(output)")
            if let gridPath {
                let rows = synthetic.classNames.indices.map { c in Array((c * count)..<(c * count + min(count, 10))) }
                try synthetic.grid(rows: rows).writePNG(to: gridPath)
                print("wrote a grid of samples, one class per row, to \(gridPath)")
            }
            if case let (path, model)? = judgeModel {
                let predicted = model.outputs(for: synthetic, indices: Array(0..<synthetic.count)).argmaxRows
                print("agreement of \(path) with the intended classes:")
                var rows = [["class", "agreement", "images"]]
                for (c, name) in synthetic.classNames.enumerated() {
                    let images = (c * count)..<((c + 1) * count)
                    let agreeing = images.filter { model.classNames[predicted[$0]] == name }.count
                    rows.append([name, String(format: "%.3f", Double(agreeing) / Double(count)), "\(agreeing)/\(count)"])
                }
                print(textTable(rows), terminator: "")
            }
        }
    }
}

extension LikenessCommand.Synthesize: FileRoles {
    var inputFiles: [NamedFile] {
        NamedFile.dataset("DATASET", data.dataset) + (judge.map { [NamedFile(option: "--judge", path: $0)] } ?? [])
    }

    var outputFiles: [NamedFile] {
        output.files + (gridPath.map { [NamedFile(option: "--grid", path: $0)] } ?? [])
    }
}
