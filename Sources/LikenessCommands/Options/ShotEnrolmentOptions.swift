import ArgumentParser
import Likeness

/// How a new class's shots are enrolled (`enroll`, `one-shot`; `likeness-bench one-shot` has its
/// own): each shot with mild augmented views of it, and its prototype refined from an unlabelled pool.
struct ShotEnrolmentOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Enrol each image with N mild augmented views of it averaged into the prototype (random resized crop of area 0.8–1, rotation ±10°, shift ±2 px, brightness ±0.2, no flip).",
                               valueName: "N"))
    var augmentShots = 0

    @Option(help: ArgumentHelp("Refine the new class's prototype from the images of this dataset, unlabelled (soft k-means over every prototype; known classes' prototypes stay); never the test set.",
                               valueName: "dataset"))
    var refineWith: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("With --refine-with: rounds of soft assignment and update.", valueName: "n"))
    var refineIterations = PrototypeRefinement().iterations

    @Option(parsing: .unconditional, help: ArgumentHelp("With --refine-with: the temperature of the soft assignment, in squared distance (smaller is firmer).", valueName: "T"))
    var refineTemperature = PrototypeRefinement().temperature

    /// The most augmented views a shot can have.
    static let maximumViews = 1000

    func validate() throws {
        guard (0...Self.maximumViews).contains(augmentShots) else {
            throw ValidationError("--augment-shots takes 0 to \(Self.maximumViews) views per image, not \(augmentShots).")
        }
        guard refineIterations >= 1 else { throw ValidationError("--refine-iterations must be at least 1, not \(refineIterations).") }
        guard refineTemperature > 0 && refineTemperature.isFinite else {
            throw ValidationError("--refine-temperature must be a positive number, not \(refineTemperature).")
        }
        if refineWith == nil && (refineIterations != PrototypeRefinement().iterations || refineTemperature != PrototypeRefinement().temperature) {
            throw ValidationError("--refine-iterations and --refine-temperature go with --refine-with DATASET.")
        }
    }

    /// Checks `--refine-with` against the folder of built-in datasets `directory`: an existing
    /// dataset, and not a test set.
    func validatePool(directory: String?) throws {
        guard let refineWith else { return }
        do {
            try DatasetSource.validateArgument(refineWith, directory: directory)
        } catch let error as ValidationError {
            throw ValidationError("--refine-with: \(error.message)")
        }
        if try DatasetSource(parsing: refineWith, directory: directory).isTestSet {
            throw ValidationError("--refine-with never takes the test set ('\(refineWith)'): refined figures are reported apart from pure one-shot ones "
                                  + "and must not see the images they are measured on. Give an unlabelled pool of other images, e.g. fashion-mnist:pool.")
        }
    }

    var refinement: PrototypeRefinement { PrototypeRefinement(iterations: refineIterations, temperature: refineTemperature) }

    /// The `--refine-with` images' embeddings by `model` (their labels unused), nil without the option.
    func poolEmbeddings(model: ModelArchive, directory: String?, command: String) throws -> Tensor? {
        guard let refineWith else { return nil }
        let source = try DatasetSource(parsing: refineWith, directory: directory)
        printDiagnostic("\(command): --refine-with \(source.summary), unlabelled")
        let a = model.architecture
        let pool = try source.load(imageSize: ImageSize(height: a.height, width: a.width), channels: a.channels)
        try model.requireInput(of: pool.dataset, source: refineWith)
        return model.outputs(for: pool.dataset, indices: pool.selection, showProgress: pool.selection.count > 1000)
    }
}

extension DatasetSource {
    /// Whether the name picks a test set: `fashion-mnist:test`, `mnist:test`, a split file's
    /// `:test` part, CIFAR-10's test batch, an IDX `t10k` file, or an image folder named `test`.
    var isTestSet: Bool {
        switch self {
        case .fashionMNIST(let part, _): part == .test
        case .mnist(let split, _): split == .test
        case .splitPart(let part, _, _): part == .test
        case .cifar10(let batches, _): batches.allSatisfy { $0.hasSuffix("test_batch.bin") }
        case .idx(let images, _): images.split(separator: "/").last?.hasPrefix("t10k") ?? false
        case .imageFolder(let directory): directory.split(separator: "/").last?.lowercased() == "test"
        case .hdf5: false
        }
    }
}

extension Gallery.Score: ExpressibleByArgument {}

/// `one-shot`'s enrolment: how each novel class's shot is enrolled, and the score its test images
/// are classified by.
struct OneShotEnrolmentOptions: ParsableArguments {
    @OptionGroup var shots: ShotEnrolmentOptions

    @Option(help: ArgumentHelp("The score nearest-prototype decisions use: raw (the distance) or shot-adjusted (the distance less the extra distance of genuine images to a prototype of few images).",
                               valueName: "score"))
    var score = Gallery.defaultScore

    var enrolment: ShotEnrolment {
        ShotEnrolment(augmentedViews: shots.augmentShots, score: score, refinement: shots.refinement)
    }
}
