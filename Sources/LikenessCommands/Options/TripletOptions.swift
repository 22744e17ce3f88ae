import ArgumentParser
import Likeness

/// The triplet loss and the PK batches of the embedding head.
struct TripletOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "The triplet margin on the distance between unit embeddings.")
    var margin: Float = 0.2

    @Option(help: ArgumentHelp("Which triplets each batch trains on: semi-hard (FaceNet: per anchor-positive pair the nearest negative farther than the positive), semi-hard-all (every negative inside the margin, as pytorch-metric-learning), batch-hard or batch-all.", valueName: "miner"))
    var miner: MinerName = .semiHardAll

    @Option(help: ArgumentHelp("euclidean or squared-euclidean.", valueName: "distance"))
    var distance: EmbeddingDistance = .euclidean

    @Flag(help: "Soft margin: log(1 + exp(d(a,p) − d(a,n))) instead of the hinge.")
    var softMargin = false

    @Option(name: [.customLong("classes-per-batch"), .customShort("P")], parsing: .unconditional,
            help: "P: classes in each batch, at most the training set's classes of 2 or more images (default: 8, or all of them when fewer).")
    var classesPerBatch: Int?

    @Option(name: [.customLong("images-per-class"), .customShort("K")], parsing: .unconditional,
            help: "K: images of each class in each batch, at most \(Self.maximumImagesPerClass).")
    var imagesPerClass = 16

    /// P when none is given (fewer when fewer classes have 2 images).
    static let defaultClassesPerBatch = 8
    /// The most images of a class in a batch (`-K`): 16 classes of them already make batches of
    /// 65,536 images.
    static let maximumImagesPerClass = 4096

    func validate() throws {
        guard margin > 0 && margin.isFinite else { throw ValidationError("--margin must be positive, not \(margin).") }
        if let classesPerBatch, classesPerBatch < 2 { throw ValidationError("--classes-per-batch must be at least 2, not \(classesPerBatch).") }
        guard imagesPerClass >= 2 else { throw ValidationError("--images-per-class must be at least 2, not \(imagesPerClass).") }
    }

    var loss: TripletLoss {
        TripletLoss(margin: margin, distance: distance, softMargin: softMargin, miner: miner.miner(margin: margin))
    }
}

/// `--miner`: which triplets a batch trains on (likeness train, likeness-bench).
public enum MinerName: String, ExpressibleByArgument, CaseIterable, Sendable {
    case semiHard = "semi-hard", semiHardAll = "semi-hard-all", batchHard = "batch-hard", batchAll = "batch-all"

    /// The miner this name stands for; `margin` is the loss's (semi-hard-all keeps the negatives inside it).
    public func miner(margin: Float) -> any TripletMiner {
        switch self {
        case .semiHard: SemiHardMiner()
        case .semiHardAll: SemiHardWithinMarginMiner(margin: margin)
        case .batchHard: BatchHardMiner()
        case .batchAll: BatchAllMiner()
        }
    }
}

extension EmbeddingDistance: ExpressibleByArgument {
    public static var allValueStrings: [String] { ["euclidean", "squared-euclidean"] }

    public init?(argument: String) {
        switch argument {
        case "euclidean": self = .euclidean
        case "squared-euclidean", "squared": self = .squaredEuclidean
        default: return nil
        }
    }
}
