import ArgumentParser
import Likeness

/// A softmax recipe the accuracy measure trains on FMNIST-LT, by the name its figures carry
/// (`fmnist_lt_<name>_…`, dashes as underscores).
enum AccuracyRecipe: String, CaseIterable, ExpressibleByArgument {
    /// PROTOCOL.md's: focal loss γ 2, balanced α divided by its mean.
    case focal
    case ce
    /// Logit-adjusted cross-entropy with τ 1 (Ren et al. 2020).
    case balancedSoftmax = "balanced-softmax"
    /// LDAM, margin 0.5, scale 1, effective-number weights (β 0.9999) from the epoch after 80 % of the epochs.
    case ldamDRW = "ldam-drw"
    /// The balanced softmax on mixup's batches, α 0.3 (Zhang et al. 2018).
    case balancedSoftmaxMixup = "balanced-softmax-mixup"
    /// The balanced softmax on mixup's batches, α 0.3, each image first mirrored left to right
    /// and shifted by up to 2 pixels each way, each with probability 0.5 (`--augment hflip,crop=2`).
    case balancedSoftmaxMixupAugment = "balanced-softmax-mixup-augment"
    /// `balancedSoftmaxMixupAugment`, then per-class logit offsets fitted on the validation images
    /// (`OffsetCalibration`); its validation score is the cross-fitted one.
    case balancedSoftmaxMixupAugmentOffsets = "balanced-softmax-mixup-augment-offsets"
    /// The balanced softmax on CutMix's batches, α 1 (Yun et al. 2019).
    case balancedSoftmaxCutMix = "balanced-softmax-cutmix"
    /// Cross-entropy, then classifier re-training for 5 epochs on class-balanced batches over the
    /// frozen backbone (cRT), then τ-normalisation with τ chosen on the validation images (Kang et al. 2020).
    case ceCRTTauNorm = "ce-crt-taunorm"

    /// The recipes trained when `--recipes` is not given: the four losses of PROTOCOL.md's table
    /// (the mixing and decoupled recipes take longer and are asked for by name).
    static let losses: [AccuracyRecipe] = [.focal, .ce, .balancedSoftmax, .ldamDRW]

    /// The recipe's `likeness train` options, for the figures' details and the README.
    var trainOptions: String {
        switch self {
        case .focal: "--loss focal --class-weights balanced"
        case .ce: "--loss ce"
        case .balancedSoftmax: "--loss balanced-softmax"
        case .ldamDRW: "--loss ldam --class-weights effective --beta 0.9999"
        case .balancedSoftmaxMixup: "--loss balanced-softmax --mixup 0.3"
        case .balancedSoftmaxMixupAugment: "--loss balanced-softmax --mixup 0.3 --augment hflip,crop=2"
        case .balancedSoftmaxMixupAugmentOffsets: "--loss balanced-softmax --mixup 0.3 --augment hflip,crop=2 --calibrate-offsets"
        case .balancedSoftmaxCutMix: "--loss balanced-softmax --cutmix 1"
        case .ceCRTTauNorm: "--loss ce --second-stage 5 --tau-normalize auto"
        }
    }

    /// The recipe whose trained network this one only post-processes (`balancedSoftmaxMixupAugment`
    /// for the offsets recipe): when both are measured, the network is trained once.
    var postProcessedRecipe: AccuracyRecipe? { self == .balancedSoftmaxMixupAugmentOffsets ? .balancedSoftmaxMixupAugment : nil }

    /// The figure names' part: `balanced_softmax`.
    var figureName: String { rawValue.replacingOccurrences(of: "-", with: "_") }

    /// The recipe for `epochs` epochs with `seed`, as `likeness train --head softmax <trainOptions>` makes it.
    func recipe(epochs: Int, seed: UInt64) -> SoftmaxRecipe {
        var recipe = SoftmaxRecipe()
        recipe.epochs = epochs
        recipe.seed = seed
        switch self {
        case .focal:
            recipe.loss = .focal(gamma: 2)
            recipe.classWeighting = .balanced
        case .ce:
            recipe.loss = .crossEntropy
        case .balancedSoftmax:
            recipe.loss = .logitAdjusted(tau: 1)
        case .ldamDRW:
            recipe.loss = .ldam(maxMargin: 0.5, scale: 1, reweightingEpoch: epochs * 4 / 5 + 1)
            recipe.classWeighting = .effectiveNumber(beta: 0.9999)
        case .balancedSoftmaxMixup:
            recipe.loss = .logitAdjusted(tau: 1)
            recipe.mixing = Mixup(alpha: 0.3)
        case .balancedSoftmaxMixupAugment, .balancedSoftmaxMixupAugmentOffsets:
            recipe.loss = .logitAdjusted(tau: 1)
            recipe.mixing = Mixup(alpha: 0.3)
            recipe.augmentation = [AugmentationStep(.horizontalFlip), AugmentationStep(.randomCrop(padding: 2))]
            recipe.calibratesOffsets = self == .balancedSoftmaxMixupAugmentOffsets
        case .balancedSoftmaxCutMix:
            recipe.loss = .logitAdjusted(tau: 1)
            recipe.mixing = Mixup(cutMixAlpha: 1)
        case .ceCRTTauNorm:
            recipe.loss = .crossEntropy
            recipe.secondStageEpochs = 5
            recipe.tauNormalization = .chosenOnValidation
        }
        return recipe
    }
}

/// Which softmax recipes the accuracy measure trains.
struct AccuracyOptions: ParsableArguments {
    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("accuracy: the softmax recipes to train and compare (the best on the validation images is reported as fmnist_lt_best_…); default: \(AccuracyRecipe.losses.map(\.rawValue).joined(separator: " ")).",
                               valueName: "recipe"))
    var recipes: [AccuracyRecipe] = AccuracyRecipe.losses

    func validate() throws {
        guard !recipes.isEmpty else { throw ValidationError("--recipes needs at least one recipe: \(AccuracyRecipe.allCases.map(\.rawValue).joined(separator: ", ")).") }
        guard Set(recipes).count == recipes.count else { throw ValidationError("--recipes names a recipe twice.") }
    }

    var arguments: [String] { ["--recipes"] + recipes.map(\.rawValue) }
}
