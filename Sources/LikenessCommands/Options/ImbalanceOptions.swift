import ArgumentParser
import Likeness

/// The remedies for class imbalance a training run can use.
struct ImbalanceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Loss weights per class: none, balanced (n / (C·n_c)) or effective (the effective number of samples, with --beta).",
                               valueName: "weighting"))
    var classWeights: ClassWeightingName = .none

    @Option(parsing: .unconditional, help: "β of the effective-number class weights (Cui et al. 2019).")
    var beta: Double = 0.999

    @Option(help: ArgumentHelp("How batches are drawn: shuffled, or class-balanced (every class equally likely in each place).",
                               valueName: "sampler"))
    var sampler: SoftmaxRecipe.Sampler = .shuffled

    @Option(help: ArgumentHelp("Random over-sampling with an imbalanced-learn strategy: auto, minority, not-majority, not-minority, all, a ratio (two classes), or counts like 5:500,7:500 (at most \(SamplingStrategy.maximumGrowth) times the largest class's images).",
                               valueName: "strategy"))
    var oversample: SamplingStrategy?

    @Option(help: ArgumentHelp("Random under-sampling with an imbalanced-learn strategy: auto, majority, not-minority, not-majority, all, a ratio, or counts.",
                               valueName: "strategy"))
    var undersample: SamplingStrategy?

    @Option(help: ArgumentHelp("SMOTE (synthetic images between same-class neighbours, in pixel space) with an imbalanced-learn strategy (targets of at most \(SamplingStrategy.maximumGrowth) times the largest class's images).",
                               valueName: "strategy"))
    var smote: SamplingStrategy?

    @Option(parsing: .unconditional, help: "The neighbours SMOTE interpolates towards.")
    var smoteNeighbours = 5

    @Option(help: ArgumentHelp("Augmentations, comma-separated NAME[=VALUE]: hflip, vflip, rotate=DEG, translate=FRACTION, zoom=FACTOR, crop=PADDING, resized-crop=AREA (area AREA–1, aspect ratio 3/4–4/3), brightness=F, contrast=F, saturation=F, hue=F, noise=STD, salt-pepper=FRACTION, erase, cutout=SIZE, elastic=ALPHA. Each is applied with probability 0.5.",
                               valueName: "list"))
    var augment: AugmentationList?

    @Option(parsing: .unconditional, help: ArgumentHelp("Augment only the images of classes with fewer training images than this.", valueName: "count"))
    var augmentBelow: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Softmax head: mixup (Zhang et al. 2018): each batch blended with a permutation of itself, image and one-hot label alike, λ ~ Beta(α, α) drawn per batch (0.2–0.4 is usual; more epochs help).",
                               valueName: "α"))
    var mixup: Float?

    @Option(parsing: .unconditional, help: ArgumentHelp("Softmax head: CutMix (Yun et al. 2019): a box of area 1 − λ, λ ~ Beta(α, α), pasted from a permutation of the batch, the labels mixed by the area pasted (α 1 is usual). With --mixup too, each batch gets one of the two, with probability 0.5.",
                               valueName: "α"))
    var cutmix: Float?

    @Option(parsing: .unconditional, help: ArgumentHelp("Mix (--mixup, --cutmix) only the batches holding an image of a class with fewer training images than this.",
                               valueName: "count"))
    var mixBelow: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Two-stage training: after the main epochs, re-train the head alone for this many epochs on class-balanced batches over frozen features.",
                               valueName: "epochs"))
    var secondStage = 0

    @Flag(help: "Classifier re-training (cRT): the second stage starts the head afresh instead of from the main epochs' head (needs --second-stage).")
    var secondStageReinitialize = false

    @Option(parsing: .unconditional, help: ArgumentHelp("EasyEnsemble in the second stage: this many heads, each on a balanced random under-sample over the frozen features, averaged (needs --second-stage).",
                               valueName: "heads"))
    var easyEnsemble = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Softmax head: τ-normalisation after training (Kang et al. 2020): each class's weight row w divided by ‖w‖^τ and the bias dropped; 'auto' picks τ in 0, 0.1, …, 2 by balanced accuracy on the validation images.",
                               valueName: "τ|auto"))
    var tauNormalize: TauNormalization?

    @Flag(help: "Softmax head: after training, fit an offset for each class's logit on the validation images, minimising their cross-entropy with every class counting equally, and add it to the head's bias: a logit adjustment learnt rather than set to −τ·log π (Menon et al. 2021; Alexandari et al. 2020). Standard error gives the validation balanced accuracy before, after, and cross-fitted (each half of the images scored with the other half's offsets).")
    var calibrateOffsets = false

    func validate() throws {
        guard easyEnsemble >= 0 else { throw ValidationError("--easy-ensemble must be 0 or more heads, not \(easyEnsemble).") }
        if secondStageReinitialize && secondStage == 0 {
            throw ValidationError("--second-stage-reinitialize starts the second stage's head afresh: give --second-stage EPOCHS too.")
        }
        if easyEnsemble > 0 && secondStage == 0 { throw ValidationError("--easy-ensemble trains its heads in the second stage: give --second-stage EPOCHS too.") }
        let resamplers = [oversample != nil, undersample != nil, smote != nil].filter { $0 }.count
        guard resamplers <= 1 else { throw ValidationError("Give at most one of --oversample, --undersample and --smote.") }
        guard beta > 0 && beta < 1 else { throw ValidationError("--beta must lie strictly between 0 and 1, not \(beta).") }
        guard smoteNeighbours >= 1 else { throw ValidationError("--smote-neighbours must be at least 1, not \(smoteNeighbours).") }
        if let augmentBelow, augmentBelow < 1 { throw ValidationError("--augment-below must be positive, not \(augmentBelow).") }
        if augmentBelow != nil && augment == nil { throw ValidationError("--augment-below needs --augment to say which augmentations.") }
        guard secondStage >= 0 else { throw ValidationError("--second-stage must be 0 or more epochs, not \(secondStage).") }
        for (option, alpha) in [("--mixup", mixup), ("--cutmix", cutmix)] {
            if let alpha, !(alpha > 0 && alpha.isFinite) {
                throw ValidationError("\(option) is the α of Beta(α, α) and must be positive, not \(alpha) (0.2–0.4 is usual for --mixup, 1 for --cutmix).")
            }
        }
        if let mixBelow, mixBelow < 1 { throw ValidationError("--mix-below must be positive, not \(mixBelow).") }
        if case .fixed(let tau) = tauNormalize, tau < 0 {
            throw ValidationError("--tau-normalize must be 0 or more (1 gives every class's weight row unit length) or auto, not \(tau).")
        }
        if mixBelow != nil && mixing == nil { throw ValidationError("--mix-below needs --mixup or --cutmix to say how batches are mixed.") }
    }

    /// mixup, CutMix or both as `--mixup` and `--cutmix` give them; nil for neither.
    var mixing: Mixup? {
        mixup == nil && cutmix == nil ? nil : Mixup(alpha: mixup, cutMixAlpha: cutmix)
    }

    /// The options given that only the softmax head takes (mixing, τ-normalisation, offsets), by name.
    var softmaxOnlyOptions: [String] {
        [("--mixup", mixup != nil), ("--cutmix", cutmix != nil), ("--tau-normalize", tauNormalize != nil),
         ("--calibrate-offsets", calibrateOffsets)].filter(\.1).map(\.0)
    }

    /// The augmentation to apply to training batches, or nil; checked against the images' channels.
    func augmentationPipeline(channels: Int, seed: UInt64) throws -> AugmentationPipeline? {
        guard let augment else { return nil }
        let pipeline = AugmentationPipeline(augment.steps, seed: seed)
        do {
            try pipeline.validate(channels: channels)
        } catch {
            throw CommandError("--augment: \(error)")
        }
        return pipeline
    }

    /// Writes these remedies into `recipe`.
    func apply(to recipe: inout SoftmaxRecipe) {
        switch classWeights {
        case .none: recipe.classWeighting = .none
        case .balanced: recipe.classWeighting = .balanced
        case .effective: recipe.classWeighting = .effectiveNumber(beta: beta)
        }
        recipe.sampler = sampler
        if let oversample { recipe.resampling = .over(oversample) }
        if let undersample { recipe.resampling = .under(undersample) }
        if let smote { recipe.resampling = .smote(smote, neighbours: smoteNeighbours) }
        recipe.augmentation = augment?.steps ?? []
        recipe.augmentBelow = augmentBelow
        recipe.secondStageEpochs = secondStage
        recipe.ensembleHeads = easyEnsemble
        recipe.reinitializesHead = secondStageReinitialize
        recipe.mixing = mixing
        recipe.mixBelow = mixBelow
        recipe.tauNormalization = tauNormalize
        recipe.calibratesOffsets = calibrateOffsets
    }
}

