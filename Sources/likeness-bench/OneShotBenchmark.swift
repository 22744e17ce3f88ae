import Foundation
import Likeness

/// PROTOCOL.md's one-shot novel classes, as `likeness one-shot` measures them: the embedding network
/// trained on FMNIST-LT without Sandal (5) and Sneaker (7); the known classes enrolled from their
/// FMNIST-LT training embeddings, each novel class from one validation image drawn with seed s for
/// s = 0…draws−1; every test image given its nearest prototype's class. Figures: the novel classes'
/// recall and precision, the known classes' macro recall and the 10-way accuracy, means over the
/// draws, then over the training seeds (`--seeds`), each seed's mean in `runs`. `--augment-shots`
/// and `--score` enrol and classify as `likeness one-shot` does; `--refine-with fashion-mnist:pool`
/// measures the draws again with the novel prototypes refined from the 55,000 non-validation
/// training images, unlabelled, as `…_refined_*` figures apart. With `--pytorch`, the peer
/// (Benchmarks/peers/pytorch_oneshot.py, PyTorch + pytorch-metric-learning) runs the same protocol
/// with the same recipe (triplet, SupCon, or SimCLR → SupCon + distillation, `--discover`) and seeds:
/// `pytorch_<the figure prefix of the training>_<measure>`, one-image raw enrolment.
///
/// With `--held-out`, a validation run instead: the two rarest known classes are held out of
/// training as well and play the novel classes on the validation images
/// (`OneShotEvaluation.runOnValidation`); `…_heldout_*` figures, the test set unread.
struct OneShotBenchmark {
    let data: ProtocolData
    let options: OneShotOptions
    let threads: Int
    let pytorch: String?
    let enrolment: OneShotEnrolmentOptions

    static let novelClasses = [5, 7]

    /// PROTOCOL.md's held-out classes: the two known classes with the fewest FMNIST-LT images
    /// (the novel classes are the two rarest of all), in class order.
    static func heldOutClasses(longTailLabels: [Int], classCount: Int) -> [Int] {
        let counts = (0..<classCount).map { c in longTailLabels.filter { $0 == c }.count }
        let known = (0..<classCount).filter { !novelClasses.contains($0) }
        return Array(known.sorted { (counts[$0], $0) < (counts[$1], $1) }.prefix(2)).sorted()
    }

