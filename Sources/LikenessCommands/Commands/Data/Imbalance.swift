import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand.Data {
    /// `likeness data imbalance DATASET`: applies an imbalance profile and writes the chosen indices.
    struct Imbalance: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "imbalance",
            abstract: "Apply an imbalance profile to a dataset and write the indices of the images it keeps.",
            discussion: """
            Give one profile: --profile (fmnist-lt, or a JSON file as in Datasets/profiles), --exponential RATIO, \
            --step RATIO or --binary RATIO. Indices are into the dataset's file(s), in file order; with a built-in \
            name that selects a part (fashion-mnist:pool), the profile only takes images of that part. \
            The per-class counts go to standard output (or standard error when the indices do).
            """
        )

        @OptionGroup var data: DatasetOptions

        @Option(help: ArgumentHelp("A profile name (fmnist-lt) or a profile JSON file.", valueName: "name-or-file"))
        var profile: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("An exponential long tail with this imbalance ratio: n_c = n_max · ratio^(−c/(C−1)).", valueName: "ratio"))
        var exponential: Double?

        @Option(parsing: .unconditional, help: ArgumentHelp("Step imbalance: the last half of the classes keep n_max / ratio images.", valueName: "ratio"))
        var step: Double?

        @Option(help: ArgumentHelp("Two classes at ratio:1 (--majority-class, --minority-class); others are dropped. Accepts 4 or 4:1, at least 1.", valueName: "ratio"))
        var binary: BinaryRatio?

        @Option(help: ArgumentHelp("The majority class of --binary: a name or an index.", valueName: "class"))
        var majorityClass = ClassList(argument: "0")!

        @Option(help: ArgumentHelp("The minority class of --binary: a name or an index.", valueName: "class"))
        var minorityClass = ClassList(argument: "1")!

        @Option(parsing: .unconditional, help: "n_max, the count of the largest class (default: as many as every class allows).")
        var maxCount: Int?

        @Option(parsing: .unconditional, help: ArgumentHelp("Draw each class's images at random with this seed instead of taking the first ones.", valueName: "seed"))
        var seed: UInt64?

        /// `--seed`'s old spelling.
        @Option(name: .customLong("random-seed"), parsing: .unconditional, help: .hidden) var deprecatedRandomSeed: UInt64?

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp {
                ArgumentHelp("Write the result here: .h5 for the chosen images as an HDF5 image set, .json for the indices as JSON, anything else for one index per line (default: standard output).", valueName: "file")
            }
        }

        /// The seed of the random draw, nil to take the first images.
        var randomSeed: UInt64? { seed ?? deprecatedRandomSeed }

        func validate() throws {
            try requireSeparateFiles()
            let given = [profile != nil, exponential != nil, step != nil, binary != nil].filter { $0 }.count
            guard given == 1 else {
                throw ValidationError("Give exactly one of --profile, --exponential, --step or --binary (\(given) given).")
            }
            for (name, ratio) in [("--exponential", exponential), ("--step", step)] {
                if let ratio, !(ratio >= 1 && ratio.isFinite) {
                    throw ValidationError("\(name) must be a ratio of at least 1 (largest : smallest class), not \(ratio).")
                }
            }
            _ = try deprecatedSpelling(deprecatedRandomSeed, of: seed, old: "--random-seed", new: "--seed")
            for (name, classes) in [("--majority-class", majorityClass), ("--minority-class", minorityClass)] where classes.tokens.count != 1 {
                throw ValidationError("\(name) takes one class, not \(classes.tokens.count) (\(classes)).")
            }
            if let maxCount, maxCount < 1 { throw ValidationError("--max-count must be positive, not \(maxCount).") }
        }

        /// The profile the options choose; `classNames` resolve `--majority-class` and `--minority-class`.
        func chosenProfile(classNames: [String]) throws -> ImbalanceProfile {
            var chosen: ImbalanceProfile
            if let profile {
                chosen = profile.lowercased() == FashionMNIST.longTailProfile.name
                    ? FashionMNIST.longTailProfile : try ImbalanceProfile(contentsOf: profile)
            } else if let exponential {
                chosen = ImbalanceProfile(name: "exponential-\(ratioText(exponential))", shape: .exponential(ratio: exponential))
            } else if let step {
                chosen = ImbalanceProfile(name: "step-\(ratioText(step))", shape: .step(ratio: step, minorityClasses: nil))
            } else if let ratio = binary?.ratio {
                let majority = try majorityClass.resolved(in: classNames, option: "--majority-class")[0]
                let minority = try minorityClass.resolved(in: classNames, option: "--minority-class")[0]
                guard majority != minority else {
                    throw CommandError("--majority-class \(majorityClass) and --minority-class \(minorityClass) are one class, \(majority) (\(classNames[majority])): give two.")
                }
                chosen = ImbalanceProfile(name: "binary-\(ratioText(ratio))", shape: .binary(ratio: ratio, majorityClass: majority,
                                                                                  minorityClass: minority))
            } else {
                throw CommandError("Give one profile: --profile, --exponential, --step or --binary.")
            }
            if let maxCount { chosen.maxCount = maxCount }
            return chosen
        }

        /// A ratio as short as it can be written: `100`, `2.5`.
        func ratioText(_ ratio: Double) -> String { String(format: "%g", ratio) }

        /// What a `.json` output holds.
        struct Selection: Encodable {
            var dataset: String
            var profile: String
            var classNames: [String]
            var classCounts: [Int]
            var indices: [Int]
        }

        func run() throws {
            let (_, loaded) = try data.load()
            let dataset = loaded.dataset
            let profile = try chosenProfile(classNames: dataset.classNames)
            let indices = try profile.apply(to: dataset, pool: loaded.selection,
                                            selection: randomSeed.map { .random(seed: $0) } ?? .fileOrder)
            let counts = dataset.classCounts(of: indices)

            var summary = "profile \(profile.name) on \(data.dataset): \(indices.count) images\n"
            for (c, name) in dataset.classNames.enumerated() {
                summary += "  \(c) \(name): \(countWithShare(counts[c], of: indices.count))\n"
            }
            let kept = counts.filter { $0 > 0 }
            if let largest = kept.max(), let smallest = kept.min() {
                summary += "imbalance ratio: \(String(format: "%.1f", Double(largest) / Double(smallest)))\n"
            }

            let output = output.path
            if let output, [".h5", ".hdf5"].contains(where: output.lowercased().hasSuffix) {
                try dataset.writeHDF5(to: output, indices: indices)
                print(summary, terminator: "")
                printDiagnostic("wrote \(output)")
                return
            }
            let text = output?.lowercased().hasSuffix(".json") == true
                ? try jsonText(Selection(dataset: data.dataset, profile: profile.name, classNames: dataset.classNames,
                                         classCounts: counts, indices: indices))
                : indices.map(String.init).joined(separator: "\n") + "\n"
            try writeResult(text, to: output)
            if self.output.isStandardOutput {
                printDiagnostic(summary)
            } else {
                print(summary, terminator: "")
            }
        }
    }
}

/// The ratio of `--binary`: `4` or `4:1`, at least 1.
struct BinaryRatio: ExpressibleByArgument {
    let ratio: Double

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard let major = parts.first ?? nil, parts.count <= 2, let minor = parts.count == 2 ? parts[1] : 1,
              minor > 0, major / minor >= 1, (major / minor).isFinite else { return nil }
        ratio = major / minor
    }
}

extension LikenessCommand.Data.Imbalance: FileRoles {
    var inputFiles: [NamedFile] {
        NamedFile.dataset("DATASET", data.dataset) + NamedFile.dataset("--profile", profile)
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
