/// Splits the images of a training set into the batches of each epoch.
///
/// Batches are lists of indices into a dataset (pass them to `Dataset.batch(_:)`). They depend
/// only on the sampler's settings, its seed and the epoch, so a run can restart at any epoch
/// and draw the batches it would have drawn.
public protocol BatchSampler: Sendable {
    /// The batches of epoch `epoch` (0-based), in training order.
    func batches(epoch: Int) -> [[Int]]
}
