/// What happens during training, in order, as `Trainer` reports it to its observer.
public enum TrainingEvent {
    /// Epoch `epoch` (1-based) of `of` begins, over `images` training images.
    case epochStarted(epoch: Int, of: Int, images: Int)
    /// Batch `batch` (1-based) of epoch `epoch` is done: `images` more images, the epoch's mean loss so far.
    case batchEnded(epoch: Int, batch: Int, images: Int, meanLoss: Double)
    /// An epoch is done and validated; `isBest` when its score beat every earlier one; `scoreName`
    /// names the validation score (nil without validation).
    case epochEnded(EpochReport, of: Int, isBest: Bool, scoreName: String?)
    /// Something about an epoch the step found worth a warning (collapsed embeddings).
    case warning(epoch: Int, String)
    /// Early stopping: no better validation score in the `patience` epochs after `bestEpoch`.
    case stoppedEarly(afterEpoch: Int, bestEpoch: Int, patience: Int)
    /// Training ended with epoch `epoch` of the `of` completed: its weights are the model's.
    case keptEpoch(Int, of: Int, score: Double?, scoreName: String?)
    /// Training stopped on a NaN or an infinity; the trainer throws this error next.
    case stopped(TrainingError)
}

/// Sees a training run's events (a progress display, a log, a test's record).
public protocol TrainingObserver: AnyObject {
    func observe(_ event: TrainingEvent)
}
