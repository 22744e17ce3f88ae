import Likeness

/// PROTOCOL.md's imbalance measures on FMNIST-LT: the softmax network trained with each recipe
/// (`--recipes`: focal loss, PROTOCOL.md's, and the others of `AccuracyRecipe`) and the embedding
/// network's nearest-prototype classifier (one prototype per class, the re-normalised
/// mean of its FMNIST-LT training embeddings), each on the 10,000 test images: per class recall,
/// precision, F1 and one-vs-rest ROC AUC (score: the softmax probability, or minus the distance to
/// the class's prototype); macro recall (balanced accuracy), macro ROC AUC and accuracy.
///
/// Figures: `fmnist_lt_<approach>_<measure>_<class>` per class and `fmnist_lt_<approach>_<measure>`
/// overall (`macro_recall`, `worst_recall`, `accuracy`, `macro_auc`), with approach a recipe
/// (`focal`, `ce`, `balanced_softmax`, `ldam_drw`, `balanced_softmax_mixup`,
/// `balanced_softmax_mixup_augment`, `balanced_softmax_mixup_augment_offsets`,
/// `balanced_softmax_cutmix`, `ce_crt_taunorm`) or `embedding`; per recipe also
/// `fmnist_lt_<recipe>_validation_balanced_accuracy` (the kept epoch's; cross-fitted with logit
/// offsets) and `…_training_seconds` (the offsets recipe measured beside the plain one fits its
/// offsets over the plain one's network: its seconds are that training's and the fit's);
/// and `fmnist_lt_best_macro_recall` / `…_worst_recall`: the recipe with the highest validation
/// score, never chosen on the test set (`recipe` names it). With `--pytorch`, the peer
/// (Benchmarks/peers/pytorch_accuracy.py) trains and measures the same way the focal network (when
/// `--recipes` has it), the best recipe's network and the embedding network, and each of their
/// figures has its twin `pytorch_fmnist_lt_…`; `pytorch_fmnist_lt_best_macro_recall` / `…_worst_recall`
/// are the PyTorch figures of the recipe Likeness chose (the peer chooses none).
struct AccuracyBenchmark {
    let data: ProtocolData
    var threads = 2
    var pytorch: String?
    var recipes: [AccuracyRecipe] = AccuracyRecipe.losses

