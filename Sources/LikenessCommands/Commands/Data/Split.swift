import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand.Data {
    /// `likeness data split DATASET`: a stratified train/validation/test split as lists of image ids,
    /// which any dataset argument takes back as `FILE:train`, `FILE:validation` or `FILE:test`.
    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "split",
            abstract: "Split a dataset into stratified training, validation and test parts, written as lists of image ids.",
            discussion: """
            Each class is shuffled with --seed and divided on its own, so each part keeps the class proportions. \
            The split is written as JSON (docs/FILE-FORMATS.md): the dataset argument as given, a fingerprint \
            of its images, and the ids of each part's images. Every command that takes a dataset takes a part \
            of the file as one: SPLIT.json:train, SPLIT.json:validation or SPLIT.json:test. It loads the \
            recorded dataset (a relative path from the folder you run in) and refuses when the dataset \
            changed since the split was made. Split files of older versions, index lists only, are refused: \
            run data split again. The PROTOCOL.md splits of Fashion-MNIST are built-in dataset names instead \
            (fashion-mnist:validation, fashion-mnist:pool, fmnist-lt, fashion-mnist:test).

            Example:
              likeness data split Datasets/shapes -o split.json
              likeness train split.json:train --validation split.json:validation -o model.h5
              likeness embed --model model.h5 --dataset split.json:test -o test.h5
            """
        )

        @OptionGroup var data: DatasetOptions

        @Option(parsing: .unconditional, help: "The fraction of each class for validation (default: 0.1).")
        var validationFraction: Double?

        @Option(parsing: .unconditional, help: "The fraction of each class for test (default: 0.1).")
        var testFraction: Double?

        /// The old spellings, before `--validation` meant validation images everywhere.
        @Option(name: .customLong("validation"), parsing: .unconditional, help: .hidden) var deprecatedValidation: Double?
        @Option(name: .customLong("test"), parsing: .unconditional, help: .hidden) var deprecatedTest: Double?

        @Option(parsing: .unconditional, help: "The seed of the shuffle: the same seed gives the same split.")
        var seed: UInt64 = 0

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("Write the split's JSON here (default: standard output).", valueName: "file") }
        }

        var validation: Double { validationFraction ?? deprecatedValidation ?? 0.1 }
        var test: Double { testFraction ?? deprecatedTest ?? 0.1 }

        func validate() throws {
            try requireSeparateFiles()
            _ = try deprecatedSpelling(deprecatedValidation, of: validationFraction, old: "--validation", new: "--validation-fraction")
            _ = try deprecatedSpelling(deprecatedTest, of: testFraction, old: "--test", new: "--test-fraction")
            guard (0...1).contains(validation), (0...1).contains(test), validation + test <= 1 else {
                throw ValidationError("--validation-fraction and --test-fraction must be fractions from 0 to 1 whose sum is at most 1 (got \(validation) and \(test)).")
            }
        }

        func run() throws {
            let (_, loaded) = try data.load()
            try loaded.requireDistinctIds(source: data.dataset)
            let dataset = loaded.dataset
            let split = DatasetSplit.stratified(labels: dataset.labels, classCount: dataset.classNames.count,
                                                validationFraction: validation, testFraction: test, seed: seed,
                                                subset: loaded.selection)
            let file = SplitFile(dataset: data.dataset, loaded: loaded, split: split,
                                 seed: seed, validationFraction: validation, testFraction: test)
            try writeResult(jsonText(file), to: output.path)
            var summary = "split of \(data.dataset) with seed \(seed): "
            summary += [("train", split.train), ("validation", split.validation), ("test", split.test)]
                .map { "\($0.0) \($0.1.count)" }.joined(separator: ", ") + "\n"
            if output.isStandardOutput {
                printDiagnostic(summary)
            } else {
                print(summary, terminator: "")
            }
        }
    }
}

extension LikenessCommand.Data.Split: FileRoles {
    var inputFiles: [NamedFile] {
        NamedFile.dataset("DATASET", data.dataset)
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
