import ArgumentParser
import Likeness

/// The triplet loss and the PK batches of the embedding head.
struct TripletOptions: ParsableArguments {
    @Option(help: "The triplet margin on the distance between unit embeddings.")
    var margin: Float = 0.2

    @Option(help: ArgumentHelp("Which triplets each batch trains on: semi-hard (FaceNet: per anchor-positive pair the nearest negative farther than the positive), semi-hard-all (every negative inside the margin, as pytorch-metric-learning), batch-hard or batch-all.", valueName: "miner"))
    var miner: MinerName = .semiHardAll

    @Option(help: ArgumentHelp("euclidean or squared-euclidean.", valueName: "distance"))
    var distance: EmbeddingDistance = .euclidean

    @Flag(help: "Soft margin: log(1 + exp(d(a,p) − d(a,n))) instead of the hinge.")
    var softMargin = false

    @Option(name: [.customLong("classes-per-batch"), .customShort("P")], help: "P: classes in each batch.")
    var classesPerBatch = 8

    @Option(name: [.customLong("images-per-class"), .customShort("K")], help: "K: images of each class in each batch.")
    var imagesPerClass = 16

    func validate() throws {
        guard margin > 0 && margin.isFinite else { throw ValidationError("--margin must be positive, not \(margin).") }
        guard classesPerBatch >= 2 else { throw ValidationError("--classes-per-batch must be at least 2, not \(classesPerBatch).") }
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
