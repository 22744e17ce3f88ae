import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness calibrate-offsets --model softmax.h5 --dataset fashion-mnist:validation -o adjusted.h5`:
    /// what `train --calibrate-offsets` does after training, for a softmax model already trained.
    struct CalibrateOffsets: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calibrate-offsets",
            abstract: "Fit an offset for each class's logit of a trained softmax model on labelled images (its validation images) and write the model with them in its head's bias.",
            discussion: """
            The offsets minimise the images' cross-entropy with every class counting equally (a logit \
            adjustment learnt rather than set to −τ·log π, as train --calibrate-offsets fits them after \
            training): a classifier trained on imbalanced classes stops over-predicting the frequent ones, \
            and one trained with a prior-aware loss loses what bias it kept. Images of classes the model \
            lacks are left out; a model class without images keeps the mean offset. Standard error gives \
            the balanced accuracy before, after (on the images the offsets were fitted on) and cross-fitted \
            (each half of the images classified with the offsets fitted on the other half: the figure free \
            of the fit's optimism). The model's training record keeps the offsets, added to any it had. \
            Never fit them on the images you will measure on.

            Examples:
              likeness calibrate-offsets --model softmax.h5 --dataset fashion-mnist:validation -o adjusted.h5
            """
        )

        @OptionGroup var input: ModelLabelledInputOptions
        @OptionGroup var runtime: RuntimeOptions

        @Option(name: .shortAndLong, help: ArgumentHelp("The model file to write (.h5), another than --model.", valueName: "file"))
        var output: String

        func validate() throws {
            try validateOutputFolder(of: output, option: "--output")
            try requireSeparateFiles()
            try outputFiles.forEach { try $0.requireReplaceable(by: ModelArchive.formatName) }
        }

        func run() throws {
            runtime.apply()
            var (model, loaded) = try input.load()
            guard case .softmax = model.architecture.head else {
                throw CommandError("--model \(input.model) has \(model.architecture.head); logit offsets are for softmax models (likeness train --head softmax).")
            }
            // The model's classes first, by name, as train matches --validation: labels past them are classes it lacks.
            let classCount = model.classNames.count
            let dataset = loaded.dataset.relabelled(classNames: model.classNames + loaded.dataset.classNames.filter { !model.classNames.contains($0) })
            let kept = loaded.selection.filter { dataset.labels[$0] < classCount }
            guard !kept.isEmpty else {
                throw CommandError("--dataset \(input.dataset) has no image of the model's classes (by name): nothing to fit the offsets on. "
                                   + "The model's classes: \(model.classNames.joined(separator: ", ")).")
            }
            let lacking = Set(loaded.selection.map { dataset.labels[$0] }).filter { $0 >= classCount }.sorted()
            if !lacking.isEmpty {
                printDiagnostic("calibrate-offsets: left out the images of \(lacking.map { dataset.classNames[$0] }.joined(separator: ", ")), "
                                + "not classes of the model")
            }
            var calibration = OffsetCalibration.calibrate(model.network, on: ValidationImages(dataset: dataset, indices: kept))
            calibration.printDiagnostics(command: "calibrate-offsets", images: "the \(kept.count) images", classNames: model.classNames)

            // The record keeps every offset added since training.
            if let earlier = model.training?.offsetCalibration?.offsets {
                calibration.offsets = zip(earlier, calibration.offsets).map { $0 + $1 }
            }
            model.training?.offsetCalibration = calibration
            try model.save(to: output)
            print("wrote \(output) (model digest \(model.network.weightDigest))")
        }
    }
}

extension LikenessCommand.CalibrateOffsets: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--model", path: input.model)] + NamedFile.dataset("--dataset", input.dataset)
    }

    var outputFiles: [NamedFile] {
        [NamedFile(option: "-o", path: output)]
    }
}
