import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness one-shot --model M`: one-shot recognition of novel classes. By default
    /// PROTOCOL.md's measure on Fashion-MNIST; `--known`, `--shots`, `--test` and
    /// `--novel-classes` run it on any labelled datasets.
    struct OneShot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "one-shot",
            abstract: "Measure one-shot recognition of novel classes (PROTOCOL.md by default): enrol each from one image, classify a test set.",
            discussion: """
            Known classes are enrolled from their images in --known (one mean prototype each); each \
            novel class from one of its images in --shots, drawn with seed s for s = 0…draws−1. Every \
            image of --test gets its nearest prototype's class. Reported: each class's recall and the \
            accuracy, as means over the draws. The model should have been trained without the novel \
            classes (likeness train fmnist-lt --exclude-classes 5,7).

            The defaults are PROTOCOL.md's: known classes from FMNIST-LT (fmnist-lt), novel classes 5,7 \
            (Sandal, Sneaker) from the validation images (fashion-mnist:validation), the t10k test set \
            (fashion-mnist:test). Any labelled datasets work (built-in names, paths, parts of a split \
            file): classes are matched by name, --novel-classes names classes or gives indices into \
            --test's class list, and every other class of --test is known. Images of --known of a novel \
            class, and of --shots of a known one, are not used.

            --augment-shots N enrols each shot with N mild augmented views, --score chooses the score \
            decisions use, and --refine-with DATASET measures each draw a second time with the novel \
            prototypes refined from DATASET's images, unlabelled (never the test set): reported apart.

            Choosing those options on the novel classes' figures would tune on the test: --episodes \
            DATASET (e.g. fashion-mnist:validation) runs each known class in turn as the new class \
            instead, enrolled from one of its images of DATASET (its images at even positions, drawn \
            as the shots are), the other known classes from --known, DATASET's other images of the \
            known classes classified; the mean of the episodes' balanced accuracies is the figure to \
            compare options on (PROTOCOL.md, "Recipes, backbones and choices").

            Example:
              likeness one-shot --model embedder.h5 --novel-classes Sandal,Sneaker \\
                --known split.json:train --shots split.json:validation \\
                --test split.json:test
              likeness one-shot --model embedder.h5 --augment-shots 16 --refine-with fashion-mnist:pool
              likeness one-shot --model embedder.h5 --score shot-adjusted --episodes fashion-mnist:validation
            """
        )

        @Option(help: ArgumentHelp("The embedding model (from likeness train or pretrain); repeat it with the models of several training seeds to report each, their mean and the spread of their means.", valueName: "file"))
        var model: [String]

        @Option(help: ArgumentHelp("The images the known classes are enrolled from (default: fmnist-lt).", valueName: "dataset"))
        var known: String?

        @Option(help: ArgumentHelp("The images each novel class's one shot is drawn from (default: fashion-mnist:validation).", valueName: "dataset"))
        var shots: String?

        @Option(help: ArgumentHelp("The labelled images to classify (default: fashion-mnist:test).", valueName: "dataset"))
        var test: String?

        @Option(help: ArgumentHelp("The folder of the built-in datasets' files (default: \(FashionMNIST.defaultDirectory) for Fashion-MNIST).", valueName: "folder"))
        var dataDirectory: String?

        /// `--data-directory`'s old spelling.
        @Option(name: .customLong("data"), help: .hidden) var deprecatedData: String?

        @Option(help: ArgumentHelp("The novel classes, enrolled from one image: comma-separated names or indices into --test's classes.",
                                   valueName: "classes"))
        var novelClasses = ClassList(argument: "5,7")!

        @Option(parsing: .unconditional, help: "Draws of the enrolment image.")
        var draws = 20

        @Option(help: ArgumentHelp("Also run the known-class episodes on this dataset's images of the known classes (each known class enrolled from one of them in turn), the figure to choose --score and --augment-shots on; never --test.",
                                   valueName: "dataset"))
        var episodes: String?

        @Flag(help: "Print the result as JSON instead of a table.")
        var json = false

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("Also write the result as JSON to this file.", valueName: "file") }
        }

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var enrolment: OneShotEnrolmentOptions

        /// The folder of built-in datasets' files given, if any.
        var directory: String? { dataDirectory ?? deprecatedData }

        /// The datasets, the protocol's where not given.
        var knownDataset: String { known ?? "fmnist-lt" }
        var shotsDataset: String { shots ?? "fashion-mnist:validation" }
        var testDataset: String { test ?? "fashion-mnist:test" }

        func validate() throws {
            try requireSeparateFiles()
            _ = try deprecatedSpelling(deprecatedData, of: dataDirectory, old: "--data", new: "--data-directory")
            guard draws >= 1 else { throw ValidationError("--draws must be at least 1, not \(draws).") }
            for (option, dataset) in [("--known", known), ("--shots", shots), ("--test", test), ("--episodes", episodes)] {
                guard let dataset else { continue }
                do {
                    try DatasetSource.validateArgument(dataset, directory: directory)
                } catch let error as ValidationError {
                    throw ValidationError("\(option): \(error.message)")
                }
            }
            try enrolment.shots.validatePool(directory: directory)
            if episodes == testDataset {
                throw ValidationError("--episodes never takes the test set (--test \(testDataset)): options chosen on it would be tuned on the images they are measured on.")
            }
            if enrolment.shots.refineWith == testDataset {
                throw ValidationError("--refine-with never takes the test set (--test \(testDataset)): refined figures must not see the images they are measured on.")
            }
        }

        /// Several models' reports (one per training seed), their mean and the spread of their means.
        struct SeedsReport: Encodable {
            var runs: [Report]
            var mean: Summary
            /// The sample standard deviation of the runs' figures.
            var seedSpread: Summary

            struct Summary: Encodable {
                var recall: [String: Double]
                var knownMacroRecall: Double
                var accuracy: Double
                /// The known-class episodes' mean balanced accuracy, with `--episodes`.
                var episodesBalancedAccuracy: Double?
            }
        }

        struct Report: Encodable {
            var model: String
            var known: String
            var shots: String
            var test: String
            var draws: Int
            var novelClasses: [String]
            var recall: [String: Double]
            var accuracy: Double
            var accuracyPerDraw: [Double]
            /// The mean recall of the known classes.
            var knownMacroRecall: Double
            var augmentShots: Int
            var score: String
            /// The draws again with the novel prototypes refined from `refineWith`, apart.
            var refineWith: String?
            var refined: Refined?
            /// The known-class episodes, with `--episodes`.
            var episodes: Episodes?

            struct Episodes: Encodable {
                var dataset: String
                /// Per known class, its recall as the one-shot class of its episode, and the
                /// episode's balanced accuracy (mean recall of the known classes), means over the draws.
                var oneShotRecall: [String: Double]
                var balancedAccuracy: [String: Double]
                var meanOneShotRecall: Double
                /// The figure enrolment options are chosen on.
                var meanBalancedAccuracy: Double
            }

            struct Refined: Encodable {
                var poolSize: Int
                var recall: [String: Double]
                var accuracy: Double
                var accuracyPerDraw: [Double]
            }
        }

        func run() throws {
            runtime.apply()
            guard model.count > 1 else { return try measure(model[0]) }
            var reports: [Report] = []
            for path in model {
                printDiagnostic("one-shot: --model \(path)")
                reports.append(try measureReport(path).report)
            }
            let seeds = SeedsReport(runs: reports, mean: summary(of: reports, OneShotEvaluation.mean), seedSpread: summary(of: reports, OneShotEvaluation.spread))
            if let path = output.path { try writeResult(try jsonText(seeds), to: path) }
            if json {
                print(try jsonText(seeds), terminator: "")
                return
            }
            let novel = reports[0].novelClasses
            let width = max(12, (model.map(\.count).max() ?? 0) + 1)
            print("model".padding(toLength: width, withPad: " ", startingAt: 0)
                  + novel.map { Markup.terminal($0).padding(toLength: 12, withPad: " ", startingAt: 0) }.joined() + "known macro  \(reports[0].recall.count)-way"
                  + (episodes == nil ? "" : "   episodes"))
            func row(_ name: String, _ s: SeedsReport.Summary) {
                print(name.padding(toLength: width, withPad: " ", startingAt: 0) + novel.map { String(format: "%-12.4f", s.recall[$0] ?? 0) }.joined()
                      + String(format: "%-13.4f%.4f", s.knownMacroRecall, s.accuracy)
                      + (s.episodesBalancedAccuracy.map { String(format: "   %.4f", $0) } ?? ""))
            }
            for (path, report) in zip(model, reports) { row(path, summary(of: [report], OneShotEvaluation.mean)) }
            row("mean", seeds.mean)
            row("seed spread", seeds.seedSpread)
        }

        /// The figures of `reports` combined by `combine` (mean, spread), class by class.
        private func summary(of reports: [Report], _ combine: ([Double]) -> Double) -> SeedsReport.Summary {
            SeedsReport.Summary(recall: Dictionary(uniqueKeysWithValues: reports[0].recall.keys.map { name in (name, combine(reports.map { $0.recall[name] ?? 0 })) }),
                                knownMacroRecall: combine(reports.map(\.knownMacroRecall)), accuracy: combine(reports.map(\.accuracy)),
                                episodesBalancedAccuracy: episodes == nil ? nil : combine(reports.map { $0.episodes?.meanBalancedAccuracy ?? 0 }))
        }



        /// Measures one model and prints (or writes) its report as the command does for one model.
        private func measure(_ model: String) throws {
            let (report, print) = try measureReport(model)
            if let path = output.path { try writeResult(try jsonText(report), to: path) }
            if json {
                Swift.print(try jsonText(report), terminator: "")
                return
            }
            print()
        }

        /// One model's report, and what prints it as a table.
        private func measureReport(_ model: String) throws -> (report: Report, print: () -> Void) {
            let archive = try ModelArchive.load(model)
            guard archive.architecture.head.embeddingDimension != nil else {
                throw CommandError("--model \(model) has a softmax head; one-shot enrolment needs an embedding model.")
            }
            let a = archive.architecture
            func load(_ option: String, _ name: String) throws -> LoadedDataset {
                let source = try DatasetSource(parsing: name, directory: directory)
                printDiagnostic("one-shot: \(option) \(source.summary)")
                let loaded = try source.load(imageSize: ImageSize(height: a.height, width: a.width), channels: a.channels)
                try archive.requireInput(of: loaded.dataset, source: name)
                return loaded
            }
            let testSet = try load("--test", testDataset)
            let knownSet = try load("--known", knownDataset)
            let shotSet = try load("--shots", shotsDataset)
            let episodeSet = try episodes.map { (name: $0, set: try load("--episodes", $0)) }

            // Every class is an index into --test's class list; the other sets' classes are matched by name.
            let classNames = testSet.dataset.classNames
            let novel = try resolveNovelClasses(in: classNames)
            let known = (0..<classNames.count).filter { !novel.contains($0) }
            let knownImages = try images(of: knownSet, "--known", classes: known, classNames: classNames)
            let shotImages = try images(of: shotSet, "--shots", classes: novel, classNames: classNames)
            for (option, classes, found) in [("--known", known, knownImages.labels), ("--shots", novel, shotImages.labels)] {
                let missing = classes.filter { !found.contains($0) }.map { classNames[$0] }
                guard missing.isEmpty else {
                    throw CommandError("\(option) \(option == "--known" ? knownDataset : shotsDataset) has no image of "
                                       + "\(missing.joined(separator: ", ")): every \(option == "--known" ? "known" : "novel") class needs at least one "
                                       + "(known classes are the classes of --test not in --novel-classes).")
                }
            }

            printDiagnostic("one-shot: embedding \(knownImages.indices.count) images of the known classes, \(shotImages.indices.count) candidate shots "
                            + "of the novel classes and \(testSet.selection.count) test images")
            let knownEmbeddings = archive.outputs(for: knownSet.dataset, indices: knownImages.indices, showProgress: true)
            let candidateIndices = novel.map { c in zip(shotImages.indices, shotImages.labels).filter { $0.1 == c }.map(\.0) }
            let candidates = candidateIndices.map { archive.outputs(for: shotSet.dataset, indices: $0) }
            let testEmbeddings = archive.outputs(for: testSet.dataset, indices: testSet.selection, showProgress: true)
            let pool = try enrolment.shots.poolEmbeddings(model: archive, directory: directory, command: "one-shot")

            let result = try OneShotEvaluation(knownClasses: known, novelClasses: novel, draws: draws, enrolment: enrolment.enrolment)
                .run(known: (knownEmbeddings, knownImages.labels), candidates: candidates,
                     views: archive.shotViews(of: shotSet.dataset, candidates: candidateIndices, augmentedViews: enrolment.shots.augmentShots), pool: pool,
                     test: (testEmbeddings, testSet.dataset.labels(testSet.selection)))
            func recallByName(known knownRecall: [Double], novel novelRecall: [Double]) -> [String: Double] {
                var recall = [String: Double]()
                for (c, r) in zip(known, knownRecall) { recall[classNames[c]] = r }
                for (c, r) in zip(novel, novelRecall) { recall[classNames[c]] = r }
                return recall
            }
            let recall = recallByName(known: result.knownRecall, novel: result.novelRecall)
            let episodeReport = try episodeSet.map { episodes in
                try knownClassEpisodes(archive: archive, dataset: episodes.name, set: episodes.set, known: known, classNames: classNames,
                                       training: (knownEmbeddings, knownImages.labels))
            }
            let refined = result.refined.map {
                Report.Refined(poolSize: $0.poolSize, recall: recallByName(known: $0.knownRecall, novel: $0.novelRecall),
                               accuracy: $0.accuracy, accuracyPerDraw: $0.accuracyPerDraw)
            }
            let report = Report(model: model, known: knownDataset, shots: shotsDataset, test: testDataset, draws: draws,
                                novelClasses: novel.map { classNames[$0] }, recall: recall,
                                accuracy: result.accuracy, accuracyPerDraw: result.accuracyPerDraw,
                                knownMacroRecall: OneShotEvaluation.mean(result.knownRecall),
                                augmentShots: enrolment.shots.augmentShots, score: enrolment.score.rawValue,
                                refineWith: enrolment.shots.refineWith, refined: refined, episodes: episodeReport)
            let width = max(20, (classNames.map(\.count).max() ?? 0) + 1)
            let views = enrolment.shots.augmentShots
            func table(_ recall: [String: Double], accuracy: Double, perDraw: [Double], novelFrom: String) {
                print("class".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "recall   enrolled from")
                for c in 0..<classNames.count {
                    let from = novel.contains(c) ? novelFrom : "\(knownImages.labels.filter { $0 == c }.count) images"
                    print(Markup.terminal(classNames[c]).padding(toLength: width, withPad: " ", startingAt: 0),
                          String(format: "%7.4f   ", recall[classNames[c]]!) + from)
                }
                print(String(format: "%d-way accuracy %.4f (mean of %d draws; min %.4f, max %.4f; ", classNames.count, accuracy, draws,
                             perDraw.min()!, perDraw.max()!) + enrolment.score.rawValue + " score)")
            }
            let oneImage = "1 image" + (views > 0 ? " and \(views) augmented view\(views == 1 ? "" : "s")" : "") + " (novel)"
            return (report, {
                table(recall, accuracy: result.accuracy, perDraw: result.accuracyPerDraw, novelFrom: oneImage)
                if let refined, let pool = enrolment.shots.refineWith {
                    print("\nrefined from \(refined.poolSize) unlabelled images of \(pool) (not one-shot: reported apart)")
                    table(refined.recall, accuracy: refined.accuracy, perDraw: refined.accuracyPerDraw, novelFrom: oneImage + ", refined")
                }
                if let episodeReport {
                    print("\nknown-class episodes on \(episodeReport.dataset): each known class enrolled from one of its images, the others from --known")
                    print("class".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "one-shot recall   balanced accuracy")
                    for c in known {
                        print(Markup.terminal(classNames[c]).padding(toLength: width, withPad: " ", startingAt: 0),
                              String(format: "%15.4f   %17.4f", episodeReport.oneShotRecall[classNames[c]]!, episodeReport.balancedAccuracy[classNames[c]]!))
                    }
                    print(String(format: "mean balanced accuracy %.4f (one-shot recall %.4f; ", episodeReport.meanBalancedAccuracy,
                                 episodeReport.meanOneShotRecall) + enrolment.score.rawValue
                          + " score, \(views) augmented view\(views == 1 ? "" : "s")): compare enrolment options on this, not on the novel classes")
                }
            })
        }

        /// The known-class episodes on `set`'s images (of `dataset`) of the known classes
        /// (`classNames` indices), the other known classes enrolled from `training`.
        private func knownClassEpisodes(archive: ModelArchive, dataset: String, set: LoadedDataset, known: [Int], classNames: [String],
                                        training: (embeddings: Tensor, labels: [Int])) throws -> Report.Episodes {
            let validation = try images(of: set, "--episodes", classes: known, classNames: classNames)
            let short = known.filter { c in validation.labels.filter { $0 == c }.count < 2 }
            guard short.isEmpty else {
                throw CommandError("--episodes \(dataset) has fewer than 2 images of \(short.map { classNames[$0] }.joined(separator: ", ")): "
                                   + "each known class needs one to enrol and one to classify.")
            }
            printDiagnostic("one-shot: embedding \(validation.indices.count) images of the known classes for the episodes")
            let views = archive.shotViews(of: set.dataset, candidates: [validation.indices], augmentedViews: enrolment.shots.augmentShots)
            let result = try OneShotEvaluation.knownClassEpisodes(
                knownClasses: known, draws: draws, enrolment: enrolment.enrolment, training: training,
                validation: (archive.outputs(for: set.dataset, indices: validation.indices, showProgress: true), validation.labels),
                views: views.map { views in { try views(0, $0) } })
            return Report.Episodes(dataset: dataset,
                                   oneShotRecall: Dictionary(uniqueKeysWithValues: zip(known.map { classNames[$0] }, result.oneShotRecall)),
                                   balancedAccuracy: Dictionary(uniqueKeysWithValues: zip(known.map { classNames[$0] }, result.balancedAccuracy)),
                                   meanOneShotRecall: result.meanOneShotRecall, meanBalancedAccuracy: result.meanBalancedAccuracy)
        }

        /// The novel classes as indices into `classNames` (--test's), at least one class left known.
        func resolveNovelClasses(in classNames: [String]) throws -> [Int] {
            let novel = try novelClasses.resolved(in: classNames, option: "--novel-classes")
            guard novel.count < classNames.count else {
                throw CommandError("--novel-classes names every class of --test: at least one class must be known.")
            }
            return novel
        }

        /// The selected images of `set` whose class (by name) is one of `classes`, with their
        /// labels as indices into `classNames`.
        ///
        /// - Throws: `CommandError` when `set` has a class `classNames` lacks.
        func images(of set: LoadedDataset, _ option: String, classes: [Int], classNames: [String]) throws -> (indices: [Int], labels: [Int]) {
            let index = Dictionary(classNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            let wanted = Set(classes)
            var indices: [Int] = [], labels: [Int] = []
            for i in set.selection {
                let name = set.dataset.classNames[set.dataset.labels[i]]
                guard let c = index[name] else {
                    throw CommandError("\(option): class '\(name)' is not a class of --test \(testDataset) (\(classNames.joined(separator: ", "))): "
                                       + "classes are matched by name.")
                }
                if wanted.contains(c) {
                    indices.append(i)
                    labels.append(c)
                }
            }
            return (indices, labels)
        }
    }
}

extension LikenessCommand.OneShot: FileRoles {
    var inputFiles: [NamedFile] {
        model.map { NamedFile(option: "--model", path: $0) } + NamedFile.dataset("--known", known)
            + NamedFile.dataset("--shots", shots) + NamedFile.dataset("--test", test)
            + NamedFile.dataset("--refine-with", enrolment.shots.refineWith) + NamedFile.dataset("--episodes", episodes)
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