enum ClassWeightingName: String, ExpressibleByArgument, CaseIterable {
    case none, balanced, effective
}

extension SoftmaxRecipe.Sampler: ExpressibleByArgument {}

extension TauNormalization: ExpressibleByArgument {
    /// `auto`, or τ (refused below 0 by `ImbalanceOptions.validate()`).
    public init?(argument: String) {
        if argument.lowercased() == "auto" {
            self = .chosenOnValidation
        } else if let tau = Float(argument), tau.isFinite {
            self = .fixed(tau)
        } else {
            return nil
        }
    }
}

extension SamplingStrategy: ExpressibleByArgument {
    /// imbalanced-learn's spellings, with hyphens for spaces: `not-majority`; a number is a
    /// ratio; `class:count,…` gives counts.
    public init?(argument: String) {
        switch argument.lowercased().replacingOccurrences(of: " ", with: "-") {
        case "auto": self = .auto
        case "minority": self = .minority
        case "majority": self = .majority
        case "not-majority": self = .notMajority
        case "not-minority": self = .notMinority
        case "all": self = .all
        default:
            if let ratio = Double(argument) {
                self = .ratio(ratio)
                return
            }
            var counts = [Int: Int]()
            for pair in argument.split(separator: ",") {
                let parts = pair.split(separator: ":")
                guard parts.count == 2, let c = Int(parts[0]), let n = Int(parts[1]), counts[c] == nil else { return nil }
                counts[c] = n
            }
            guard !counts.isEmpty else { return nil }
            self = .counts(counts)
        }
    }
}