    func run(_ out: FigureOutput) throws {
        let train = try data.train(), test = try data.test()
        let longTail = try data.longTail()
        let counts = train.classCounts(of: longTail)
        let all = Array(0..<test.count)

        // The figures the PyTorch peer has twins of: each recipe's (it runs focal and the best one)
        // with the recipe's details, and the embedding network's.
        var recipeFigures: [AccuracyRecipe: (figures: [(name: String, details: [String: Any])], details: [String: Any])] = [:]
        var columns: [Column] = []
        var best: (recipe: AccuracyRecipe, validation: Double, report: ClassificationReport, details: [String: Any])?
        // A recipe that only post-processes another's network comes after it and takes that network.
        let reusing = recipes.filter { $0.postProcessedRecipe.map(recipes.contains) ?? false }
        var trained: [AccuracyRecipe: (model: ModelArchive, history: TrainingHistory, seconds: Double)] = [:]
        for recipe in recipes.filter({ !reusing.contains($0) }) + reusing {
            let clock = ContinuousClock(), started = clock.now
            func seconds() -> Double {
                let elapsed = (clock.now - started).components
                return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            }
            let model: ModelArchive, history: TrainingHistory, trainingSeconds: Double
            if let base = recipe.postProcessedRecipe, let network = trained[base] {
                printDiagnostic("accuracy: \(recipe.rawValue): logit offsets fitted on the validation images over the \(base.rawValue) network above")
                var calibrated = network.history
                calibrated.offsetCalibration = try data.calibrateOffsets(network.model)
                (model, history, trainingSeconds) = (network.model, calibrated, network.seconds + seconds())
            } else {
                printDiagnostic("accuracy: training the softmax network on FMNIST-LT with \(recipe.rawValue) (\(recipe.trainOptions)), "
                                + "\(data.training.epochs) epochs")
                (model, history) = try data.trainSoftmax(recipe)
                trainingSeconds = seconds()
                trained[recipe] = (model, history, trainingSeconds)
            }
            let probabilities = Softmax.probabilities(model.outputs(for: test, indices: all, showProgress: true))
            let report = try ClassificationReport(trueLabels: test.labels, predictedLabels: probabilities.argmaxRows,
                                                  scores: probabilities.doubleRows, classNames: test.classNames, keepingCurves: false)
            // Offsets fitted on the validation images are scored cross-fitted, not on the images they were fitted on.
            let validation = history.offsetCalibration?.crossFittedBalancedAccuracy ?? history.keptScore ?? -.infinity
            var details = data.trainingDetails(head: "softmax").merging([
                "approach": "softmax head, likeness train \(recipe.trainOptions)",
                "recipe": recipe.rawValue,
                "score": "softmax probability",
                "kept_epoch": history.keptEpoch ?? 0,
            ]) { $1 }
            if let tau = history.tauNormalization { details["tau_normalization"] = Double(tau) }
            if let calibration = history.offsetCalibration {
                details["logit_offsets"] = calibration.offsets.map(Double.init)
                details["validation_balanced_accuracy_before_offsets"] = calibration.balancedAccuracyBefore
            }
            recipeFigures[recipe] = (try write(report, approach: recipe.figureName, classCounts: counts, to: out, details: details), details)
            let prefix = "fmnist_lt_\(recipe.figureName)"
            try out.write(Figure(name: "\(prefix)_validation_balanced_accuracy", value: validation, unit: .fraction,
                                 details: details.merging(["what": Self.validationWhat]) { $1 }))
            try out.write(Figure(name: "\(prefix)_training_seconds", value: trainingSeconds, unit: .seconds, details: details))
            columns.append(Column(name: recipe.rawValue, report: report))
            if validation > best?.validation ?? -.infinity { best = (recipe, validation, report, details) }
        }
        if let best {
            let details = best.details.merging([
                "chosen_by": "the highest validation balanced accuracy of the kept epoch among --recipes (never the test set)",
                "validation_balanced_accuracy": best.validation,
                "recipes": recipes.map(\.rawValue),
            ]) { $1 }
            try out.write(Figure(name: "fmnist_lt_best_macro_recall", value: best.report.balancedAccuracy, unit: .fraction, details: details))
            try out.write(Figure(name: "fmnist_lt_best_worst_recall", value: best.report.worstRecall, unit: .fraction,
                                 details: details.merging(["class": best.report.worstClass]) { $1 }))
            printDiagnostic("accuracy: the best recipe on the validation images is \(best.recipe.rawValue) (validation "
                            + String(format: "%.4f", best.validation) + "): test macro recall " + String(format: "%.4f", best.report.balancedAccuracy))
        }

        let embedder = try data.protocolEmbedder()
        printDiagnostic("accuracy: embedding the FMNIST-LT training images and the test images")
        // Enrolled as `likeness enroll --dataset fmnist-lt` enrols, every class in label order.
        var gallery = Gallery(modelDigest: embedder.digest, dimension: try embedder.embeddingDimension(path: nil))
        try gallery.enroll(embeddings: embedder.outputs(for: train, indices: longTail, showProgress: true),
                           labels: train.labels(longTail), classNames: train.classNames)
        precondition(gallery.classNames == train.classNames, "FMNIST-LT holds every class")
        let classifier = PrototypeClassifier(gallery: gallery, rejecting: false)
        let embeddings = embedder.outputs(for: test, indices: all, showProgress: true)
        let embeddingReport = try ClassificationReport(trueLabels: test.labels, predictedLabels: classifier.classify(embeddings).map(\.nearest),
                                                       scores: classifier.distances(embeddings).doubleRows.map { $0.map { -$0 } },
                                                       classNames: test.classNames, keepingCurves: false)
        let embeddingFigures = try write(embeddingReport, approach: "embedding", classCounts: counts, to: out,
                                         details: data.trainingDetails(head: "embedding").merging([
                                             "approach": "embedding head (triplet loss), nearest class prototype",
                                             "score": "minus the distance to the class prototype",
                                         ]) { $1 })
        columns.append(Column(name: "embedding", report: embeddingReport))
        printSummary(columns, classNames: test.classNames, classCounts: counts)

        guard let pytorch else { return }
        // PROTOCOL.md's focal recipe, as before, and the best one, which issue 13 compares.
        let peerRecipes = (recipes.contains(.focal) ? [AccuracyRecipe.focal] : []) + (best.map { $0.recipe == .focal ? [] : [$0.recipe] } ?? [])
        let epochs = data.training.epochs
        printDiagnostic("accuracy: the PyTorch peer trains the softmax network with \(peerRecipes.map(\.rawValue).joined(separator: " and ")) "
                        + "and the embedding network, \(epochs) epoch\(epochs == 1 ? "" : "s") each (several times slower)")
        let script = PeerScript(python: pytorch, name: "pytorch_accuracy.py")
        var arguments = ["--epochs", "\(data.training.epochs)", "--threads", "\(threads)", "--seed", "\(data.training.seed)",
                         "--miner", data.training.miner.rawValue]
        arguments += peerRecipes.isEmpty ? ["--approach", "embedding"] : ["--recipe", peerRecipes.map(\.rawValue).joined(separator: ",")]
        let figures: [String: [String: Any]]
        do {
            figures = try script.run(arguments, showingProgress: true)
        } catch let skipped as PeerScript.Skipped {
            printDiagnostic("accuracy: \(skipped); going on without the PyTorch peer")
            return
        }
        /// Writes the twin `pytorch_<name>` of each figure, with our figure's details and the peer's; returns the peer's values by name.
        func writeTwins(_ twins: [(name: String, details: [String: Any], unit: FigureUnit)]) throws -> [String: PeerFigure] {
            var read: [String: PeerFigure] = [:]
            for (name, details, unit) in twins {
                let figure = try Peer.read("pytorch_" + name, from: figures, title: "PyTorch", versionField: "torch", script: script.name)
                read[name] = figure
                try out.write(Figure(name: "pytorch_" + name, value: figure.value, unit: unit,
                                     details: details.merging(figure.details) { $1 }.merging(["peer": figure.title]) { $1 }))
            }
            return read
        }
        var peer: [String: Double] = [:]
        for recipe in peerRecipes {
            guard let (written, trained) = recipeFigures[recipe] else { continue }
            let prefix = "fmnist_lt_\(recipe.figureName)"
            let twins = written.map { ($0.name, $0.details, FigureUnit.fraction) } + [
                ("\(prefix)_worst_recall", trained, .fraction),
                ("\(prefix)_validation_balanced_accuracy", trained.merging(["what": Self.validationWhat]) { $1 }, .fraction),
                ("\(prefix)_training_seconds", trained, .seconds),
            ]
            let read = try writeTwins(twins)
            peer.merge(read.mapValues(\.value)) { $1 }
            guard let best, best.recipe == recipe, let macro = read["\(prefix)_macro_recall"], let worst = read["\(prefix)_worst_recall"] else { continue }
            let details = best.details.merging(macro.details) { $1 }.merging([
                "chosen_by": "the recipe Likeness chose on the validation images (fmnist_lt_best_macro_recall's), trained in PyTorch; "
                    + "validation_balanced_accuracy is PyTorch's",
                "validation_balanced_accuracy": read["\(prefix)_validation_balanced_accuracy"]?.value ?? .nan,
                "recipes": recipes.map(\.rawValue),
                "peer": macro.title,
            ]) { $1 }
            try out.write(Figure(name: "pytorch_fmnist_lt_best_macro_recall", value: macro.value, unit: .fraction, details: details))
            try out.write(Figure(name: "pytorch_fmnist_lt_best_worst_recall", value: worst.value, unit: .fraction,
                                 details: details.merging(worst.details.filter { $0.key == "class" }) { $1 }))
            printDiagnostic("accuracy: \(recipe.rawValue) in PyTorch: test macro recall " + String(format: "%.4f", macro.value)
                            + " (Likeness " + String(format: "%.4f", best.report.balancedAccuracy) + ")")
        }
        peer.merge(try writeTwins(embeddingFigures.map { ($0.name, $0.details, FigureUnit.fraction) }).mapValues(\.value)) { $1 }
        printSummary(columns + (peerRecipes.map { ($0.rawValue, $0.figureName) } + [("embedding", "embedding")]).map { name, approach in
            Column(name: name + " (PyTorch)",
                   recall: test.classNames.map { peer["fmnist_lt_\(approach)_recall_\(Self.slug($0))"] ?? .nan },
                   macroRecall: peer["fmnist_lt_\(approach)_macro_recall"] ?? .nan, macroAUC: peer["fmnist_lt_\(approach)_macro_auc"])
        }, classNames: test.classNames, classCounts: counts)
    }