    func run(_ out: FigureOutput) throws {
        let train = try data.train()
        let novel = Self.novelClasses
        let heldOut = options.heldOut ? Self.heldOutClasses(longTailLabels: train.labels(try data.longTail()), classCount: train.classNames.count) : []
        // Held-out classes are left out of everything novel classes are left out of.
        let excluded = novel + heldOut
        let known = (0..<train.classNames.count).filter { !excluded.contains($0) }
        let knownIndices = try data.longTail(excluding: excluded)
        let validation = try data.validation()
        let initial = try options.initialModel.map { try ModelArchive.load($0) }
        let teacher = try options.distill.map { try ModelArchive.load($0) }
        let seeds = (0..<options.seeds).map { data.training.seed + UInt64($0) }
        let backbone = initial?.architecture.backbone ?? .reference
        let prefix = figurePrefix(backbone: backbone)
        let distillationPool = try options.setting == .pool ? data.pool() : knownIndices
        let candidates = novel.map { c in validation.filter { train.labels[$0] == c } }
        // Where --save-models writes, and --reuse-models reads, a seed's network.
        func modelPath(in folder: String, seed: UInt64, discovered: Int? = nil) -> String {
            (folder as NSString).appendingPathComponent(options.figurePrefix(discovered: discovered) + "-seed\(seed).h5")
        }
        // Both trainings of a seed distil with the same pool and seed.
        func distillation(seed: UInt64) -> Distillation? {
            teacher.map {
                Distillation(teacher: $0.network, weight: options.distillWeight, pool: ValidationImages(dataset: train, indices: distillationPool),
                             poolImagesPerStep: 128, seed: seed)
            }
        }
        let knownValidation = validation.filter { known.contains(train.labels[$0]) }
        let heldOutValidation = validation.filter { !novel.contains(train.labels[$0]) }
        var results: [OneShotEvaluation.Result] = []
        var heldOutResults: [OneShotEvaluation.Result] = []
        var keptValidationRecall: [Double] = []
        var validationEpisodes: [OneShotEvaluation.KnownClassEpisodes] = []
        var trainingSeconds: [Double] = []
        var discoveries: [[String: Any]] = []
        for seed in seeds {
            var embedder: ModelArchive
            if let reuse = options.reuseModels {
                let path = modelPath(in: reuse, seed: seed)
                printDiagnostic("one-shot: seed \(seed): the network of \(path)")
                embedder = try ModelArchive.load(path)
            } else {
                printDiagnostic("one-shot: seed \(seed): training the embedding network on FMNIST-LT without "
                                + "\(excluded.map { train.classNames[$0] }.joined(separator: ", ")), \(data.training.epochs) epochs"
                                + (options.recipeName.isEmpty ? "" : ", recipe \(options.recipeName)"))
                let started = Date()
                let trained = try data.trainEmbedding(excluding: excluded, seed: seed,
                                                      loss: options.loss.loss(classCount: train.classNames.count, dimension: 64, seed: seed),
                                                      initial: initial, distillation: distillation(seed: seed))
                embedder = trained.model
                trained.history.keptScore.map { keptValidationRecall.append($0) }
                trainingSeconds.append((Date().timeIntervalSince(started) * 10).rounded() / 10)
                if let folder = options.saveModels {
                    let saved = modelPath(in: folder, seed: seed)
                    try embedder.save(to: saved)
                    printDiagnostic("one-shot: wrote \(saved)")
                }
            }
            if let newClasses = options.discover {
                let path = options.reuseModels.map { modelPath(in: $0, seed: seed, discovered: newClasses) }
                if let path, FileManager.default.fileExists(atPath: path) {
                    printDiagnostic("one-shot: seed \(seed): the network trained with discovered classes, \(path)")
                    embedder = try ModelArchive.load(path)
                } else {
                    let started = Date()
                    let (retrained, found) = try retrainWithDiscoveredClasses(embedder, newClasses: newClasses, seed: seed, known: knownIndices,
                                                                              knownValidation: knownValidation, pool: distillationPool,
                                                                              initial: initial, distillation: distillation(seed: seed))
                    embedder = retrained.model
                    // The served network is the second training's: its kept epoch stands for the seed.
                    if let score = retrained.history.keptScore, !keptValidationRecall.isEmpty { keptValidationRecall[keptValidationRecall.count - 1] = score }
                    discoveries.append(found)
                    if !trainingSeconds.isEmpty { trainingSeconds[trainingSeconds.count - 1] += (Date().timeIntervalSince(started) * 10).rounded() / 10 }
                    // Kept beside the stage-one network, so that --reuse-models measures it again without training.
                    if let folder = options.saveModels ?? options.reuseModels {
                        let saved = modelPath(in: folder, seed: seed, discovered: newClasses)
                        try embedder.save(to: saved)
                        printDiagnostic("one-shot: wrote \(saved)")
                    }
                }
            }
            if !heldOut.isEmpty {
                printDiagnostic("one-shot: embedding the known classes' FMNIST-LT images and the validation images of the known and held-out classes")
                let result = try OneShotEvaluation(knownClasses: known, novelClasses: heldOut, draws: data.training.draws, enrolment: enrolment.enrolment)
                    .runOnValidation(training: (embedder.outputs(for: train, indices: knownIndices, showProgress: true), train.labels(knownIndices)),
                                     validation: (embedder.outputs(for: train, indices: heldOutValidation), train.labels(heldOutValidation)),
                                     views: embedder.shotViews(of: train, candidates: [heldOutValidation], augmentedViews: enrolment.augmentShots)
                                        .map { views in { try views(0, $0) } })
                printDiagnostic("one-shot: seed \(seed), held out: " + zip(heldOut, result.novelRecall).map { "\(train.classNames[$0]) \(format($1))" }.joined(separator: ", ")
                                + ", known macro recall \(format(OneShotEvaluation.mean(result.knownRecall))), balanced accuracy \(format(result.balancedAccuracy))"
                                + (keptValidationRecall.count == heldOutResults.count + 1
                                    ? keptValidationRecall.last.map { "; kept epoch's validation recall@1 \(format($0))" } ?? "" : ""))
                heldOutResults.append(result)
                continue
            }
            let test = try data.test()
            printDiagnostic("one-shot: embedding the known classes' FMNIST-LT and validation images, the novel classes' validation images and the test images")
            let pool = enrolment.refineWith == nil ? nil
                : embedder.outputs(for: train, indices: try data.pool(), showProgress: true)
            let knownTraining = (embeddings: embedder.outputs(for: train, indices: knownIndices, showProgress: true), labels: train.labels(knownIndices))
            let episodes = try OneShotEvaluation.knownClassEpisodes(
                knownClasses: known, draws: data.training.draws, enrolment: enrolment.enrolment, training: knownTraining,
                validation: (embedder.outputs(for: train, indices: knownValidation), train.labels(knownValidation)),
                views: embedder.shotViews(of: train, candidates: [knownValidation], augmentedViews: enrolment.augmentShots).map { views in { try views(0, $0) } })
            let result = try OneShotEvaluation(knownClasses: known, novelClasses: novel, draws: data.training.draws, enrolment: enrolment.enrolment).run(
                known: knownTraining,
                candidates: candidates.map { embedder.outputs(for: train, indices: $0) },
                views: embedder.shotViews(of: train, candidates: candidates, augmentedViews: enrolment.augmentShots), pool: pool,
                test: (embedder.outputs(for: test, indices: Array(0..<test.count), showProgress: true), test.labels))
            printDiagnostic("one-shot: seed \(seed): " + zip(novel, result.novelRecall).map { "\(train.classNames[$0]) \(format($1))" }.joined(separator: ", ")
                            + ", known macro recall \(format(OneShotEvaluation.mean(result.knownRecall))), 10-way \(format(result.accuracy))"
                            + "; known-class episodes (validation): one-shot recall \(format(episodes.meanOneShotRecall)), "
                            + "balanced accuracy \(format(episodes.meanBalancedAccuracy))")
            results.append(result)
            validationEpisodes.append(episodes)
        }

        var details = data.trainingDetails(head: "embedding").merging([
            "draws": data.training.draws, "novel_classes": novel.map { train.classNames[$0] },
            "enrolment": "known classes: FMNIST-LT training embeddings; novel: 1 validation image each",
            "seeds": seeds.map { Int($0) }, "setting": options.setting.rawValue, "loss": options.loss.rawValue,
            "backbone": backbone.rawValue,
        ]) { $1 }.merging(enrolment.details) { $1 }
        if !trainingSeconds.isEmpty { details["training_seconds"] = trainingSeconds }
        if let path = options.initialModel { details["init"] = path + (initial?.training.map { " (\($0.command))" } ?? "") }
        if let path = options.distill { details["distill"] = path + ", weight \(options.distillWeight), temperature 0.1, 128 pool images per step" }
        if options.loss != .triplet { details.removeValue(forKey: "miner") }
        if let newClasses = options.discover {
            let discovery = ClassDiscovery(newClasses: newClasses)
            details["discover"] = "\(newClasses) new classes among the \(options.setting.rawValue) setting's unlabelled images (ClassDiscovery: "
                + "\(discovery.acceptedFraction) of known validation images accepted, \(discovery.subclusters) subclusters), "
                + "then trained again from the start with them as classes"
            if !discoveries.isEmpty { details["discovered"] = discoveries }
        }
        func write(_ name: String, _ perSeed: [Double], _ fields: [String: Any]) throws {
            var fields = fields
            fields["seed_spread"] = OneShotEvaluation.spread(perSeed)
            try out.write(Figure(name: name, value: OneShotEvaluation.mean(perSeed), unit: .fraction, runs: perSeed, details: fields))
        }
        // The kept epochs' recall@1 on the known classes' validation images: what PROTOCOL.md chooses recipes on.
        if keptValidationRecall.count == seeds.count {
            try write("\(prefix)_kept_validation_recall", keptValidationRecall,
                      details.merging(["what": "recall@1 (leave-one-out) of the known classes' validation images at the kept epoch; runs: each seed's"]) { $1 })
        }
        if !heldOut.isEmpty {
            let heldOutDetails = details.merging([
                "held_out": heldOut.map { train.classNames[$0] },
                "episodes": "the held-out classes, never trained on, each enrolled from one of its even-position validation images "
                    + "(\(data.training.draws) draws), the known classes from FMNIST-LT; every other validation image of the "
                    + "\(known.count + heldOut.count) classes classified; the test set unread",
            ]) { $1 }
            for (k, c) in heldOut.enumerated() {
                try write("\(prefix)_recall_\(AccuracyBenchmark.slug(train.classNames[c]))", heldOutResults.map { $0.novelRecall[k] },
                          heldOutDetails.merging(["class": train.classNames[c]]) { $1 })
            }
            try write("\(prefix)_novel_recall", heldOutResults.map { OneShotEvaluation.mean($0.novelRecall) },
                      heldOutDetails.merging(["what": "mean recall of the held-out classes: the figure label-free options are chosen on"]) { $1 })
            try write("\(prefix)_accuracy", heldOutResults.map(\.balancedAccuracy),
                      heldOutDetails.merging(["what": "balanced accuracy over the \(known.count + heldOut.count) classes' validation images"]) { $1 })
            try write("\(prefix)_known_macro_recall", heldOutResults.map { OneShotEvaluation.mean($0.knownRecall) },
                      heldOutDetails.merging(["what": "macro recall of the \(known.count) known classes' validation images"]) { $1 })
            try write("\(prefix)_novel_precision", heldOutResults.map { OneShotEvaluation.mean($0.novelPrecision) },
                      heldOutDetails.merging(["what": "mean precision of the held-out classes"]) { $1 })
            return
        }
        func writeAll(_ prefix: String, _ details: [String: Any], novelRecall: [[Double]], knownRecall: [[Double]],
                      novelPrecision: [[Double]], accuracy: [Double]) throws {
            for (k, c) in novel.enumerated() {
                try write("\(prefix)_recall_\(AccuracyBenchmark.slug(train.classNames[c]))", novelRecall.map { $0[k] },
                          details.merging(["class": train.classNames[c]]) { $1 })
            }
            try write("\(prefix)_accuracy", accuracy,
                      details.merging(["what": "\(train.classNames.count)-way accuracy on the test set; runs: each seed's mean over the draws"]) { $1 })
            try write("\(prefix)_known_macro_recall", knownRecall.map(OneShotEvaluation.mean),
                      details.merging(["what": "macro recall of the \(known.count) known classes on the test set"]) { $1 })
            try write("\(prefix)_novel_precision", novelPrecision.map(OneShotEvaluation.mean),
                      details.merging(["what": "mean precision of the novel classes on the test set"]) { $1 })
        }
        try writeAll(prefix, details, novelRecall: results.map(\.novelRecall), knownRecall: results.map(\.knownRecall),
                     novelPrecision: results.map(\.novelPrecision), accuracy: results.map(\.accuracy))
        // What enrolment options are chosen on (PROTOCOL.md): episodes of the known classes' validation images alone.
        let episodeDetails = details.merging(["episodes": "each known class in turn enrolled from one of its even-position validation images "
                                                  + "(\(data.training.draws) draws), the others from FMNIST-LT; the other known validation images classified"]) { $1 }
        try write("\(prefix)_validation_accuracy", validationEpisodes.map(\.meanBalancedAccuracy),
                  episodeDetails.merging(["what": "known-class episodes: balanced accuracy, mean over the episodes; runs: each seed's"]) { $1 })
        try write("\(prefix)_validation_oneshot_recall", validationEpisodes.map(\.meanOneShotRecall),
                  episodeDetails.merging(["what": "known-class episodes: the one-shot class's recall, mean over the episodes; runs: each seed's"]) { $1 })
        let refined = results.compactMap(\.refined)
        if refined.count == results.count, let first = refined.first, let pool = enrolment.refineWith {
            // Not one-shot: the novel prototypes also saw the unlabelled pool, so these figures stand apart.
            let refinedDetails = details.merging(["refined_with": "\(pool) (\(first.poolSize) non-validation training images, unlabelled)",
                                                  "refine_iterations": enrolment.enrolment.refinement.iterations,
                                                  "refine_temperature": Double(enrolment.enrolment.refinement.temperature)]) { $1 }
            try writeAll(prefix + "_refined", refinedDetails, novelRecall: refined.map(\.novelRecall), knownRecall: refined.map(\.knownRecall),
                         novelPrecision: refined.map(\.novelPrecision), accuracy: refined.map(\.accuracy))
        }

        guard let pytorch else { return }
        guard let recipe = peerRecipe(initial: initial) else {
            printDiagnostic("one-shot: the PyTorch peer has no twin of this recipe (it runs triplet, supcon, and supcon with --init and --distill "
                            + "of the same likeness pretrain model); going on without it")
            return
        }
        printDiagnostic("one-shot: the PyTorch peer, \(recipe.joined(separator: " ")), \(data.training.epochs) epochs, \(options.seeds) seed"
                        + (options.seeds == 1 ? "" : "s") + " (it trains several times slower)")
        let script = PeerScript(python: pytorch, name: "pytorch_oneshot.py")
        let figures: [String: [String: Any]]
        do {
            figures = try script.run(["--epochs", "\(data.training.epochs)", "--threads", "\(threads)", "--seed", "\(data.training.seed)",
                                      "--seeds", "\(options.seeds)", "--draws", "\(data.training.draws)", "--setting", options.setting.rawValue] + recipe,
                                     showingProgress: true)
        } catch let skipped as PeerScript.Skipped {
            printDiagnostic("one-shot: \(skipped); going on without the PyTorch peer")
            return
        }
        // The peer enrols each novel class from its one image with the raw score, whatever --augment-shots and --score say.
        let peerPrefix = "pytorch_" + options.figurePrefix(discovered: options.discover)
        let measures = novel.map { "recall_\(AccuracyBenchmark.slug(train.classNames[$0]))" } + ["accuracy", "known_macro_recall", "novel_precision"]
        // Likeness's own training times, discoveries and enrolment are not the peer's.
        let peerDetails = details.filter { !["training_seconds", "discovered"].contains($0.key) }.merging([
            "peer_recipe": recipe.joined(separator: " "), "augment_shots": 0, "score": "raw",
            "enrolment": "known classes: FMNIST-LT training embeddings; novel: 1 validation image each",
        ]) { $1 }.merging(options.loss == .triplet ? ["miner": "semi-hard-all (pytorch-metric-learning's TripletMarginMiner semihard)"] : [:]) { $1 }
        for name in measures.map({ "\(peerPrefix)_\($0)" }) {
            let figure = try Peer.read(name, from: figures, title: "PyTorch", versionField: "torch", script: script.name)
            let runs = figures[name]?["runs"] as? [Double]
            try out.write(Figure(name: name, value: figure.value, unit: .fraction, runs: runs,
                                 details: peerDetails.merging(figure.details) { $1 }.merging(["peer": figure.title]) { $1 }
                                    .merging(runs.map { ["seed_spread": OneShotEvaluation.spread($0)] } ?? [:]) { $1 }))
        }
    }

