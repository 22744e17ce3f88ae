import Likeness

/// PROTOCOL.md's imbalance measures on FMNIST-LT: the softmax network trained with focal loss and
/// the embedding network's nearest-prototype classifier (one prototype per class, the re-normalised
/// mean of its FMNIST-LT training embeddings), each on the 10,000 test images: per class recall,
/// precision, F1 and one-vs-rest ROC AUC (score: the softmax probability, or minus the distance to
/// the class's prototype); macro recall (balanced accuracy), macro ROC AUC and accuracy.
///
/// Figures: `fmnist_lt_<approach>_<measure>_<class>` per class and `fmnist_lt_<approach>_<measure>`
/// overall, with approach `focal` or `embedding`.
struct AccuracyBenchmark {
    let data: ProtocolData

    func run(_ out: FigureOutput) throws {
        let train = try data.train(), test = try data.test()
        let longTail = try data.longTail()
        let counts = train.classCounts(of: longTail)
        let all = Array(0..<test.count)

        printDiagnostic("accuracy: training the softmax network with focal loss on FMNIST-LT, \(data.training.epochs) epochs")
        let focal = try data.trainFocal()
        let probabilities = Softmax.probabilities(focal.outputs(for: test, indices: all, showProgress: true))
        let focalReport = try ClassificationReport(trueLabels: test.labels, predictedLabels: probabilities.argmaxRows,
                                                   scores: Self.rows(probabilities), classNames: test.classNames, keepingCurves: false)
        try write(focalReport, approach: "focal", classCounts: counts, to: out,
                  details: data.trainingDetails(head: "softmax").merging([
                      "approach": "softmax head, focal loss γ 2, balanced α divided by its mean",
                      "score": "softmax probability",
                  ]) { $1 })

        let embedder = try data.protocolEmbedder()
        printDiagnostic("accuracy: embedding the FMNIST-LT training images and the test images")
        let prototypes = Prototypes.mean(of: embedder.outputs(for: train, indices: longTail, showProgress: true),
                                         labels: train.labels(longTail), classes: Array(0..<train.classNames.count))
        let classifier = PrototypeClassifier(prototypes: prototypes, classNames: train.classNames)
        let embeddings = embedder.outputs(for: test, indices: all, showProgress: true)
        let embeddingReport = try ClassificationReport(trueLabels: test.labels, predictedLabels: classifier.classify(embeddings).map(\.nearest),
                                                       scores: Self.rows(classifier.distances(embeddings)).map { $0.map { -$0 } },
                                                       classNames: test.classNames, keepingCurves: false)
        try write(embeddingReport, approach: "embedding", classCounts: counts, to: out,
                  details: data.trainingDetails(head: "embedding").merging([
                      "approach": "embedding head (triplet loss), nearest class prototype",
                      "score": "minus the distance to the class prototype",
                  ]) { $1 })
        printSummary([("focal", focalReport), ("embedding", embeddingReport)], classCounts: counts)
    }

    /// Recall per class and the macro figures of each approach, as a table on stderr.
    func printSummary(_ reports: [(name: String, report: ClassificationReport)], classCounts: [Int]) {
        func row(_ title: String, _ cells: [String]) -> String {
            title.padding(toLength: 26, withPad: " ", startingAt: 0) + cells.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined()
        }
        printDiagnostic(row("recall (training images)", reports.map(\.name)))
        for (c, count) in classCounts.enumerated() {
            printDiagnostic(row("\(reports[0].report.classes[c].name) (\(count))", reports.map { String(format: "%.4f", $0.report.classes[c].recall) }))
        }
        printDiagnostic(row("macro recall", reports.map { String(format: "%.4f", $0.report.balancedAccuracy) }))
        printDiagnostic(row("macro ROC AUC", reports.map { $0.report.macroROCAUC.map { String(format: "%.4f", $0) } ?? "n/a" }))
    }

    func write(_ report: ClassificationReport, approach: String, classCounts: [Int], to out: FigureOutput, details: [String: Any]) throws {
        let prefix = "fmnist_lt_\(approach)"
        for (c, m) in report.classes.enumerated() {
            let perClass = details.merging(["class": m.name, "class_index": c, "training_images": classCounts[c], "support": m.support]) { $1 }
            var measures = [("recall", m.recall), ("precision", m.precision), ("f1", m.f1)]
            if let auc = m.rocAUC { measures.append(("auc", auc)) }
            for (measure, value) in measures {
                try out.write(Figure(name: "\(prefix)_\(measure)_\(Self.slug(m.name))", value: value, unit: .fraction, details: perClass))
            }
        }
        var overall = [("macro_recall", report.balancedAccuracy), ("accuracy", report.accuracy)]
        if let auc = report.macroROCAUC { overall.append(("macro_auc", auc)) }
        for (measure, value) in overall {
            try out.write(Figure(name: "\(prefix)_\(measure)", value: value, unit: .fraction,
                                 details: details.merging(["test_images": report.sampleCount]) { $1 }))
        }
    }

    /// A class name as part of a figure's name: lowercase letters and digits, runs of anything else as one `_`.
    static func slug(_ name: String) -> String {
        name.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.joined(separator: "_")
    }

    static func rows(_ t: Tensor) -> [[Double]] {
        let c = t.shape[1]
        return t.withUnsafeBufferPointer { p in (0..<t.shape[0]).map { i in (0..<c).map { Double(p[i * c + $0]) } } }
    }
}