    /// What `…_validation_balanced_accuracy` measures, in its details.
    static let validationWhat = "balanced accuracy of the kept epoch on the validation images (the last 500 of each class of the training file); "
        + "with logit offsets fitted on them, cross-fitted (each half of the images scored with the offsets of the other half's fit)"

    /// One approach's column of the summary table.
    struct Column {
        var name: String
        var recall: [Double]
        var macroRecall: Double
        var macroAUC: Double?
    }

    /// Recall per class and the macro figures of each approach, as a table on stderr (columns of
    /// 20 characters, wider when a name needs it).
    func printSummary(_ columns: [Column], classNames: [String], classCounts: [Int]) {
        let width = max(20, (columns.map(\.name.count).max() ?? 0) + 2)
        func row(_ title: String, _ cells: [String]) -> String {
            title.padding(toLength: 26, withPad: " ", startingAt: 0) + cells.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined()
        }
        printDiagnostic(row("recall (training images)", columns.map(\.name)))
        for (c, count) in classCounts.enumerated() {
            printDiagnostic(row("\(classNames[c]) (\(count))", columns.map { String(format: "%.4f", $0.recall[c]) }))
        }
        printDiagnostic(row("macro recall", columns.map { String(format: "%.4f", $0.macroRecall) }))
        printDiagnostic(row("macro ROC AUC", columns.map { $0.macroAUC.map { String(format: "%.4f", $0) } ?? "n/a" }))
    }

