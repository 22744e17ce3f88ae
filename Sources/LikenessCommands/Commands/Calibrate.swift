import ArgumentParser
import Likeness

extension LikenessCommand {
    /// `likeness calibrate --model M --gallery G --dataset VALIDATION`: picks the distance threshold
    /// above which `classify` answers `unknown`, and stores it in the gallery with its rates.
    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calibrate",
            abstract: "Choose the gallery's distance threshold(s) from labelled validation images, for a false-accept rate or at the equal-error rate.",
            discussion: """
            Validation images of an enrolled class (matched by name) give genuine distances (to their \
            own class's prototype) and impostor distances (to every other prototype); images of classes \
            that are not enrolled give impostor distances only. The false-accept rate is the share of \
            impostor distances at or under the threshold; the false-reject rate, of genuine distances above it. \
            The gallery is locked (GALLERY.lock) from reading its prototypes to writing the thresholds.

            Thresholds are on the gallery's score, which --score sets (kept otherwise): raw, the distance \
            to the prototype, or shot-adjusted, √max(0, d² − β(n)), which takes out the extra distance of \
            genuine images to a prototype made of n images rather than thousands (β from the spread of \
            the classes of many images). Under the raw score a class of fewer than \(ShotAdjustment.minimumShots) \
            images without a threshold of its own gets one from its shot count: the global threshold τ \
            moved to √(τ² + β(n)).
            """
        )

        @OptionGroup var input: ModelLabelledInputOptions
        @OptionGroup var galleryOptions: GalleryOptions

        @Option(help: ArgumentHelp("Classes of --dataset whose images are left out, comma-separated names or indices: PROTOCOL.md calibrates the demo's threshold on the known classes' validation images only (--exclude-classes Sandal,Sneaker), so that no image of a one-shot class chooses it.",
                                   valueName: "classes"))
        var excludeClasses: ClassList?
        @OptionGroup var runtime: RuntimeOptions

        @Option(parsing: .unconditional, help: ArgumentHelp("The largest false-accept rate allowed (the threshold is the largest that keeps to it).", valueName: "rate"))
        var falseAcceptRate: Double?

        @Flag(help: "Choose the threshold where the false-accept and false-reject rates meet (the default).")
        var equalErrorRate = false

        @Flag(help: "One threshold per enrolled class instead of one for all.")
        var perClass = false

        @Option(help: ArgumentHelp("The score to decide and calibrate on: raw (the distance) or shot-adjusted (default: the gallery's; \(Gallery.defaultScore.rawValue) for a new gallery).",
                                   valueName: "score"))
        var score: Gallery.Score?

        func validate() throws {
            try requireSeparateFiles()
            if falseAcceptRate != nil && equalErrorRate { throw ValidationError("Give --false-accept-rate or --equal-error-rate, not both.") }
            if let rate = falseAcceptRate, !(0...1).contains(rate) { throw ValidationError("--false-accept-rate must lie in [0, 1], not \(rate).") }
        }

        func run() throws {
            runtime.apply()
            var (model, loaded) = try input.load()
            let dataset = loaded.dataset
            if let excludeClasses {
                let excluded = Set(try excludeClasses.resolved(in: dataset.classNames, option: "--exclude-classes"))
                loaded.selection.removeAll { excluded.contains(dataset.labels[$0]) }
                printDiagnostic("calibrate: \(loaded.selection.count) images, without those of \(excluded.sorted().map { dataset.classNames[$0] }.joined(separator: ", "))")
            }
            let embeddings = model.outputs(for: dataset, indices: loaded.selection, showProgress: true)
            let target: ThresholdCalibration.Target = falseAcceptRate.map { .falseAcceptRate($0) } ?? .equalErrorRate
            func threshold(_ r: ThresholdCalibration.Result) -> Gallery.Threshold {
                Gallery.Threshold(distance: r.threshold, falseAcceptanceRate: r.falseAcceptRate, falseRejectionRate: r.falseRejectRate)
            }
            func describe(_ name: String, _ r: ThresholdCalibration.Result) -> String {
                "\(name): threshold \(format(r.threshold)) · false-accept rate \(format(r.falseAcceptRate)) · false-reject rate \(format(r.falseRejectRate)) (\(r.genuineCount) genuine, \(r.impostorCount) impostor distances)"
            }

            // The thresholds come from the prototypes, so the gallery stays locked from the read to the write.
            var report: [String] = []
            try galleryOptions.update(for: model, modelPath: input.model, command: "calibrate") { gallery in
                guard !gallery.classes.isEmpty else { throw CommandError("--gallery \(galleryOptions.gallery) has no class enrolled yet.") }
                if let score, score != gallery.score {
                    gallery.score = score
                    // Thresholds chosen on the other score mean nothing on this one.
                    for enrolled in gallery.classes where enrolled.threshold?.source == .calibrated && !perClass {
                        printDiagnostic("calibrate: --score \(score.rawValue) drops \(enrolled.name)'s own threshold, chosen on the other score "
                                        + "(calibrate --per-class chooses it again)")
                        try gallery.setThreshold(nil, forClass: enrolled.name)
                    }
                }
                let row = Dictionary(uniqueKeysWithValues: gallery.classNames.enumerated().map { ($1, $0) })
                let labels = loaded.selection.map { row[dataset.classNames[dataset.labels[$0]]] }
                let classifier = PrototypeClassifier(gallery: gallery, rejecting: false)
                let distances = classifier.scores(distances: classifier.distances(embeddings))
                func calibrated(forClass c: Int?) -> ThresholdCalibration.Result? {
                    let sets = ThresholdCalibration.distances(distances, labels: labels, forClass: c)
                    guard !sets.genuine.isEmpty && !sets.impostor.isEmpty else { return nil }
                    return ThresholdCalibration.threshold(genuine: sets.genuine, impostor: sets.impostor, target: target)
                }
                guard let global = calibrated(forClass: nil) else {
                    throw CommandError("--dataset has no image of an enrolled class (by name): nothing to calibrate on. Enrolled: \(gallery.classNames.joined(separator: ", ")).")
                }
                gallery.globalThreshold = threshold(global)
                report.append(describe("all classes (\(gallery.score.rawValue) score)", global))
                for (c, name) in gallery.classNames.enumerated() {
                    if perClass, let r = calibrated(forClass: c) {
                        try gallery.setThreshold(threshold(r), forClass: name)
                        report.append(describe(name, r))
                        continue
                    }
                    // A class's own calibrated threshold stays unless --per-class finds no image for it; shot thresholds follow the global one.
                    if !perClass, gallery[name]?.threshold?.source == .calibrated { continue }
                    let shot = gallery.shotThreshold(forClass: name)
                    if perClass {
                        printDiagnostic("calibrate: no validation image of \(name): it keeps the \(shot == nil ? "global threshold" : "threshold from its shot count")")
                    }
                    try gallery.setThreshold(shot, forClass: name)
                    if let shot {
                        let shots = gallery[name]!.shotCount
                        report.append("\(name): threshold \(format(shot.distance)) from its \(shots) image\(shots == 1 ? "" : "s") (the global threshold moved by its shot count)")
                    }
                }
            }
            for line in report { print(line) }
            print("wrote the threshold\(perClass ? "s" : "") to \(galleryOptions.gallery)")
        }

        func format(_ x: some BinaryFloatingPoint) -> String { String(format: "%.4f", Double(x)) }
    }
}

extension LikenessCommand.Calibrate: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--model", path: input.model)] + NamedFile.dataset("--dataset", input.dataset)
    }

    var outputFiles: [NamedFile] {
        [NamedFile(option: "--gallery", path: galleryOptions.gallery)]
    }
}
