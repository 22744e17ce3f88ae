import ArgumentParser
import Likeness

extension LikenessCommand {
    /// `likeness classify --model M --gallery G IMAGE…`: for each image, the nearest enrolled class
    /// and its distance, or `unknown` when the distance is above the class's threshold.
    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "classify",
            abstract: "Give each image the nearest enrolled class, or unknown above the calibrated distance threshold (CSV or JSON lines).",
            discussion: """
            Columns: id, class (or unknown), nearest class (the best score), distance (the raw distance to its \
            prototype, as calibrate and query measure it), score (what the threshold is compared with: the \
            distance, or the shot-adjusted distance, as the gallery's score says), threshold, threshold_source \
            (which threshold decided: global, class (the class's own, calibrated), shots (the global one moved \
            by the class's shot count) or none); with --dataset also the true class. A summary goes to standard error.
            """
        )

        @OptionGroup var input: ModelInputOptions
        @OptionGroup var galleryOptions: GalleryOptions
        @OptionGroup var runtime: RuntimeOptions

        @OptionGroup var format: FormatOptions
        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("Write the answers to this file instead of standard output.", valueName: "file") }
        }

        struct Line: Encodable {
            var id: String
            var `class`: String
            var nearest: String
            var distance: Float
            var score: Float
            var threshold: Float?
            var thresholdSource: String
            var trueClass: String?
        }

        func validate() throws {
            try requireSeparateFiles()
        }

        func run() throws {
            runtime.apply()
            let (model, loaded, _) = try input.load()
            let gallery = try galleryOptions.load(for: model, modelPath: input.model)
            guard !gallery.classes.isEmpty else { throw CommandError("--gallery \(galleryOptions.gallery) has no class enrolled yet.") }
            let classifier = PrototypeClassifier(gallery: gallery)
            let thresholds = classifier.thresholds
            let dataset = loaded.dataset
            let embeddings = model.outputs(for: dataset, indices: loaded.selection, showProgress: loaded.selection.count > 1000)
            let labelled = input.dataset != nil
            var lines = format.format == .csv ? ["id,class,nearest,distance,score,threshold,threshold_source" + (labelled ? ",true_class" : "")] : []
            let sources = gallery.classNames.map { gallery.thresholdInForce(forClass: $0).rawValue }
            var right = 0, unknown = 0
            for (answer, i) in zip(classifier.classify(embeddings), loaded.selection) {
                let line = Line(id: dataset.ids[i], class: answer.accepted.map { gallery.classNames[$0] } ?? "unknown",
                                nearest: gallery.classNames[answer.nearest], distance: answer.distance, score: answer.score,
                                threshold: thresholds[answer.nearest], thresholdSource: sources[answer.nearest],
                                trueClass: labelled ? dataset.classNames[dataset.labels[i]] : nil)
                if line.class == "unknown" { unknown += 1 }
                if line.class == line.trueClass { right += 1 }
                switch format.format {
                case .jsonl: lines.append(try OutputFormat.jsonLine(line))
                case .csv:
                    lines.append([line.id, line.class, line.nearest, "\(line.distance)", "\(line.score)", line.threshold.map { "\($0)" } ?? "",
                                  line.thresholdSource, line.trueClass ?? ""].prefix(labelled ? 8 : 7).map(OutputFormat.csvField).joined(separator: ","))
                }
            }
            try writeResult(lines.joined(separator: "\n") + "\n", to: output.path)
            let n = loaded.selection.count
            printDiagnostic("classify: \(n) images, \(unknown) unknown" + (labelled ? String(format: ", %.4f right", Double(right) / Double(max(n, 1))) : ""))
        }
    }
}

extension LikenessCommand.Classify: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--model", path: input.model)] + NamedFile.dataset("--dataset", input.source.dataset)
            + input.source.images.map { NamedFile(option: "IMAGE", path: $0) }
            + [NamedFile(option: "--gallery", path: galleryOptions.gallery)]
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