    /// Writes the report's figures; returns each one's name and details, in the order written.
    @discardableResult
    func write(_ report: ClassificationReport, approach: String, classCounts: [Int], to out: FigureOutput,
               details: [String: Any]) throws -> [(name: String, details: [String: Any])] {
        let prefix = "fmnist_lt_\(approach)"
        var written: [(name: String, details: [String: Any])] = []
        for (c, m) in report.classes.enumerated() {
            let perClass = details.merging(["class": m.name, "class_index": c, "training_images": classCounts[c], "support": m.support]) { $1 }
            var measures = [("recall", m.recall), ("precision", m.precision), ("f1", m.f1)]
            if let auc = m.rocAUC { measures.append(("auc", auc)) }
            for (measure, value) in measures {
                let name = "\(prefix)_\(measure)_\(Self.slug(m.name))"
                try out.write(Figure(name: name, value: value, unit: .fraction, details: perClass))
                written.append((name, perClass))
            }
        }
        var overall = [("macro_recall", report.balancedAccuracy), ("accuracy", report.accuracy)]
        if let auc = report.macroROCAUC { overall.append(("macro_auc", auc)) }
        for (measure, value) in overall {
            let name = "\(prefix)_\(measure)", overallDetails = details.merging(["test_images": report.sampleCount]) { $1 }
            try out.write(Figure(name: name, value: value, unit: .fraction, details: overallDetails))
            written.append((name, overallDetails))
        }
        // Not among those returned: the PyTorch peer reports no worst class.
        try out.write(Figure(name: "\(prefix)_worst_recall", value: report.worstRecall, unit: .fraction,
                             details: details.merging(["class": report.worstClass, "test_images": report.sampleCount]) { $1 }))
        return written
    }

    /// A class name as part of a figure's name: lowercase letters and digits, runs of anything else as one `_`.
    static func slug(_ name: String) -> String {
        name.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.joined(separator: "_")
    }
}

extension AccuracyBenchmark.Column {
    init(name: String, report: ClassificationReport) {
        self.init(name: name, recall: report.classes.map(\.recall), macroRecall: report.balancedAccuracy, macroAUC: report.macroROCAUC)
    }
}

extension ClassificationReport {
    /// The lowest recall of any class.
    fileprivate var worstRecall: Double { classes.map(\.recall).min() ?? .nan }
    /// The class of the lowest recall.
    fileprivate var worstClass: String { classes.min { $0.recall < $1.recall }?.name ?? "" }
}
