import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness one-shot --model M`: PROTOCOL.md's one-shot novel-class measure on Fashion-MNIST.
    struct OneShot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "one-shot",
            abstract: "Measure one-shot recognition of novel classes (PROTOCOL.md): enrol each from one validation image, classify the test set.",
            discussion: """
            Known classes are enrolled from their FMNIST-LT training images (one mean prototype each); each \
            novel class from one of its validation images, drawn with seed s for s = 0…draws−1. Every test \
            image gets its nearest prototype's class. Reported: each class's recall and the accuracy, as \
            means over the draws. The model should have been trained without the novel classes \
            (likeness train fmnist-lt --exclude-classes 5,7).
            """
        )

        @Option(help: ArgumentHelp("The embedding model (from likeness train).", valueName: "file"))
        var model: String

        @Option(help: ArgumentHelp("Folder holding Fashion-MNIST's IDX files (default: \(FashionMNIST.defaultDirectory)).", valueName: "folder"))
        var dataDirectory: String?

        /// `--data-directory`'s old spelling.
        @Option(name: .customLong("data"), help: .hidden) var deprecatedData: String?

        /// The folder of Fashion-MNIST's files.
        var data: String { dataDirectory ?? deprecatedData ?? FashionMNIST.defaultDirectory }

        @Option(help: ArgumentHelp("The novel classes, comma-separated names or indices.", valueName: "classes"))
        var novelClasses = ClassList(argument: "5,7")!

        @Option(help: "Draws of the enrolment image.")
        var draws = 20

        @Flag(help: "Print the result as JSON instead of a table.")
        var json = false

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("Also write the result as JSON to this file.", valueName: "file") }
        }

        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            _ = try deprecatedSpelling(deprecatedData, of: dataDirectory, old: "--data", new: "--data-directory")
            guard draws >= 1 else { throw ValidationError("--draws must be at least 1, not \(draws).") }
            do {
                _ = try novelClasses.resolved(in: FashionMNIST.classNames, option: "--novel-classes")
            } catch let error as CommandError {
                throw ValidationError(error.description)
            }
        }

        struct Report: Encodable {
            var model: String
            var draws: Int
            var novelClasses: [String]
            var recall: [String: Double]
            var accuracy: Double
            var accuracyPerDraw: [Double]
        }

        func run() throws {
            runtime.apply()
            let archive = try ModelArchive.load(model)
            guard case .embedding = archive.architecture.head else {
                throw CommandError("--model \(model) has a softmax head; one-shot enrolment needs an embedding model.")
            }
            let train = try FashionMNIST.load(split: .train, directory: data)
            let test = try FashionMNIST.load(split: .test, directory: data)
            try archive.requireInput(of: train, source: data)
            let novel = try novelClasses.resolved(in: FashionMNIST.classNames, option: "--novel-classes")
            let known = (0..<train.classNames.count).filter { !novel.contains($0) }
            let knownIndices = try FashionMNIST.longTailIndices(labels: train.labels).filter { known.contains(train.labels[$0]) }
            let validation = FashionMNIST.validationIndices(labels: train.labels)

            printDiagnostic("one-shot: embedding \(knownIndices.count) FMNIST-LT images of the known classes, the novel classes' validation images and \(test.count) test images")
            let knownEmbeddings = archive.outputs(for: train, indices: knownIndices, showProgress: true)
            let candidates = novel.map { c in archive.outputs(for: train, indices: validation.filter { train.labels[$0] == c }) }
            let testEmbeddings = archive.outputs(for: test, indices: Array(0..<test.count), showProgress: true)

            let result = try OneShotEvaluation(knownClasses: known, novelClasses: novel, draws: draws)
                .run(known: (knownEmbeddings, train.labels(knownIndices)), candidates: candidates,
                     test: (testEmbeddings, test.labels))
            var recall = [String: Double]()
            for (c, r) in zip(known, result.knownRecall) { recall[train.classNames[c]] = r }
            for (c, r) in zip(novel, result.novelRecall) { recall[train.classNames[c]] = r }
            let report = Report(model: model, draws: draws, novelClasses: novel.map { train.classNames[$0] }, recall: recall,
                                accuracy: result.accuracy, accuracyPerDraw: result.accuracyPerDraw)
            if let path = output.path { try writeResult(try jsonText(report), to: path) }
            if json {
                print(try jsonText(report), terminator: "")
                return
            }
            print("class                 recall   enrolled from")
            for c in 0..<train.classNames.count {
                let from = novel.contains(c) ? "1 image (novel)" : "\(train.labels(knownIndices).filter { $0 == c }.count) images"
                print(train.classNames[c].padding(toLength: 20, withPad: " ", startingAt: 0),
                      String(format: "%7.4f   ", recall[train.classNames[c]]!) + from)
            }
            print(String(format: "%d-way accuracy %.4f (mean of %d draws; min %.4f, max %.4f)", train.classNames.count, result.accuracy, draws,
                         result.accuracyPerDraw.min()!, result.accuracyPerDraw.max()!))
        }
    }
}
