import ArgumentParser
import Foundation
import Likeness
import LikenessCommands
import Testing
import _LikenessTestSupport

/// The commands parsed and run in process, as `likeness` runs them: results written to files, the
/// old spellings of options, and the exit policy (argument errors: usage and 64; errors while a
/// command runs: `Error: …` without usage, and 1). Serialized, and without `--threads`: a command
/// that sets `Parallel.threadCount` would change it under the library's tests running beside.
@Suite("likeness commands in process", .serialized)
struct CommandTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"
    /// `likeness one-shot`'s datasets from the sample folder, whose classes have Fashion-MNIST's names.
    var oneShotSample: [String] {
        ["--known", "fashion-mnist:train", "--shots", "fashion-mnist:train", "--test", "fashion-mnist:test", "--data-directory", sample]
    }

    /// Parses `arguments` as `likeness` does, then runs the command.
    func run(_ arguments: [String]) throws {
        var command = try LikenessCommand.parseAsRoot(arguments)
        try command.run()
    }

    /// How `likeness` would end on the error that `arguments` fail with: its exit code and what it
    /// prints; nil, with an issue recorded, when they do not fail.
    func failure(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> (code: ExitCode, message: String)? {
        do {
            try run(arguments)
            Issue.record("likeness \(arguments.joined(separator: " ")) did not fail", sourceLocation: sourceLocation)
            return nil
        } catch {
            return (LikenessCommand.exitCode(for: error), LikenessCommand.fullMessage(for: error))
        }
    }

    /// Expects `arguments` to be refused as arguments: the message names `expected`, with the usage, exit 64.
    func expectArgumentError(_ arguments: [String], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let (code, message) = failure(arguments, sourceLocation: sourceLocation) else { return }
        #expect(code == .validationFailure, "\(message)", sourceLocation: sourceLocation)
        #expect(message.contains(expected), "\(message)", sourceLocation: sourceLocation)
        #expect(message.contains("Usage:"), "\(message)", sourceLocation: sourceLocation)
    }

    /// Expects `arguments` to fail while running: the message names `expected`, without usage, exit 1.
    func expectRunTimeError(_ arguments: [String], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let (code, message) = failure(arguments, sourceLocation: sourceLocation) else { return }
        #expect(code == .failure, "\(message)", sourceLocation: sourceLocation)
        #expect(message.contains(expected), "\(message)", sourceLocation: sourceLocation)
        #expect(!message.contains("Usage:"), "\(message)", sourceLocation: sourceLocation)
    }

    /// An untrained model over the sample's classes, saved at `path`.
    func saveModel(at path: String, head: Head = .embedding(dimension: 16), seed: UInt64 = 1, side: Int = 28) throws {
        let classNames = try DatasetSource(parsing: sample).load(imageSize: ImageSize(height: 28, width: 28), channels: 1).dataset.classNames
        let architecture = ModelDescription(backbone: .reference, head: head, channels: 1, height: side, width: side)
        try ModelArchive(network: architecture.makeNetwork(seed: seed), architecture: architecture, classNames: classNames).save(to: path)
    }

    func text(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func aSplitIsWrittenStratified() throws {
        let dir = try TemporaryFolder()
        try run(["data", "split", sample, "--validation-fraction", "0.2", "--test-fraction", "0.1", "--seed", "3", "-o", dir.path + "/split.json"])
        let split = try SplitFile.read(dir.path + "/split.json")
        #expect(split.dataset == sample && split.seed == 3)
        #expect(split.validation.count == 40)
        #expect(split.test.count == 20)
        let loaded = try DatasetSource(parsing: sample).load()
        #expect(Set(split.train + split.validation + split.test) == Set(loaded.dataset.ids))
        #expect(split.fingerprint == loaded.dataset.fingerprint(of: loaded.selection))
    }

    @Test func aPartOfASplitIsADatasetForEveryCommand() throws {
        let dir = try TemporaryFolder()
        try run(["data", "split", sample, "--validation-fraction", "0.2", "--test-fraction", "0.1", "-o", dir.path + "/split.json"])
        try saveModel(at: dir.path + "/model.h5")
        try run(["embed", "--model", dir.path + "/model.h5", "--dataset", dir.path + "/split.json:test", "-o", dir.path + "/test.h5"])
        let store = try EmbeddingStore.open(dir.path + "/test.h5")
        let split = try SplitFile.read(dir.path + "/split.json")
        #expect(store.count == 20)
        #expect(Set(try store.readAll().ids) == Set(split.test))
        // A split of a part names that part, as given.
        try run(["data", "split", dir.path + "/split.json:train", "--test-fraction", "0.5", "-o", dir.path + "/nested.json"])
        let nested = try SplitFile.read(dir.path + "/nested.json")
        #expect(nested.dataset == dir.path + "/split.json:train")
        #expect(Set(nested.train + nested.validation + nested.test) == Set(split.train))

        try Data(#"{"train": [0, 1], "validation": [2], "test": [3]}"#.utf8).write(to: URL(fileURLWithPath: dir.path + "/old.json"))
        expectRunTimeError(["data", "inspect", dir.path + "/old.json:train"], "re-run likeness data split")
    }

    @Test func embedAppendAddsNewClassesAndChecksTheStoreFirst() throws {
        let dir = try TemporaryFolder()
        let folder = repositoryRoot + "/Datasets/sample/image-folder"
        try saveModel(at: dir.path + "/model.h5")
        try run(["embed", "--model", dir.path + "/model.h5", "--dataset", sample, "-o", dir.path + "/store.h5"])
        let before = try EmbeddingStore.open(dir.path + "/store.h5")
        let rows = try before.readAll()
        try run(["embed", "--model", dir.path + "/model.h5", "--dataset", folder, "--append", "-o", dir.path + "/store.h5"])
        let after = try EmbeddingStore.open(dir.path + "/store.h5")
        let folderClasses = try ImageFolder(directory: folder).classNames
        #expect(after.classNames == before.classNames + folderClasses)
        let all = try after.readAll()
        #expect(Array(all.labels.prefix(before.count)) == rows.labels, "the stored rows keep their labels")
        #expect(all.count == before.count + 30)
        #expect(Set(all.labels.suffix(30)) == Set(before.classNames.count..<(before.classNames.count + 10)))

        // Another model's embeddings are refused, naming the store and the model, and nothing changes.
        try saveModel(at: dir.path + "/other.h5", seed: 2)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/store.h5"))
        expectRunTimeError(["embed", "--model", dir.path + "/other.h5", "--dataset", sample, "--append", "-o", dir.path + "/store.h5"],
                           dir.path + "/other.h5")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/store.h5")) == bytes)
    }

    @Test func oneShotRunsOnAnyLabelledDatasets() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/model.h5")
        let datasets = oneShotSample
        try run(["one-shot", "--model", dir.path + "/model.h5", "--novel-classes", "Sandal,7", "--draws", "3", "--json",
                 "-o", dir.path + "/one-shot.json"] + datasets)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/one-shot.json"))) as? [String: Any])
        #expect(report["novel_classes"] as? [String] == ["Sandal", "Sneaker"])
        #expect(report["known"] as? String == "fashion-mnist:train" && report["test"] as? String == "fashion-mnist:test")
        let recall = try #require(report["recall"] as? [String: Double])
        #expect(Set(recall.keys) == Set(FashionMNIST.classNames))

        // The same measure computed with the library: known classes from their sample images,
        // each novel class from one of its sample images, the t10k sample classified.
        let archive = try ModelArchive.load(dir.path + "/model.h5")
        let train = try FashionMNIST.load(split: .train, directory: sample), test = try FashionMNIST.load(split: .test, directory: sample)
        let novel = [5, 7], known = [0, 1, 2, 3, 4, 6, 8, 9]
        let knownIndices = (0..<train.count).filter { known.contains(train.labels[$0]) }
        let expected = try OneShotEvaluation(knownClasses: known, novelClasses: novel, draws: 3).run(
            known: (archive.outputs(for: train, indices: knownIndices), train.labels(knownIndices)),
            candidates: novel.map { c in archive.outputs(for: train, indices: (0..<train.count).filter { train.labels[$0] == c }) },
            test: (archive.outputs(for: test, indices: Array(0..<test.count)), test.labels))
        // (JSON text round-trips a double to within its last digit.)
        func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }
        let perDraw = try #require(report["accuracy_per_draw"] as? [Double])
        #expect(perDraw.count == 3 && zip(perDraw, expected.accuracyPerDraw).allSatisfy { close($0, $1) }, "\(perDraw)")
        #expect(close(recall["Sandal"], expected.novelRecall[0]) && close(recall["Sneaker"], expected.novelRecall[1]), "\(recall) \(expected)")
        #expect(zip([0, 1, 2, 3, 4, 6, 8, 9], expected.knownRecall).allSatisfy { close(recall[FashionMNIST.classNames[$0]], $1) })

        // Parts of a split file are datasets like any other.
        try run(["data", "split", sample, "--validation-fraction", "0.2", "--test-fraction", "0.3", "-o", dir.path + "/split.json"])
        try run(["one-shot", "--model", dir.path + "/model.h5", "--known", dir.path + "/split.json:train",
                 "--shots", dir.path + "/split.json:validation", "--test", dir.path + "/split.json:test",
                 "--novel-classes", "8", "--draws", "2", "-o", dir.path + "/split-one-shot.json"])
        let split = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/split-one-shot.json"))) as? [String: Any])
        #expect(split["novel_classes"] as? [String] == ["8"] && split["shots"] as? String == dir.path + "/split.json:validation")

        expectRunTimeError(["one-shot", "--model", dir.path + "/model.h5", "--novel-classes", "Sandle"] + datasets,
                           "no class is named 'Sandle'; did you mean 'Sandal'?")
        expectRunTimeError(["one-shot", "--model", dir.path + "/model.h5", "--novel-classes", "Sandal", "--shots", dir.path + "/split.json:test",
                            "--known", "fashion-mnist:train", "--test", "fashion-mnist:test", "--data-directory", sample],
                           "class '0' is not a class of --test")
        expectArgumentError(["one-shot", "--model", dir.path + "/model.h5", "--test", "no-such-set"], "--test: 'no-such-set' is neither")
    }

    /// A negative number is the option's value, refused for its range, not read as an option
    /// (ArgumentParser's "Missing value for '--draws'" otherwise).
    @Test func theLongTailLossesRefuseOptionsThatContradictThem() {
        let train = ["train", sample, "--head", "softmax", "-o", "m.h5"]
        expectArgumentError(train + ["--loss", "logit-adjusted", "--class-weights", "balanced"],
                            "--loss logit-adjusted corrects for the training prior itself: leave --class-weights out")
        expectArgumentError(train + ["--loss", "balanced-softmax", "--class-weights", "effective"], "--loss balanced-softmax corrects for")
        expectArgumentError(train + ["--loss", "focal", "--reweight-from", "3"], "--reweight-from is ldam's deferred re-weighting")
        expectArgumentError(train + ["--loss", "ldam", "--ldam-scale", "0"], "--ldam-scale must be positive, not 0.0.")
        expectArgumentError(train + ["--loss", "logit-adjusted", "--tau", "-1"], "--tau must be 0 or more")
        expectArgumentError(["train", sample, "--head", "embedding", "--loss", "ldam", "-o", "m.h5"],
                            "--loss ldam is a loss of the softmax head; the embedding head takes triplet")
    }

    @Test func mixingAndTauNormalizationRefuseWhatTheyCannotDo() {
        let train = ["train", sample, "--head", "softmax", "-o", "m.h5"]
        expectArgumentError(train + ["--mixup", "0"], "--mixup is the α of Beta(α, α) and must be positive, not 0.0")
        expectArgumentError(train + ["--cutmix", "-1"], "--cutmix is the α of Beta(α, α) and must be positive, not -1.0")
        expectArgumentError(train + ["--mix-below", "100"], "--mix-below needs --mixup or --cutmix")
        expectArgumentError(train + ["--mixup", "0.2", "--mix-below", "0"], "--mix-below must be positive, not 0.")
        expectArgumentError(train + ["--second-stage-reinitialize"], "--second-stage-reinitialize starts the second stage's head afresh: give --second-stage EPOCHS too.")
        expectArgumentError(train + ["--loss", "ldam", "--cutmix", "1"], "--loss ldam puts its margin on one true class and takes no mixed labels")
        expectArgumentError(train + ["--tau-normalize", "-1"], "--tau-normalize must be 0 or more (1 gives every class's weight row unit length) or auto, not -1.0.")
        expectArgumentError(train + ["--tau-normalize", "x"], "The value 'x' is invalid for '--tau-normalize <τ|auto>'")
        for option in [["--mixup", "0.2"], ["--cutmix", "1"], ["--tau-normalize", "auto"], ["--calibrate-offsets"]] {
            expectArgumentError(["train", sample, "--head", "embedding", "-o", "m.h5"] + option, "\(option[0]) is for the softmax head (--head softmax)")
        }
    }

    /// `--schedule cosine` reaches both heads' recipes, and the model's record says so.
    @Test func theScheduleIsTrainedWithAndRecorded() throws {
        let dir = try TemporaryFolder()
        for head in ["softmax", "embedding"] {
            let path = dir.file("\(head).h5")
            try run(["train", sample, "--head", head, "--epochs", "2", "-P", "4", "-K", "4", "--schedule", "cosine", "-o", path])
            #expect(try ModelArchive.load(path).training?.settings?.schedule == "\(LearningRateSchedule.cosine(period: 2))", "\(head)")
        }
        try run(["train", sample, "--head", "softmax", "--epochs", "1", "-o", dir.file("constant.h5")])
        #expect(try ModelArchive.load(dir.file("constant.h5")).training?.settings?.schedule == "\(LearningRateSchedule.constant)")
        expectArgumentError(["train", sample, "--schedule", "linear", "-o", "m.h5"], "The value 'linear' is invalid for '--schedule <schedule>'")
    }

    /// `--precision bf16` trains where the processor has bfloat16 kernels — the record says so,
    /// and the weights differ from a float32 run of the same seed (the convolutions rounded) — and is
    /// refused, naming the instruction set, where it has not.
    @Test func bfloat16TrainingIsRecordedOrRefused() throws {
        let dir = try TemporaryFolder()
        let common = ["train", sample, "--head", "softmax", "--epochs", "1", "--threads", "2"]
        guard Precision.bfloat16.isAvailable else {
            expectArgumentError(common + ["--precision", "bf16", "-o", dir.file("bf16.h5")], "needs a processor with AVX-512 BF16 or AMX")
            return
        }
        try run(common + ["--precision", "bf16", "-o", dir.file("bf16.h5")])
        try run(common + ["-o", dir.file("f32.h5")])
        let reduced = try ModelArchive.load(dir.file("bf16.h5")), plain = try ModelArchive.load(dir.file("f32.h5"))
        #expect(reduced.training?.settings?.precision == "bf16" && plain.training?.settings?.precision == nil)
        #expect(reduced.network.weightDigest != plain.network.weightDigest)
    }

    /// `--calibrate-offsets` fits the logit offsets after training; the model's record keeps
    /// them, its settings say so, and the head predicts with them.
    @Test func logitOffsetsAreCalibratedAndRecorded() throws {
        let dir = try TemporaryFolder()
        for (name, options) in [("plain", [String]()), ("offsets", ["--calibrate-offsets"])] {
            try run(["train", sample, "--head", "softmax", "--epochs", "1", "-o", dir.file("\(name).h5")] + options)
        }
        let plain = try ModelArchive.load(dir.file("plain.h5")), calibrated = try ModelArchive.load(dir.file("offsets.h5"))
        let calibration = try #require(calibrated.training?.offsetCalibration)
        #expect(calibration.offsets.count == calibrated.classNames.count && plain.training?.offsetCalibration == nil)
        guard case .softmax(let settings)? = calibrated.training?.settings?.head else { Issue.record("no softmax settings"); return }
        #expect(settings.calibratesOffsets == true)
        let bias = { (archive: ModelArchive) in (archive.network.layers.last!.layer as! Linear).bias.value.scalars }
        #expect(bias(calibrated) == zip(bias(plain), calibration.offsets).map { $0 + $1 })
    }

    /// `calibrate-offsets` gives a trained softmax model what `train --calibrate-offsets` would
    /// have: its head's bias moved by the offsets fitted on the dataset, the rest of the weights
    /// as they were; a second calibration, on other images, adds to the first in the record. An embedding model, a
    /// dataset without the model's classes and an output over the model are refused.
    @Test func offsetsAreCalibratedOnATrainedModel() throws {
        let dir = try TemporaryFolder()
        let trained = dir.file("trained.h5"), once = dir.file("once.h5"), twice = dir.file("twice.h5")
        try run(["train", sample, "--head", "softmax", "--epochs", "1", "-o", trained])
        try run(["calibrate-offsets", "--model", trained, "--dataset", sample, "-o", once])
        try run(["data", "split", sample, "--validation-fraction", "0.3", "-o", dir.file("split.json")])
        try run(["calibrate-offsets", "--model", once, "--dataset", dir.file("split.json") + ":validation", "-o", twice])
        let models = try [trained, once, twice].map { try ModelArchive.load($0) }
        let bias = { (archive: ModelArchive) in (archive.network.layers.last!.layer as! Linear).bias.value.scalars }
        let first = try #require(models[1].training?.offsetCalibration), total = try #require(models[2].training?.offsetCalibration)
        #expect(bias(models[1]) == zip(bias(models[0]), first.offsets).map { $0 + $1 })
        #expect(zip(bias(models[2]), zip(bias(models[0]), total.offsets).map { $0 + $1 }).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(first.offsets.contains { $0 != 0 } && total.offsets != first.offsets)
        let weights = { (archive: ModelArchive) in
            archive.network.parameters.filter { $0.name != archive.network.layers.last!.name + ".bias" }.map(\.parameter.value)
        }
        #expect(weights(models[0]) == weights(models[1]) && weights(models[0]).count == models[0].network.parameters.count - 1)
        // The model predicts with the offsets: the sample's images under the fitted offsets.
        let loaded = try DatasetSource(parsing: sample).load(imageSize: ImageSize(height: 28, width: 28), channels: 1).dataset
        let logits = models[0].network.outputs(for: loaded, indices: Array(0..<loaded.count))
        #expect(first.offsets == LogitOffsets.fit(logits: logits, labels: loaded.labels).offsets)

        try saveModel(at: dir.file("embedder.h5"))
        expectRunTimeError(["calibrate-offsets", "--model", dir.file("embedder.h5"), "--dataset", sample, "-o", dir.file("x.h5")],
                           "logit offsets are for softmax models")
        expectRunTimeError(["calibrate-offsets", "--model", trained, "--dataset", repositoryRoot + "/Datasets/sample/shapes/train", "-o", dir.file("x.h5")],
                           "has no image of the model's classes")
        expectArgumentError(["calibrate-offsets", "--model", trained, "--dataset", sample, "-o", trained], "writing it would destroy it")
    }

    @Test func aDatasetGivenAsAnImageIsPointedToDataset() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.file("model.h5"))
        expectArgumentError(["embed", "--model", dir.file("model.h5"), dir.file("set.h5"), "-o", dir.file("store.h5")],
                            "IMAGE \(dir.file("set.h5")) is a dataset, not a PNG or JPEG image: give it as --dataset \(dir.file("set.h5")).")
        expectArgumentError(["embed", "--model", dir.file("model.h5"), sample, "-o", dir.file("store.h5")], "give it as --dataset \(sample)")
        expectArgumentError(["query", "--store", dir.file("store.h5"), "--model", dir.file("model.h5"), dir.file("t10k-images-idx3-ubyte.gz")],
                            "is a dataset, not a PNG or JPEG image")
    }

    @Test func negativeNumbersAreValuesRefusedByRange() {
        expectArgumentError(["one-shot", "--model", "m.h5", "--draws", "-1"], "--draws must be at least 1, not -1.")
        expectArgumentError(["data", "split", sample, "--validation-fraction", "-0.1", "-o", "s.json"], "got -0.1 and 0.1")
        expectArgumentError(["data", "imbalance", sample, "--exponential", "-5", "-o", "p.json"], "--exponential must be a ratio of at least 1")
        expectArgumentError(["data", "split", sample, "--seed", "-1", "-o", "s.json"], "The value '-1' is invalid for '--seed <seed>'")
        expectArgumentError(["one-shot", "--model", "m.h5", "--augment-shots", "-2"], "--augment-shots takes 0 to")
    }

    /// `--episodes`: each known class in turn enrolled from one of the dataset's images, as
    /// `OneShotEvaluation.knownClassEpisodes` runs them; with several models, their mean; never
    /// on the test set.
    @Test func oneShotEpisodesRunOnTheKnownClasses() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/a.h5")
        try saveModel(at: dir.path + "/b.h5", seed: 2)
        let datasets = oneShotSample + ["--draws", "3"]
        try run(["one-shot", "--model", dir.path + "/a.h5", "--episodes", "fashion-mnist:train", "--score", "shot-adjusted",
                 "-o", dir.path + "/a.json"] + datasets)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/a.json"))) as? [String: Any])
        let episodes = try #require(report["episodes"] as? [String: Any])
        #expect(episodes["dataset"] as? String == "fashion-mnist:train")

        let archive = try ModelArchive.load(dir.path + "/a.h5")
        let train = try FashionMNIST.load(split: .train, directory: sample)
        let known = [0, 1, 2, 3, 4, 6, 8, 9]
        let knownIndices = (0..<train.count).filter { known.contains(train.labels[$0]) }
        let embeddings = archive.outputs(for: train, indices: knownIndices)
        let expected = try OneShotEvaluation.knownClassEpisodes(
            knownClasses: known, draws: 3, enrolment: ShotEnrolment(score: .shotAdjusted),
            training: (embeddings, train.labels(knownIndices)), validation: (embeddings, train.labels(knownIndices)))
        func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }
        #expect(close(episodes["mean_balanced_accuracy"] as? Double, expected.meanBalancedAccuracy), "\(episodes)")
        #expect(close(episodes["mean_one_shot_recall"] as? Double, expected.meanOneShotRecall))
        let recall = try #require(episodes["one_shot_recall"] as? [String: Double])
        #expect(zip(known, expected.oneShotRecall).allSatisfy { close(recall[FashionMNIST.classNames[$0]], $1) }, "\(recall)")

        try run(["one-shot", "--model", dir.path + "/a.h5", "--model", dir.path + "/b.h5", "--episodes", "fashion-mnist:train",
                 "-o", dir.path + "/seeds.json"] + datasets)
        let seeds = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/seeds.json"))) as? [String: Any])
        let runs = try #require(seeds["runs"] as? [[String: Any]])
        let means = runs.map { ($0["episodes"] as? [String: Any])?["mean_balanced_accuracy"] as? Double ?? -1 }
        #expect(close((seeds["mean"] as? [String: Any])?["episodes_balanced_accuracy"] as? Double, (means[0] + means[1]) / 2), "\(means)")

        expectArgumentError(["one-shot", "--model", dir.path + "/a.h5", "--episodes", "fashion-mnist:test"],
                            "--episodes never takes the test set (--test fashion-mnist:test)")
        expectArgumentError(["one-shot", "--model", dir.path + "/a.h5", "--episodes", "no-such-set"], "--episodes: 'no-such-set' is neither")
    }

    /// `--model` repeated (one per training seed): each model's report as one model's run gives
    /// it, their mean and the sample standard deviation of their figures.
    @Test func oneShotMeasuresSeveralSeedsModels() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/a.h5")
        try saveModel(at: dir.path + "/b.h5", seed: 2)
        let datasets = oneShotSample + ["--draws", "3"]
        var single: [[String: Any]] = []
        for model in ["a", "b"] {
            try run(["one-shot", "--model", "\(dir.path)/\(model).h5", "-o", "\(dir.path)/\(model).json"] + datasets)
            single.append(try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir.path)/\(model).json"))) as? [String: Any]))
        }
        try run(["one-shot", "--model", dir.path + "/a.h5", "--model", dir.path + "/b.h5", "-o", dir.path + "/seeds.json"] + datasets)
        let seeds = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/seeds.json"))) as? [String: Any])
        let runs = try #require(seeds["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        let accuracies = single.map { $0["accuracy"] as? Double ?? -1 }
        #expect(zip(runs, accuracies).allSatisfy { abs(($0["accuracy"] as? Double ?? -2) - $1) < 1e-12 }, "each run is that model's report")
        let mean = try #require(seeds["mean"] as? [String: Any]), spread = try #require(seeds["seed_spread"] as? [String: Any])
        #expect(abs((mean["accuracy"] as? Double ?? -1) - (accuracies[0] + accuracies[1]) / 2) < 1e-12)
        #expect(abs((spread["accuracy"] as? Double ?? -1) - abs(accuracies[0] - accuracies[1]) / 2.squareRoot()) < 1e-12)
        let sandal = single.map { ($0["recall"] as? [String: Double])?["Sandal"] ?? -1 }
        #expect(abs(((mean["recall"] as? [String: Double])?["Sandal"] ?? -1) - (sandal[0] + sandal[1]) / 2) < 1e-12)
    }

    /// --majority-class and --minority-class take names as well as indices, through the same
    /// resolver as --exclude-classes; one class given twice is refused.
    @Test func binaryImbalanceTakesClassNames() throws {
        let dir = try TemporaryFolder()
        let images = ["data", "imbalance", repositoryRoot + "/Datasets/sample/image-folder", "--image-size", "8", "--binary", "3"]
        try run(images + ["--majority-class", "1-Trouser", "--minority-class", "0", "-o", dir.path + "/b.json"])
        let selection = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/b.json"))) as? [String: Any])
        #expect(selection["class_counts"] as? [Int] == [1, 3, 0, 0, 0, 0, 0, 0, 0, 0])
        expectRunTimeError(images + ["--majority-class", "1", "--minority-class", "1-Trouser"],
                           "--majority-class 1 and --minority-class 1-Trouser are one class, 1 (1-Trouser): give two.")
        expectRunTimeError(images + ["--minority-class", "1-Trousers"],
                           "--minority-class 1-Trousers: no class is named '1-Trousers'; did you mean '1-Trouser'?")
        expectArgumentError(images + ["--minority-class", "1,2"], "--minority-class takes one class, not 2")
    }

    @Test func theOldSpellingsAreAliasesOfTheNewOnes() throws {
        let dir = try TemporaryFolder()
        try run(["data", "split", sample, "--validation-fraction", "0.2", "--test-fraction", "0.3", "-o", dir.path + "/new.json"])
        try run(["data", "split", sample, "--validation", "0.2", "--test", "0.3", "-o", dir.path + "/old.json"])
        #expect(try text(dir.path + "/new.json") == text(dir.path + "/old.json"))

        try run(["data", "imbalance", sample, "--exponential", "10", "--seed", "4", "-o", dir.path + "/new.json"])
        try run(["data", "imbalance", sample, "--exponential", "10", "--random-seed", "4", "-o", dir.path + "/old.json"])
        #expect(try text(dir.path + "/new.json") == text(dir.path + "/old.json"))
        try run(["data", "imbalance", sample, "--exponential", "10", "--out", dir.path + "/out.json"])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/out.json"))

        expectArgumentError(["data", "split", sample, "--validation", "0.2", "--validation-fraction", "0.2"],
                            "Give --validation-fraction once: --validation is its old spelling.")
        expectArgumentError(["data", "imbalance", sample, "--exponential", "10", "-o", "a.json", "--out", "b.json"],
                            "Give --output once: --out is its old spelling.")
    }

    @Test func argumentErrorsPrintTheUsageAndExit64() {
        expectArgumentError(["data", "split", sample, "--validation-fraction", "0.8", "--test-fraction", "0.3"],
                            "--validation-fraction and --test-fraction must be fractions")
        expectArgumentError(["data", "inspect", sample, "--image-size", "0x28"], "--image-size")
        expectArgumentError(["data", "imbalance", sample, "--binary", "1:4"], "--binary")
        expectArgumentError(["data", "export", sample], "-o/--output")
        expectArgumentError(["data", "inspect", "no-such-dataset"], "neither a built-in dataset")
    }

    @Test func imageSizesAreOneOrTwoSides() {
        #expect(ImageSize(argument: "28") == ImageSize(height: 28, width: 28))
        #expect(ImageSize(argument: "32X48") == ImageSize(height: 32, width: 48))
        for bad in ["", "0", "4097", "28x", "x28", "2x3x4", "a"] { #expect(ImageSize(argument: bad) == nil, "\(bad)") }
    }

    @Test func aModelFileThatIsNoModelIsARunTimeError() throws {
        let dir = try TemporaryFolder()
        try "not a model".write(toFile: dir.path + "/model.h5", atomically: true, encoding: .utf8)
        expectRunTimeError(["embed", "--model", dir.path + "/model.h5", "--dataset", sample, "-o", dir.path + "/store.h5"], "model.h5")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/store.h5"))
    }

    @Test func aGalleryOfAnotherModelIsARunTimeError() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/a.h5", seed: 1)
        try saveModel(at: dir.path + "/b.h5", seed: 2)
        let gallery = dir.path + "/gallery.h5"
        try run(["enroll", "--model", dir.path + "/a.h5", "--gallery", gallery, "--dataset", sample])
        let before = try Data(contentsOf: URL(fileURLWithPath: gallery))
        // The message names both files: the gallery and the model.
        for command in ["enroll", "classify", "calibrate"] {
            guard let (_, message) = failure([command, "--model", dir.path + "/b.h5", "--gallery", gallery, "--dataset", sample]) else { continue }
            #expect(message.contains("model_digest") && message.contains(gallery) && message.contains("the model \(dir.path)/b.h5"),
                    "\(command): \(message)")
        }
        expectRunTimeError(["classify", "--model", dir.path + "/b.h5", "--gallery", gallery, "--dataset", sample], "model_digest")
        #expect(try Data(contentsOf: URL(fileURLWithPath: gallery)) == before)
    }

    @Test func dataThatDoesNotFitIsARunTimeError() throws {
        let dir = try TemporaryFolder()
        expectRunTimeError(["train", sample, "--exclude-classes", "12", "-o", dir.path + "/model.h5"],
                           "--exclude-classes 12: the dataset's classes are 0 to 9")
        try saveModel(at: dir.path + "/softmax.h5", head: .softmax(classCount: 10))
        expectRunTimeError(["embed", "--model", dir.path + "/softmax.h5", "--dataset", sample, "-o", dir.path + "/store.h5"], "softmax head")
        expectRunTimeError(["enroll", "--model", dir.path + "/softmax.h5", "--gallery", dir.path + "/gallery.h5", "--class", "X",
                            repositoryRoot + "/Datasets/sample/image-folder/5-Sandal/" + (try sandal())], "softmax head")
    }

    @Test func predictRefusesAnEmbeddingModel() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/embedder.h5")
        expectRunTimeError(["predict", "--model", dir.path + "/embedder.h5", "--dataset", sample],
                           "has an embedding head of dimension 16; predict needs a softmax model")
        expectRunTimeError(["predict", "--model", dir.path + "/embedder.h5", "--dataset", sample], "likeness classify with a gallery")
        expectArgumentError(["predict", "--model", dir.path + "/embedder.h5", "--dataset", sample, "-k", "0"], "-k/--top must be at least 1")
    }

    @Test func headsAreNamedInWords() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/embedder.h5")
        expectRunTimeError(["compare", sample, "--softmax", dir.path + "/embedder.h5", "--embedding", dir.path + "/embedder.h5",
                            "--gallery", dir.path + "/gallery.h5", "-o", dir.path + "/report"],
                           "it has an embedding head of dimension 16, classes 0, 1,")
    }

    @Test func compareRefusesModelsOfDifferentInputs() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/softmax.h5", head: .softmax(classCount: 10))
        try saveModel(at: dir.path + "/embedder.h5", side: 32)
        expectRunTimeError(["compare", sample, "--softmax", dir.path + "/softmax.h5", "--embedding", dir.path + "/embedder.h5",
                            "--gallery", dir.path + "/gallery.h5", "-o", dir.path + "/report"],
                           "--softmax \(dir.path)/softmax.h5 takes 1×28×28 images and --embedding \(dir.path)/embedder.h5 1×32×32")
    }

    @Test func compareOneShotDrawsNeedTheirImagesAndNotTheComparedOnes() throws {
        let dir = try TemporaryFolder()
        try saveModel(at: dir.path + "/softmax.h5", head: .softmax(classCount: 10))
        try saveModel(at: dir.path + "/embedder.h5")
        let compare = ["compare", sample, "--softmax", dir.path + "/softmax.h5", "--embedding", dir.path + "/embedder.h5",
                       "--gallery", dir.path + "/gallery.h5", "-o", dir.path + "/report"]
        expectArgumentError(compare + ["--shots", "fashion-mnist:validation"], "--shots needs --one-shot-draws")
        expectArgumentError(compare + ["--one-shot-draws", "20"], "--one-shot-draws needs --shots")
        expectArgumentError(compare + ["--one-shot-draws", "0", "--shots", "fashion-mnist:validation"], "--one-shot-draws must lie in 1…1000, not 0")
        expectArgumentError(compare + ["--one-shot-draws", "-2", "--shots", "fashion-mnist:validation"], "--one-shot-draws must lie in 1…1000, not -2")
        expectArgumentError(compare + ["--one-shot-draws", "5", "--shots", sample], "--shots \(sample) is the compared dataset")
        expectArgumentError(compare + ["--one-shot-draws", "5", "--shots", dir.path + "/nowhere"], "is neither a built-in dataset")
        // A model without a training record saw every class: nothing is one-shot.
        var enrol = try LikenessCommand.parseAsRoot(["enroll", "--model", dir.path + "/embedder.h5", "--gallery", dir.path + "/gallery.h5", "--dataset", sample])
        try enrol.run()
        expectRunTimeError(compare + ["--one-shot-draws", "5", "--shots", repositoryRoot + "/Datasets/sample/shapes/test"], "--one-shot-draws: no class is one-shot here")
    }

    func sandal() throws -> String {
        try #require(try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Datasets/sample/image-folder/5-Sandal").sorted().first)
    }
}

