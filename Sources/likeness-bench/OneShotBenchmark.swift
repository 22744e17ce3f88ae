import Likeness

/// PROTOCOL.md's one-shot novel classes, as `likeness one-shot` measures them: the embedding network
/// trained on FMNIST-LT without Sandal (5) and Sneaker (7); the known classes enrolled from their
/// FMNIST-LT training embeddings, each novel class from one validation image drawn with seed s for
/// s = 0…draws−1; every test image given its nearest prototype's class. Figures: the novel classes'
/// recall and the 10-way accuracy, means over the draws. `--augment-shots` and `--score` enrol and
/// classify as `likeness one-shot` does; `--refine-with fashion-mnist:pool` measures the draws again
/// with the novel prototypes refined from the 55,000 non-validation training images, unlabelled,
/// as `oneshot_refined_*` figures. With `--pytorch`, the peer
/// (Benchmarks/peers/pytorch_oneshot.py, PyTorch + pytorch-metric-learning) runs the same protocol.
struct OneShotBenchmark {
    let data: ProtocolData
    let threads: Int
    let pytorch: String?
    let enrolment: OneShotEnrolmentOptions

    static let novelClasses = [5, 7]

    func run(_ out: FigureOutput) throws {
        let train = try data.train(), test = try data.test()
        let novel = Self.novelClasses
        let known = (0..<train.classNames.count).filter { !novel.contains($0) }
        printDiagnostic("one-shot: training the embedding network on FMNIST-LT without \(novel.map { train.classNames[$0] }.joined(separator: " and ")), \(data.training.epochs) epochs")
        let embedder = try data.trainEmbedding(excluding: novel)
        let knownIndices = try data.longTail(excluding: novel)
        let validation = try data.validation()
        printDiagnostic("one-shot: embedding the known classes' FMNIST-LT images, the novel classes' validation images and the test images")
        let candidates = novel.map { c in validation.filter { train.labels[$0] == c } }
        let pool = enrolment.refineWith == nil ? nil
            : embedder.outputs(for: train, indices: FashionMNIST.trainingPoolIndices(labels: train.labels), showProgress: true)
        let result = try OneShotEvaluation(knownClasses: known, novelClasses: novel, draws: data.training.draws, enrolment: enrolment.enrolment).run(
            known: (embedder.outputs(for: train, indices: knownIndices, showProgress: true), train.labels(knownIndices)),
            candidates: candidates.map { embedder.outputs(for: train, indices: $0) },
            views: embedder.shotViews(of: train, candidates: candidates, augmentedViews: enrolment.augmentShots), pool: pool,
            test: (embedder.outputs(for: test, indices: Array(0..<test.count), showProgress: true), test.labels))

        let details = data.trainingDetails(head: "embedding").merging([
            "draws": data.training.draws, "novel_classes": novel.map { train.classNames[$0] },
            "enrolment": "known classes: FMNIST-LT training embeddings; novel: 1 validation image each",
        ]) { $1 }.merging(enrolment.details) { $1 }
        for (c, recall) in zip(novel, result.novelRecall) {
            try out.write(Figure(name: "oneshot_recall_\(AccuracyBenchmark.slug(train.classNames[c]))", value: recall, unit: .fraction,
                                 details: details.merging(["class": train.classNames[c]]) { $1 }))
        }
        try out.write(Figure(name: "oneshot_accuracy", value: result.accuracy, unit: .fraction, runs: result.accuracyPerDraw,
                             details: details.merging(["what": "\(train.classNames.count)-way accuracy on the test set; runs: each draw's"]) { $1 }))
        if let refined = result.refined, let pool = enrolment.refineWith {
            // Not one-shot: the novel prototypes also saw the unlabelled pool, so these figures stand apart.
            let refinedDetails = details.merging(["refined_with": "\(pool) (\(refined.poolSize) non-validation training images, unlabelled)",
                                                  "refine_iterations": enrolment.enrolment.refinement.iterations,
                                                  "refine_temperature": Double(enrolment.enrolment.refinement.temperature)]) { $1 }
            for (c, recall) in zip(novel, refined.novelRecall) {
                try out.write(Figure(name: "oneshot_refined_recall_\(AccuracyBenchmark.slug(train.classNames[c]))", value: recall, unit: .fraction,
                                     details: refinedDetails.merging(["class": train.classNames[c]]) { $1 }))
            }
            try out.write(Figure(name: "oneshot_refined_accuracy", value: refined.accuracy, unit: .fraction, runs: refined.accuracyPerDraw,
                                 details: refinedDetails.merging(["what": "\(train.classNames.count)-way accuracy on the test set; runs: each draw's"]) { $1 }))
        }

        guard let pytorch else { return }
        printDiagnostic("one-shot: the PyTorch peer, \(data.training.epochs) epochs (it trains several times slower)")
        let script = PeerScript(python: pytorch, name: "pytorch_oneshot.py")
        let figures: [String: [String: Any]]
        do {
            figures = try script.run(["--epochs", "\(data.training.epochs)", "--threads", "\(threads)", "--seed", "\(data.training.seed)",
                                      "--draws", "\(data.training.draws)"])
        } catch let skipped as PeerScript.Skipped {
            printDiagnostic("one-shot: \(skipped); going on without the PyTorch peer")
            return
        }
        for name in novel.map({ "pytorch_oneshot_recall_\(AccuracyBenchmark.slug(train.classNames[$0]))" }) + ["pytorch_oneshot_accuracy"] {
            let figure = try Peer.read(name, from: figures, title: "PyTorch", versionField: "torch", script: script.name)
            try out.write(Figure(name: name, value: figure.value, unit: .fraction, details: details.merging(figure.details) { $1 }.merging([
                "peer": figure.title, "miner": "semi-hard-all (pytorch-metric-learning's TripletMarginMiner semihard)",
            ]) { $1 }))
        }
    }
}