    /// The peer script's arguments for the recipe the options name: triplet or SupCon from random
    /// weights, or SimCLR → SupCon + distillation when `--init` and `--distill` are the same
    /// `likeness pretrain` model (the peer pre-trains its own SimCLR network for as many epochs on
    /// the same setting's images, cached between runs); nil for a recipe it has no twin of.
    private func peerRecipe(initial: ModelArchive?) -> [String]? {
        switch (options.loss, options.initialModel, options.distill) {
        case (.triplet, nil, nil): return ["--recipe", "triplet"]
        case (.supcon, nil, nil): return ["--recipe", "supcon"]
        case (.supcon, let start?, let teacher?) where start == teacher:
            guard let settings = initial?.training?.settings, case .pretraining = settings.head else { return nil }
            return ["--recipe", "simclr-supcon-distill", "--pretrain-epochs", "\(settings.epochs)",
                    "--distill-weight", "\(options.distillWeight)"] + (options.discover.map { ["--discover", "\($0)"] } ?? [])
        default: return nil
        }
    }

    /// Stage two of `--discover`: the stage-one network's embeddings of the known classes'
    /// FMNIST-LT and validation images and of the setting's unlabelled images; `ClassDiscovery`'s
    /// new classes among the latter; the recipe trained again from its start on FMNIST-LT plus
    /// those images as classes of their own.
    private func retrainWithDiscoveredClasses(_ stageOne: ModelArchive, newClasses: Int, seed: UInt64, known: [Int], knownValidation: [Int],
                                              pool: [Int], initial: ModelArchive?, distillation: Distillation?)
        throws -> ((model: ModelArchive, history: TrainingHistory), [String: Any]) {
        let train = try data.train()
        printDiagnostic("one-shot: seed \(seed): finding \(newClasses) new classes among \(pool.count) unlabelled images")
        let found = try ClassDiscovery(newClasses: newClasses, seed: seed).discover(
            known: stageOne.outputs(for: train, indices: known, showProgress: true), labels: train.labels(known),
            validation: stageOne.outputs(for: train, indices: knownValidation),
            pool: stageOne.outputs(for: train, indices: pool, showProgress: true))
        let groups = found.classes.map { $0.map { pool[$0] } }
        printDiagnostic("one-shot: seed \(seed): \(found.unknownCount) images farther than \(format(Double(found.threshold))) from every known class, "
                        + "\(found.droppedCount) of them in parts of known classes; new classes of \(groups.map { "\($0.count)" }.joined(separator: ", ")) images")
        let discovered = train.appendingClasses(groups, named: groups.indices.map { "discovered \($0 + 1)" })
        printDiagnostic("one-shot: seed \(seed): training again with the new classes")
        let model = try data.trainEmbedding(excluding: Self.novelClasses, seed: seed,
                                            loss: options.loss.loss(classCount: discovered.classNames.count, dimension: 64, seed: seed),
                                            initial: initial, distillation: distillation, discovered: discovered)
        return (model, ["seed": Int(seed), "threshold": Double(found.threshold), "unknown": found.unknownCount, "dropped": found.droppedCount,
                        "class_sizes": groups.map(\.count)])
    }

    private func format(_ x: Double) -> String { String(format: "%.3f", x) }

    /// `oneshot[_<setting>][_<recipe>]`, the recipe naming the training (`OneShotOptions.recipeName`),
    /// a backbone other than the reference (`small`), and the enrolment beside the protocol's
    /// (`views16`, `shot_adjusted`).
    private func figurePrefix(backbone: Backbone) -> String {
        var recipe = options.recipeName.isEmpty ? [] : [options.recipeName]
        if backbone != .reference { recipe.append(backbone.rawValue) }
        if let newClasses = options.discover { recipe.append("discover\(newClasses)") }
        if enrolment.augmentShots > 0 { recipe.append("views\(enrolment.augmentShots)") }
        if enrolment.score != .raw { recipe.append(enrolment.score.rawValue.replacingOccurrences(of: "-", with: "_")) }
        if options.heldOut { recipe.append("heldout") }
        return (["oneshot"] + (options.setting == .pool ? [] : [options.setting.rawValue]) + recipe).joined(separator: "_")
    }
}
