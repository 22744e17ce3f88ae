import ArgumentParser
import Likeness

/// The network to train.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The backbone: reference (PROTOCOL.md's network), cifar or small.", valueName: "name"))
    var backbone: Backbone = .reference

    @Option(name: .customLong("head"), help: ArgumentHelp("The head: embedding (dense then L2-normalised, trained with a metric loss) or softmax (dense logits).",
                               valueName: "kind"))
    var headName: HeadName = .embedding

    @Option(parsing: .unconditional, help: "The embedding's dimension (embedding head).")
    var embeddingDimension = 64

    func validate() throws {
        guard embeddingDimension >= 1 else { throw ValidationError("--embedding-dimension must be at least 1, not \(embeddingDimension).") }
    }

    func head(classCount: Int) -> Head {
        headName == .embedding ? .embedding(dimension: embeddingDimension) : .softmax(classCount: classCount)
    }
}

enum HeadName: String, ExpressibleByArgument, CaseIterable {
    case embedding, softmax
}

extension Backbone: ExpressibleByArgument {}

/// How the optimiser runs.
struct OptimisationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Training epochs.")
    var epochs = 10

    @Option(parsing: .unconditional, help: "Images per batch (softmax head; the embedding head's batches are P × K).")
    var batchSize = 128

    @Option(parsing: .unconditional, help: "Adam's learning rate.")
    var learningRate: Float = 1e-3

    @Option(parsing: .unconditional, help: ArgumentHelp("How the learning rate changes over the epochs: constant, or cosine (Loshchilov and Hutter 2017: in epoch t + 1 of E, --learning-rate times (1 + cos(π t / E)) / 2; the softmax head's --second-stage keeps --learning-rate).",
                                                        valueName: "schedule"))
    var schedule: ScheduleName = .constant

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many epochs without a better validation score (the best epoch's weights are kept).",
                               valueName: "epochs"))
    var patience: Int?

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, not \(batchSize).") }
        guard learningRate > 0 && learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, not \(learningRate).") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1, not \(patience).") }
    }

    /// The learning-rate schedule over `epochs`.
    var learningRateSchedule: LearningRateSchedule {
        switch schedule {
        case .constant: .constant
        case .cosine: .cosine(period: epochs)
        }
    }
}

enum ScheduleName: String, ExpressibleByArgument, CaseIterable {
    case constant, cosine
}

/// The loss, of the head being trained: `--loss` takes the values of the chosen `--head`.
struct LossOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Embedding head: triplet (default; PROTOCOL.md's reference; --margin, --miner), supcon (supervised contrastive, --temperature; the better one for one-shot recognition, especially after likeness pretrain), multi-similarity (α 2, β 50, λ 0.5, pairs mined with ε 0.1) or proxy (CosFace: a learnt proxy per class, margin 0.35, scale 64). Softmax head: ce (cross-entropy, weighted by --class-weights; default), focal (α from --class-weights, divided by its mean), logit-adjusted (cross-entropy on the logits plus τ·log of the training prior, --tau; Menon et al. 2021), balanced-softmax (logit-adjusted with τ 1; Ren et al. 2020) or ldam (a margin for each class growing as it gets rarer, --ldam-margin, --ldam-scale; --class-weights apply from --reweight-from: deferred re-weighting, Cao et al. 2019).",
                               valueName: "loss"))
    var loss: LossName?

    @Option(parsing: .unconditional, help: "Focal loss's γ.")
    var gamma: Float = 2

    @Option(parsing: .unconditional, help: "supcon's temperature.")
    var temperature: Float = 0.1

    @Option(parsing: .unconditional, help: "logit-adjusted's τ, the weight of log π.")
    var tau: Float = 1

    @Option(parsing: .unconditional, help: "ldam's margin of the rarest class (the others' shrink as n_c^(-1/4)).")
    var ldamMargin: Float = 0.5

    @Option(parsing: .unconditional, help: "ldam's scale s of the margin-adjusted logits.")
    var ldamScale: Float = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("ldam: the first epoch --class-weights apply in (default: the epoch after 80 % of --epochs).", valueName: "epoch"))
    var reweightFrom: Int?

    func validate() throws {
        guard gamma >= 0 && gamma.isFinite else { throw ValidationError("--gamma must be 0 or more, not \(gamma).") }
        guard temperature > 0 && temperature.isFinite else { throw ValidationError("--temperature must be positive, not \(temperature).") }
        guard tau >= 0 && tau.isFinite else { throw ValidationError("--tau must be 0 or more, not \(tau).") }
        guard ldamMargin >= 0 && ldamMargin.isFinite else { throw ValidationError("--ldam-margin must be 0 or more, not \(ldamMargin).") }
        guard ldamScale > 0 && ldamScale.isFinite else { throw ValidationError("--ldam-scale must be positive, not \(ldamScale).") }
        if let reweightFrom, reweightFrom < 1 { throw ValidationError("--reweight-from must be an epoch, 1 or more, not \(reweightFrom).") }
        if reweightFrom != nil && loss != .ldam { throw ValidationError("--reweight-from is ldam's deferred re-weighting: give it with --loss ldam.") }
    }

    /// The softmax head's loss, for `epochs` of training.
    func softmaxLoss(epochs: Int) -> SoftmaxRecipe.Loss {
        switch name(for: .softmax) {
        case .focal: .focal(gamma: gamma)
        case .logitAdjusted: .logitAdjusted(tau: tau)
        case .balancedSoftmax: .logitAdjusted(tau: 1)
        case .ldam: .ldam(maxMargin: ldamMargin, scale: ldamScale, reweightingEpoch: reweightFrom ?? (epochs * 4 / 5 + 1))
        default: .crossEntropy
        }
    }

    /// `--loss`, or the head's default: triplet for the embedding head, ce for the softmax head.
    func name(for head: HeadName) -> LossName { loss ?? (head == .embedding ? .triplet : .crossEntropy) }

    /// Refuses a loss of the other head, saying which losses the chosen head takes.
    func validate(for head: HeadName) throws {
        guard let loss, loss.head != head else { return }
        let own = LossName.allCases.filter { $0.head == head }.map(\.rawValue).joined(separator: ", ")
        throw ValidationError("--loss \(loss.rawValue) is a loss of the \(loss.head.rawValue) head; the \(head.rawValue) head takes \(own)"
                              + " (or give --head \(loss.head.rawValue)).")
    }
}

/// `--loss`: the losses of both heads.
enum LossName: String, ExpressibleByArgument, CaseIterable {
    case crossEntropy = "ce", focal, logitAdjusted = "logit-adjusted", balancedSoftmax = "balanced-softmax", ldam
    case triplet, supcon, multiSimilarity = "multi-similarity", proxy

    /// The head the loss trains.
    var head: HeadName {
        switch self {
        case .crossEntropy, .focal, .logitAdjusted, .balancedSoftmax, .ldam: .softmax
        case .triplet, .supcon, .multiSimilarity, .proxy: .embedding
        }
    }
}