/// The exit policy as the built `likeness` shows it: status and standard error.
@Suite("likeness exit status", .serialized, .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct ExitStatusTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"

    @Test func anArgumentErrorPrintsTheUsageAndExits64() throws {
        let dir = try TemporaryFolder()
        let run = try runLikenessToEnd(["data", "split", sample, "--validation-fraction", "2"], in: dir.path)
        #expect(run.status == 64, "\(run.err)")
        #expect(run.err.contains("Usage: likeness data split"), "\(run.err)")
    }

    @Test func aRunTimeErrorPrintsNoUsageAndExits1() throws {
        let dir = try TemporaryFolder()
        try "not a model".write(toFile: dir.path + "/model.h5", atomically: true, encoding: .utf8)
        let run = try runLikenessToEnd(["embed", "--model", "model.h5", "--dataset", sample, "-o", "store.h5"], in: dir.path)
        #expect(run.status == 1, "\(run.err)")
        #expect(run.err.contains("Error: ") && run.err.contains("model.h5"), "\(run.err)")
        #expect(!run.err.contains("Usage:"), "\(run.err)")
    }

    @Test func anOldSpellingWarnsOnStandardError() throws {
        let dir = try TemporaryFolder()
        let run = try runLikeness(["data", "split", sample, "--validation", "0.2", "-o", "split.json"], in: dir.path)
        #expect(run.err.contains("warning: --validation is deprecated; use --validation-fraction"), "\(run.err)")
    }

    @Test func aMistypedSubcommandOrOptionGetsASuggestion() throws {
        let dir = try TemporaryFolder()
        let cases: [([String], String, String)] = [
            (["trian"], "Unknown subcommand 'trian'. Did you mean 'train'?", "Usage: likeness <subcommand>"),
            (["data", "splt", sample], "Unknown subcommand 'splt'. Did you mean 'split'?", "Usage: likeness data <subcommand>"),
            // Named before the validation error the parser meets first ('3' is no dataset).
            (["train", "--epoch", "3", sample, "-o", "m.h5"], "Unknown option '--epoch'. Did you mean '--epochs'?", "Usage: likeness train"),
            // Named before the missing --model the parser reports otherwise.
            (["classify", "--modle", "m.h5", "x.png"], "Unknown option '--modle'. Did you mean '--model'?", "Usage: likeness classify"),
            (["embed", "--model", "m.h5", "--apend", "x.png"], "Unknown option '--apend'. Did you mean '--append'?", "Usage: likeness embed"),
        ]
        for (arguments, message, usage) in cases {
            let run = try runLikenessToEnd(arguments, in: dir.path)
            #expect(run.status == 64, "\(arguments): \(run.err)")
            #expect(run.err.hasPrefix("Error: \(message)\n"), "\(arguments): \(run.err)")
            #expect(run.err.contains(usage), "\(arguments): \(run.err)")
        }
        // Nothing near: the name alone, no suggestion.
        let far = try runLikenessToEnd(["xyzzy"], in: dir.path)
        #expect(far.status == 64 && far.err.hasPrefix("Error: Unknown subcommand 'xyzzy'\n"), "\(far.err)")
        // Other argument errors keep the parser's message.
        let other = try runLikenessToEnd(["data", "split", sample, "--validation-fraction", "2"], in: dir.path)
        #expect(other.err.contains("--validation-fraction and --test-fraction must be fractions"), "\(other.err)")
    }

    @Test func ctrlCDuringTrainingPrintsTheCommandThatResumes() throws {
        let dir = try TemporaryFolder()
        let arguments = ["train", sample, "--epochs", "4", "-P", "4", "-K", "4", "-o", "m.h5", "--checkpoint", "ck.h5", "--threads", "2"]
        let process = try likenessProcess(arguments, in: dir.path)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date(timeIntervalSinceNow: 60)
        while !FileManager.default.fileExists(atPath: dir.path + "/ck.h5") && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // At once: the checkpoint has just been renamed into place, and Ctrl-C must wait for its
        // epoch to be recorded rather than say that nothing can be resumed.
        process.interrupt()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        let hint = try #require(stderr.split(separator: "\n").drop { !$0.contains("Resume with:") }.dropFirst().first, "\(stderr)")
        #expect(hint == "  likeness " + arguments.joined(separator: " ") + " --resume", "\(stderr)")
        let epoch = try #require(stderr.firstRange(of: "holds epoch ").map { Int(stderr[$0.upperBound...].prefix { $0.isNumber }) } ?? nil,
                                 "\(stderr)")
        #expect(stderr.contains("the checkpoint ck.h5 holds epoch \(epoch)") && (1...3).contains(epoch), "\(stderr)")
        #expect(try ModelArchive.load(dir.path + "/ck.h5").checkpoint?.epoch == epoch, "the checkpoint is intact")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/m.h5"))

        // The printed command resumes after that epoch and trains the rest, each epoch's final line once.
        let resumed = try runLikeness(hint.split(separator: " ").dropFirst().map(String.init), in: dir.path)
        #expect(resumed.err.contains("resuming from ck.h5 after epoch \(epoch)"), "\(resumed.err)")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/m.h5"))
        for e in (epoch + 1)...4 {
            #expect(resumed.err.components(separatedBy: "epoch \(e)/4: 100%").count == 2, "\(resumed.err)")
        }
        #expect(resumed.err.contains("run ETA"), "\(resumed.err)")
    }

    @Test func calibrateHelpShowsNoImageArguments() throws {
        let dir = try TemporaryFolder()
        let help = try runLikeness(["calibrate", "--help"], in: dir.path).out
        #expect(help.contains("--dataset <dataset>") && help.contains("--model <file>"), "\(help)")
        #expect(!help.contains("<image>"), "\(help)")
        try "not read".write(toFile: dir.path + "/m.h5", atomically: true, encoding: .utf8)
        let images = try runLikenessToEnd(["calibrate", "--model", "m.h5", "--gallery", "g.h5", "--dataset", sample, "x.png"], in: dir.path)
        #expect(images.status == 64 && images.err.contains("Unexpected argument 'x.png'"), "\(images.err)")
    }

    @Test func embedAppendRefusesAnotherModelBeforeEmbedding() throws {
        let dir = try TemporaryFolder()
        for (name, seed) in [("model.h5", 1), ("other.h5", 2)] {
            let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 16), channels: 1, height: 28, width: 28)
            try ModelArchive(network: architecture.makeNetwork(seed: UInt64(seed)), architecture: architecture,
                             classNames: FashionMNIST.classNames).save(to: dir.path + "/" + name)
        }
        try runLikeness(["embed", "--model", "model.h5", "--dataset", sample, "-o", "store.h5"], in: dir.path)
        let run = try runLikenessToEnd(["embed", "--model", "other.h5", "--dataset", sample, "--append", "-o", "store.h5"], in: dir.path)
        #expect(run.status == 1)
        #expect(run.err.contains("store.h5") && run.err.contains("other.h5") && run.err.contains("embeddings from another model"), "\(run.err)")
        #expect(!run.err.contains("embedding:"), "no image was embedded: \(run.err)")
    }

    @Test func versionAndHelpPrintNoSwiftDescriptions() throws {
        let dir = try TemporaryFolder()
        let version = try runLikeness(["--version"], in: dir.path)
        #expect(version.out.trimmingCharacters(in: .whitespacesAndNewlines) == LikenessVersion.current)
        let help = try runLikeness(["one-shot", "--help"], in: dir.path).out
        #expect(help.contains("5,7)"), "\(help)")
        #expect(!help.contains("ClassList"), "\(help)")
        let predict = try runLikeness(["predict", "--help"], in: dir.path).out
        #expect(predict.contains("-k, --top") && predict.contains("Examples:"), "\(predict)")
    }
}
