import LikenessCore
import LikenessData

/// Relational distillation during supervised training: each step adds
/// `weight · KL(teacher ‖ student)` of the in-batch similarity structure
/// (`RelationalDistillationLoss`) over the step's labelled images and `poolImagesPerStep`
/// images drawn from an unlabelled pool, the teacher frozen (a label-free `likeness pretrain`
/// network).
///
/// The pool images of a step depend only on `seed`, the epoch and the batch, so a resumed run
/// draws what the interrupted one would have.
public struct Distillation {
    /// The frozen network whose similarities the student keeps: its outputs are unit rows.
    public var teacher: Sequential
    public var loss: RelationalDistillationLoss
    public var weight: Float
    /// Unlabelled images (their labels are never read), as indices into `pool`'s dataset; none
    /// distils on the labelled images alone.
    public var pool: ValidationImages?
    public var poolImagesPerStep: Int
    public var seed: UInt64

    /// The defaults: weight 0.5, the weight PROTOCOL.md's held-out rule chooses (ONE-SHOT-MEASUREMENTS's
    /// recipe took 0.3); temperature 0.1, 128 pool images per step beside the 128 labelled ones.
    public init(teacher: Sequential, loss: RelationalDistillationLoss = RelationalDistillationLoss(), weight: Float = 0.5,
                pool: ValidationImages? = nil, poolImagesPerStep: Int = 128, seed: UInt64 = 0) {
        precondition(weight >= 0 && weight.isFinite, "distillation weight \(weight)")
        precondition(poolImagesPerStep >= 0, "\(poolImagesPerStep) pool images per step")
        self.teacher = teacher
        self.loss = loss
        self.weight = weight
        self.pool = pool
        self.poolImagesPerStep = poolImagesPerStep
        self.seed = seed
    }

    /// The pool images the step of `batch` adds, or nil without a pool: drawn with
    /// replacement, `N × C × H × W` in [0, 1].
    func poolImages(for batch: TrainingBatch) -> Tensor? {
        guard let pool, poolImagesPerStep > 0 else { return nil }
        var rng = SeededGenerator(seed: seed, stream: batch.epoch, batch.index)
        let indices = (0..<poolImagesPerStep).map { _ in pool.indices[rng.nextIndex(below: pool.indices.count)] }
        return pool.dataset.batch(indices)
    }

    /// In words, for the training record: "relational, weight 0.5, temperature 0.1, 128 pool images per step".
    public var summary: String {
        "relational, weight \(weight), temperature \(loss.temperature)"
            + (pool == nil ? ", labelled images only" : ", \(poolImagesPerStep) pool images per step")
    }
}

extension Tensor {
    /// The images of `a` then those of `b` (`N × C × H × W` each, same image shape).
    static func concatenatingImages(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank == b.rank && Array(a.shape.dropFirst()) == Array(b.shape.dropFirst()),
                     "images of shapes \(a.shape) and \(b.shape)")
        var shape = a.shape
        shape[0] += b.shape[0]
        return Tensor(shape: shape, scalars: a.scalars + b.scalars)
    }
}
