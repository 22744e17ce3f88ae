import ArgumentParser
import Foundation
import Likeness

/// The one-shot measure's recipe and settings (PROTOCOL.md, "One-shot novel classes"): the
/// loss, the pre-trained start and the distillation the embedding network trains with, the
/// setting the pre-training saw, and the training seeds.
struct OneShotOptions: ParsableArguments {
    @Option(help: "One-shot: training seeds, --seed … --seed + N − 1; each figure is their mean (runs: each seed's).")
    var seeds = 1

    @Option(help: ArgumentHelp("One-shot: triplet (PROTOCOL.md's reference; --miner), supcon (temperature 0.1), multi-similarity (pairs mined with ε 0.1) or proxy (CosFace, margin 0.35, scale 64).", valueName: "loss"))
    var loss: OneShotLoss = .triplet

    @Option(name: .customLong("init"), help: ArgumentHelp("One-shot: start from this model's backbone (a cached likeness pretrain run, so that pre-training runs once).",
                                                  valueName: "model"))
    var initialModel: String?

    @Option(help: ArgumentHelp("One-shot: relational distillation to this frozen likeness pretrain model.", valueName: "model"))
    var distill: String?

    @Option(help: ArgumentHelp("One-shot: the distillation loss's weight (default: the weight PROTOCOL.md's held-out rule chooses in both settings).", valueName: "weight"))
    var distillWeight: Float = 0.5

    @Option(help: ArgumentHelp("One-shot: what the pre-trained models saw, and the unlabelled images distillation takes: pool (the 55,000 non-validation training images, labels unused) or strict (the FMNIST-LT images of the known classes only).",
                               valueName: "setting"))
    var setting: OneShotSetting = .pool

    @Option(help: ArgumentHelp("One-shot: also save each seed's embedding network in this folder (oneshot[_<setting>][_<recipe>]-seed<S>.h5), for likeness one-shot --model with other enrolment options.",
                               valueName: "folder"))
    var saveModels: String?

    @Option(help: ArgumentHelp("One-shot: instead of training, load each seed's network from this folder, as --save-models wrote it (to measure other enrolment options on the same networks).",
                               valueName: "folder"))
    var reuseModels: String?

    @Option(help: ArgumentHelp("One-shot: after training, find this many new classes among the setting's unlabelled images (ClassDiscovery: images far from every known class, parts of known classes left out, k-means), then train again with them as classes of their own (the network saved as …_discover<N>-seed<S>.h5 in --save-models or --reuse-models, and reused from there). Figures get _discover<N>.",
                               valueName: "classes"))
    var discover: Int?

    @Flag(help: ArgumentHelp("One-shot: a validation run, to choose what known-class validation cannot see (PROTOCOL.md): the two rarest known classes of FMNIST-LT, Shirt and Bag, are held out of training as well and play the novel classes on the validation images; the test set is not read. --init and --distill must be pre-trained without them too (strict: likeness pretrain fmnist-lt --exclude-classes 5,7,6,8). Figures get _heldout."))
    var heldOut = false

    func validate() throws {
        if heldOut && discover != nil { throw ValidationError("--held-out measures the networks of one training; drop --discover.") }
        if let discover, !(1...64).contains(discover) { throw ValidationError("--discover must be from 1 to 64 new classes, not \(discover).") }
        if saveModels != nil && reuseModels != nil { throw ValidationError("--save-models and --reuse-models: give one.") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1, not \(seeds).") }
        guard distillWeight > 0 && distillWeight.isFinite else { throw ValidationError("--distill-weight must be positive, not \(distillWeight).") }
        for (option, path) in [("--init", initialModel), ("--distill", distill)] {
            if let path, !FileManager.default.fileExists(atPath: path) { throw ValidationError("\(option) \(path): no such file.") }
        }
        // Before any training: a folder found missing only when the first network is saved costs the run.
        for (option, folder) in [("--save-models", saveModels), ("--reuse-models", reuseModels)] {
            var isFolder: ObjCBool = false
            if let folder, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) {
                throw ValidationError("\(option) \(folder): no such folder" + (option == "--save-models" ? " (create it first: mkdir \(folder))." : "."))
            }
        }
    }

    /// The recipe's name in figure names: empty for PROTOCOL.md's reference (triplet from the
    /// seed), else the loss, `init` and `distill` joined (`supcon_init_distill`).
    var recipeName: String {
        var parts: [String] = []
        if loss != .triplet { parts.append(loss.rawValue.replacingOccurrences(of: "-", with: "_")) }
        if initialModel != nil { parts.append("init") }
        if distill != nil { parts.append(distillWeight == 0.3 ? "distill" : "distill\(distillWeight)") }
        return parts.joined(separator: "_")
    }

    /// `oneshot[_<setting>][_<recipe>]` of the training alone (the saved networks' names): the
    /// reference recipe's pool setting keeps the names figures had before settings and recipes.
    var figurePrefix: String {
        (["oneshot"] + (setting == .pool ? [] : [setting.rawValue]) + (recipeName.isEmpty ? [] : [recipeName]) + (heldOut ? ["heldout"] : []))
            .joined(separator: "_")
    }

    /// `figurePrefix` of the network trained again with `discovered` new classes (`_discover<N>`), or of the first.
    func figurePrefix(discovered: Int?) -> String {
        figurePrefix + (discovered.map { "_discover\($0)" } ?? "")
    }

    var arguments: [String] {
        ["--seeds", "\(seeds)", "--loss", loss.rawValue, "--setting", setting.rawValue]
            + (initialModel.map { ["--init", $0] } ?? []) + (distill.map { ["--distill", $0, "--distill-weight", "\(distillWeight)"] } ?? [])
            + (reuseModels.map { ["--reuse-models", $0] } ?? []) + (discover.map { ["--discover", "\($0)"] } ?? [])
            + (heldOut ? ["--held-out"] : [])
    }
}

enum OneShotLoss: String, ExpressibleByArgument, CaseIterable {
    case triplet, supcon, multiSimilarity = "multi-similarity", proxy

    /// The loss, for an embedding of `dimension` over `classCount` classes; nil for triplet
    /// (`--miner`'s).
    func loss(classCount: Int, dimension: Int, seed: UInt64) -> (any MetricLoss)? {
        switch self {
        case .triplet: nil
        case .supcon: SupervisedContrastiveLoss()
        case .multiSimilarity: MultiSimilarityLoss(miningEpsilon: 0.1)
        case .proxy: CosineMarginProxyLoss(classCount: classCount, dimension: dimension, seed: seed)
        }
    }
}

enum OneShotSetting: String, ExpressibleByArgument, CaseIterable {
    case pool, strict
}
