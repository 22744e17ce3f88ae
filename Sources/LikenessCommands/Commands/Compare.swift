import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness compare DATASET --softmax S.h5 --embedding E.h5 --gallery G.h5 -o report/`:
    /// both approaches on one labelled set, per class, as Markdown, JSON and an HTML page.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "Compare a softmax classifier and an embedding classifier (nearest prototype of a gallery) on a labelled set: report.md, report.json, report.html.",
            discussion: """
            Scores: the softmax probability of each class; for the embedding classifier, minus the \
            distance to the class's prototype (−4, below any distance between unit vectors, for a class \
            the gallery lacks). The embedding classifier answers unknown above the gallery's calibrated \
            threshold. Classes are matched by name; images are read at the models' input size and \
            channels (both models must agree). A class of the dataset the softmax model has no training \
            image of, or does not know, scores probability 0 and is never its answer: novel for it, "not \
            trained on". A class the embedding model had no training image of and the gallery enrols is \
            novel for it, "enrolled one-shot".

            The reports hold, per class and overall, each approach's measures, ROC and precision-recall \
            curves and confusion matrix; for the embedding model, retrieval measures of the embeddings \
            among themselves (precision@1, R-precision, MAP@R, each image left out of its own search), \
            histograms of genuine and impostor distances to the prototypes with the gallery's threshold, \
            and each enrolled class's threshold and shots; for the softmax model, the top probability of \
            right and wrong answers; each approach's 8 surest mistakes (with thumbnails in report.html); \
            and the command line.

            Example:
              likeness compare fashion-mnist:test --softmax focal.h5 --embedding embedder.h5 --gallery gallery.h5 \\
                -o report --target-recall 0.95 --for-class Sandal
            """
        )

        @OptionGroup var data: ModelDatasetOptions

        @Option(help: ArgumentHelp("The softmax model (likeness train --head softmax).", valueName: "file"))
        var softmax: String

        @Option(help: ArgumentHelp("The embedding model (likeness train --head embedding).", valueName: "file"))
        var embedding: String

        @OptionGroup var galleryOptions: GalleryOptions

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("The folder to write report.md, report.json and report.html into.", valueName: "folder") }
            static var isFolder: Bool { true }
        }

        @Option(help: ArgumentHelp("Post-hoc prior correction of the softmax logits: z_c − τ·log π_c, with π the training class shares.",
                                   valueName: "tau"))
        var priorCorrection: Float?

        @Option(help: ArgumentHelp("An operating point: the threshold that reaches this recall for --for-class against the rest.", valueName: "recall"))
        var targetRecall: Double?

        @Option(help: ArgumentHelp("An operating point: the threshold that reaches this precision for --for-class against the rest.", valueName: "precision"))
        var targetPrecision: Double?

        @Option(help: ArgumentHelp("The class of the operating points (a name or an index).", valueName: "class"))
        var forClass: String?

        @OptionGroup(title: "One-shot draws") var oneShot: OneShotRedrawOptions

        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            try requireSeparateFiles()
            if let shots = oneShot.shots {
                try DatasetSource.validateArgument(shots, directory: data.dataDirectory)
                if shots == data.dataset {
                    throw ValidationError("--shots \(shots) is the compared dataset: the one-shot classes' image must not be one of the images they are measured on (use e.g. fashion-mnist:validation).")
                }
            }
            try output.require("report folder")
            if (targetRecall != nil || targetPrecision != nil) != (forClass != nil) {
                throw ValidationError("--target-recall and --target-precision need --for-class, and --for-class needs one of them.")
            }
            for (name, v) in [("--target-recall", targetRecall), ("--target-precision", targetPrecision)] {
                if let v, !(v > 0 && v <= 1) { throw ValidationError("\(name) must lie in (0, 1], not \(v).") }
            }
            if let priorCorrection, !(priorCorrection >= 0 && priorCorrection.isFinite) {
                throw ValidationError("--prior-correction must be 0 or more, not \(priorCorrection).")
            }
        }

        func run() throws {
            runtime.apply()
            let softmaxArchive = try ModelArchive.load(softmax)
            guard case .softmax = softmaxArchive.architecture.head else {
                throw CommandError("--softmax \(softmax) must be a softmax model; it has \(softmaxArchive.architecture.head), classes \(softmaxArchive.classNames.joined(separator: ", ")).")
            }
            let embeddingArchive = try ModelArchive.load(embedding)
            let s = softmaxArchive.architecture, e = embeddingArchive.architecture
            guard (s.channels, s.height, s.width) == (e.channels, e.height, e.width) else {
                throw CommandError("--softmax \(softmax) takes \(s.channels)×\(s.height)×\(s.width) images and --embedding \(embedding) \(e.channels)×\(e.height)×\(e.width): compare runs both on the same images.")
            }
            let loaded = try data.load(for: s)
            let dataset = loaded.dataset, indices = loaded.selection
            let names = dataset.classNames
            let truth = dataset.labels(indices)
            guard softmaxArchive.classNames.contains(where: names.contains) else {
                throw CommandError("--softmax \(softmax) has none of the dataset's classes (\(names.joined(separator: ", "))); its classes are \(softmaxArchive.classNames.joined(separator: ", ")).")
            }
            try softmaxArchive.requireInput(of: dataset, source: data.dataset)
            printDiagnostic("compare: softmax model on \(indices.count) images")
            var logits = softmaxArchive.outputs(for: dataset, indices: indices, showProgress: indices.count > 1000)
            let softmaxCounts = try trainingClassCounts(softmaxArchive, path: softmax)
            if let tau = priorCorrection, let softmaxCounts {
                logits = PriorCorrection(classCounts: softmaxCounts, tau: tau).adjust(logits)
            }
            let softmaxOutputs = ApproachOutputs.softmax(
                logits: logits.doubleRows, modelClassNames: softmaxArchive.classNames, trainingClassCounts: softmaxCounts,
                classNames: names, name: priorCorrection.map { "softmax · prior-corrected (τ = \($0))" } ?? "softmax",
                modelFile: softmax)

            try embeddingArchive.requireInput(of: dataset, source: data.dataset)
            let gallery = try galleryOptions.load(for: embeddingArchive, modelPath: embedding)
            guard gallery.classNames.contains(where: names.contains) else {
                throw CommandError("--gallery \(galleryOptions.gallery) enrols none of the dataset's classes (\(names.joined(separator: ", "))).")
            }
            printDiagnostic("compare: embedding model on \(indices.count) images")
            let embeddings = embeddingArchive.outputs(for: dataset, indices: indices, showProgress: indices.count > 1000)
            // The dataset's classes the embedding model had training images of, by name.
            let embeddingCounts = try trainingClassCounts(embeddingArchive, path: embedding)
            let trained = Set(embeddingArchive.classNames.indices.filter { k in embeddingCounts.map { $0[k] > 0 } ?? true }
                .map { embeddingArchive.classNames[$0] })
            let enrolled = Set(gallery.classNames)
            var embeddingOutputs = ApproachOutputs.nearestPrototype(
                PrototypeClassifier(gallery: gallery), embeddings: embeddings, classNames: names,
                name: "embedding · nearest prototype", modelFile: embedding,
                novelClasses: Set(names.indices.filter { !trained.contains(names[$0]) && enrolled.contains(names[$0]) }))
            printDiagnostic("compare: retrieval among the \(indices.count) embeddings, distances to the prototypes")
            embeddingOutputs.embedding = try EmbeddingDiagnostics(embeddings: embeddings, trueLabels: truth, classNames: names,
                                                                 gallery: gallery)
            if let draws = oneShot.draws, let shots = oneShot.shots {
                embeddingOutputs.embedding?.oneShotRedraws = try redraws(
                    draws, from: shots, of: embeddingOutputs.novelClasses.sorted().map { names[$0] }, model: embeddingArchive,
                    gallery: gallery, embeddings: embeddings, trueLabels: truth, compared: (dataset, indices))
            }

            var targets: [OperatingTarget] = []
            if let forClass {
                guard let c = names.firstIndex(of: forClass) ?? Int(forClass).flatMap({ names.indices.contains($0) ? $0 : nil }) else {
                    throw CommandError("--for-class \(forClass) is not one of the dataset's classes: \(names.joined(separator: ", ")).")
                }
                if let targetRecall { targets.append(OperatingTarget(classIndex: c, target: .recall(targetRecall))) }
                if let targetPrecision { targets.append(OperatingTarget(classIndex: c, target: .precision(targetPrecision))) }
            }
            let comparison = try Comparison(dataset: .init(name: data.dataset), classNames: names,
                                            sampleIDs: indices.map { dataset.ids[$0] }, trueLabels: truth,
                                            approaches: [softmaxOutputs, embeddingOutputs], operatingTargets: targets,
                                            commandLine: invocation)
            // The images of the mistakes the page shows, as PNG.
            var thumbnails: [Int: [UInt8]] = [:]
            for mistake in comparison.approaches.flatMap({ $0.worstMistakes ?? [] }) where thumbnails[mistake.sampleIndex] == nil {
                thumbnails[mistake.sampleIndex] = try dataset.image(indices[mistake.sampleIndex]).pngData()
            }
            let written = try comparison.writeReports(toFolder: try output.required("report folder"), thumbnails: thumbnails)
            printSummary(comparison)
            print("report: " + written.joined(separator: ", "))
        }

        /// The one-shot classes `redrawn` over `draws` draws of their image from the dataset `shots`.
        ///
        /// - Throws: `CommandError` when there is no one-shot class, `shots` lacks one of them, or
        ///   one of its candidates is also a compared image (by content).
        func redraws(_ draws: Int, from shots: String, of redrawn: [String], model: ModelArchive, gallery: Gallery,
                     embeddings: Tensor, trueLabels: [Int], compared: (dataset: Dataset, indices: [Int])) throws -> OneShotRedraws {
            guard !redrawn.isEmpty else {
                throw CommandError("--one-shot-draws: no class is one-shot here. The one-shot classes are those the gallery enrols and --embedding \(embedding) had no training image of; the gallery enrols \(gallery.classNames.joined(separator: ", ")).")
            }
            let source = try DatasetSource(parsing: shots, directory: data.dataDirectory)
            printDiagnostic("compare: --shots \(source.summary)")
            let a = model.architecture
            let shotSet = try source.load(imageSize: ImageSize(height: a.height, width: a.width), channels: a.channels)
            try model.requireInput(of: shotSet.dataset, source: shots)
            let candidates = try redrawn.map { name in
                let indices = shotSet.selection.filter { shotSet.dataset.classNames[shotSet.dataset.labels[$0]] == name }
                guard !indices.isEmpty else {
                    throw CommandError("--shots \(shots) has no image of the one-shot class \(name) (classes are matched by name; it has \(shotSet.dataset.classNames.joined(separator: ", "))).")
                }
                return indices
            }
            let comparedImages = Set(compared.dataset.contentDigests(of: compared.indices))
            for (name, indices) in zip(redrawn, candidates) {
                if let k = shotSet.dataset.contentDigests(of: indices).firstIndex(where: comparedImages.contains) {
                    let i = indices[k]
                    throw CommandError("--shots \(shots): image \(shotSet.dataset.ids[i]) of \(name) is also one of the compared images: a one-shot class must not be drawn from the images it is measured on.")
                }
            }
            printDiagnostic("compare: \(draws) draws of the one-shot classes' image (\(zip(redrawn, candidates).map { "\($0): \($1.count) candidates" }.joined(separator: ", ")))")
            return try OneShotRedraws(gallery: gallery, redrawn: redrawn,
                                      candidates: candidates.map { model.outputs(for: shotSet.dataset, indices: $0) },
                                      draws: draws, shotSource: shots, embeddings: embeddings, trueLabels: trueLabels, classNames: compared.dataset.classNames)
        }

        /// The training images per class of `archive.classNames` that a model recorded; nil when it
        /// recorded none (every class seen).
        func trainingClassCounts(_ archive: ModelArchive, path: String) throws -> [Int]? {
            guard let counts = archive.training?.trainingClassCounts, counts.count == archive.classNames.count else {
                if priorCorrection != nil, case .softmax = archive.architecture.head {
                    throw CommandError("--prior-correction needs the training class counts, which \(path) does not record (train it with likeness train).")
                }
                return nil
            }
            return counts
        }

        func printSummary(_ comparison: Comparison) {
            let a = comparison.approaches
            let width = (a.map(\.name.count) + [18]).max()! + 2
            func cell(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
            print("recall                " + a.map { cell($0.name) }.joined())
            for (c, name) in comparison.classNames.enumerated() {
                let cells = a.map { approach -> String in
                    let m = approach.report.classes[c]
                    return cell(String(format: "%.4f", m.recall) + (m.isNovel ? " novel" : ""))
                }
                print(Markup.terminal(name).padding(toLength: 22, withPad: " ", startingAt: 0) + cells.joined())
            }
            print("balanced accuracy     " + a.map { cell(String(format: "%.4f", $0.report.balancedAccuracy)) }.joined())
            print("macro ROC AUC         " + a.map { cell($0.report.macroROCAUC.map { String(format: "%.4f", $0) } ?? "n/a") }.joined())
            for approach in a {
                guard let redraws = approach.embedding?.oneShotRedraws else { continue }
                for row in comparison.oneShotRows(redraws) {
                    let beside = zip(a, row.approachFigures).map { "\($0.name) \($1.recall) / \($1.falseAcceptRate)" }
                    print("\(Markup.terminal(row.name)), one-shot over \(redraws.draws) draws: recall \(row.drawnRecall), "
                          + "false-accept rate \(row.drawnFalseAcceptRate); recall / false-accept rate of " + beside.joined(separator: ", "))
                }
            }
            for approach in a {
                guard let retrieval = approach.embedding?.retrieval else { continue }
                func shown(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "n/a" }
                print("\(approach.name), retrieval among its embeddings: precision@1 \(shown(retrieval.precisionAt1)), "
                      + "R-precision \(shown(retrieval.rPrecision)), MAP@R \(shown(retrieval.meanAveragePrecisionAtR))")
            }
        }
    }
}

extension LikenessCommand.Compare: FileRoles {
    var inputFiles: [NamedFile] {
        NamedFile.dataset("DATASET", data.dataset) + (oneShot.shots.map { NamedFile.dataset("--shots", $0) } ?? [])
            + [NamedFile(option: "--softmax", path: softmax),
            NamedFile(option: "--embedding", path: embedding), NamedFile(option: "--gallery", path: galleryOptions.gallery)]
    }

    var outputFiles: [NamedFile] {
        [output.path].compactMap { $0 }.flatMap { folder in
            Comparison.reportFileNames.map { NamedFile(option: "-o", path: (folder as NSString).appendingPathComponent($0)) }
        }
    }
}