/// A comma-separated list of augmentations, `NAME[=VALUE]`.
struct AugmentationList: ExpressibleByArgument {
    let steps: [AugmentationStep]

    init?(argument: String) {
        var steps: [AugmentationStep] = []
        for item in argument.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let value = parts.count == 2 ? Float(parts[1]) : nil
            if parts.count == 2 && value == nil { return nil }
            let transform: ImageTransform
            switch parts[0].lowercased() {
            case "hflip": transform = .horizontalFlip
            case "vflip": transform = .verticalFlip
            case "rotate": transform = .rotation(maxDegrees: value ?? 15)
            case "translate": transform = .translation(maxFraction: value ?? 0.1)
            case "zoom": transform = .zoom(scale: 1...max(1, value ?? 1.2))
            case "crop": transform = .randomCrop(padding: Int(value ?? 2))
            case "resized-crop":
                let area = value ?? 0.08
                guard area > 0 && area <= 1 else { return nil }
                transform = .randomResizedCrop(area: area...1, aspectRatio: 0.75...(4.0 / 3))
            case "brightness": transform = .brightness(maxChange: value ?? 0.2)
            case "contrast": transform = .contrast(maxChange: value ?? 0.2)
            case "saturation": transform = .saturation(maxChange: value ?? 0.2)
            case "hue": transform = .hue(maxShift: value ?? 0.05)
            case "noise": transform = .gaussianNoise(std: value ?? 0.05)
            case "salt-pepper": transform = .saltAndPepper(fraction: value ?? 0.02)
            case "erase": transform = .randomErasing(area: 0.02...0.2, aspectRatio: 0.3...3.3)
            case "cutout": transform = .cutout(size: Int(value ?? 8))
            case "elastic": transform = .elastic(alpha: value ?? 2, sigma: 3)
            default: return nil
            }
            steps.append(AugmentationStep(transform))
        }
        guard !steps.isEmpty else { return nil }
        self.steps = steps
    }
}
