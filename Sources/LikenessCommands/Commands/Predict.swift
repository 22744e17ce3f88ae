import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness predict --model M IMAGE…`: for each image, a softmax model's most probable classes
    /// with their probabilities.
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "predict",
            abstract: "Give each image a softmax model's most probable classes with their probabilities (a table, CSV or JSON lines).",
            discussion: """
            The images are resized to the model's input and converted to its channels. Each gets the \
            k largest softmax probabilities, most probable first (k at most the model's class count). \
            With --dataset each image's true class comes too, and standard error gets the accuracy \
            and the balanced accuracy (the mean recall over the classes present). CSV columns: id, \
            class and probability for ranks 1 to k, then the true class. An embedding model has no \
            classes of its own: use likeness classify with a gallery.

            Examples:
              likeness predict --model focal.h5 shoe.png bag.png
              likeness predict --model focal.h5 --dataset fashion-mnist:test -k 1 \\
                --format csv -o predictions.csv
            """
        )

        @OptionGroup var input: ModelInputOptions

        @Option(name: [.customShort("k"), .customLong("top")], parsing: .unconditional, help: ArgumentHelp("Classes per image, most probable first.", valueName: "k"))
        var top = 3

        @OptionGroup var runtime: RuntimeOptions

        @OptionGroup var format: TableFormatOptions
        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("Write the predictions to this file instead of standard output.", valueName: "file") }
        }

        func validate() throws {
            try requireSeparateFiles()
            guard top >= 1 else { throw ValidationError("-k/--top must be at least 1, not \(top).") }
        }

        struct Guess: Encodable {
            var `class`: String
            var probability: Float
        }

        struct Line: Encodable {
            var id: String
            var top: [Guess]
            var trueClass: String?
        }

        func run() throws {
            runtime.apply()
            let (model, loaded, _) = try input.load()
            guard case .softmax(let classCount) = model.architecture.head else {
                throw CommandError("--model \(input.model) has \(model.architecture.head); predict needs a softmax model "
                                   + "(likeness train --head softmax). Give an embedding model to likeness classify with a gallery.")
            }
            let k = min(top, classCount)
            if k < top {
                printDiagnostic("predict: warning: -k/--top \(top) is more than the model's \(classCount) classes; giving all \(classCount)")
            }
            let dataset = loaded.dataset, indices = loaded.selection
            let probabilities = Softmax.probabilities(model.outputs(for: dataset, indices: indices, showProgress: indices.count > 1000))
                .doubleRows
            let ranked = probabilities.map { p in
                Array(p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }.prefix(k))
            }
            let labelled = input.dataset != nil
            let names = model.classNames
            let lines = zip(indices, zip(probabilities, ranked)).map { i, result in
                Line(id: dataset.ids[i], top: result.1.map { Guess(class: names[$0], probability: Float(result.0[$0])) },
                     trueClass: labelled ? dataset.classNames[dataset.labels[i]] : nil)
            }
            try writeResult(try text(lines, k: k, labelled: labelled), to: output.path)
            if labelled {
                // True classes as the model's indices, by name: nil for a class the model lacks.
                let truth = indices.map { names.firstIndex(of: dataset.classNames[dataset.labels[$0]]) }
                printDiagnostic(summary(truth: truth, answers: ranked.map { $0[0] }, classCount: classCount))
            } else {
                printDiagnostic("predict: \(indices.count) images")
            }
        }

        /// The lines in the format asked for.
        func text(_ lines: [Line], k: Int, labelled: Bool) throws -> String {
            let ranks = 1...k
            switch format.format {
            case .jsonl:
                return try lines.map { try OutputFormat.jsonLine($0) }.joined(separator: "\n") + "\n"
            case .csv:
                let header = ["id"] + ranks.flatMap { ["class_\($0)", "probability_\($0)"] } + (labelled ? ["true_class"] : [])
                let rows = lines.map { line in
                    [line.id] + line.top.flatMap { [$0.class, "\($0.probability)"] } + (line.trueClass.map { [$0] } ?? [])
                }
                return ([header] + rows).map { $0.map(OutputFormat.csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
            case .table:
                let header = ["id"] + (labelled ? ["true class"] : []) + ranks.map { "top \($0)" }
                let rows = lines.map { line in
                    [line.id] + (line.trueClass.map { [$0] } ?? []) + line.top.map { $0.class + String(format: " %.4f", $0.probability) }
                }
                return textTable([header] + rows)
            }
        }

        /// The summary of a labelled run: the accuracy over every image, the balanced accuracy over
        /// the images of the model's classes.
        func summary(truth: [Int?], answers: [Int], classCount: Int) -> String {
            let n = truth.count
            let right = zip(truth, answers).filter { $0 == $1 }.count
            var summary = "predict: \(n) images, accuracy " + String(format: "%.4f", Double(right) / Double(max(n, 1)))
            let known = zip(truth, answers).compactMap { t, a in t.map { (truth: $0, answer: a) } }
            if !known.isEmpty {
                let confusion = ConfusionMatrix(trueLabels: known.map(\.truth), predictedLabels: known.map(\.answer), classCount: classCount)
                summary += ", balanced accuracy " + String(format: "%.4f", confusion.balancedAccuracy)
            }
            if known.count < n { summary += "; \(n - known.count) images of classes the model lacks" }
            return summary
        }
    }
}

extension LikenessCommand.Predict: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--model", path: input.model)] + NamedFile.dataset("--dataset", input.source.dataset)
            + input.source.images.map { NamedFile(option: "IMAGE", path: $0) }
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
