/// A loss on the logits of a classifier: the mean loss over the batch and its gradient with
/// respect to the logits.
public protocol ClassificationLoss {
    /// - Parameters:
    ///   - logits: `N × C` scores.
    ///   - labels: the true class of each row, in `0..<C`.
    func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor)

    /// The loss in epoch `epoch` (1-based) of training, for losses that change over training
    /// (deferred re-weighting); the others ignore it.
    func lossAndGradient(logits: Tensor, labels: [Int], epoch: Int) -> (loss: Float, gradient: Tensor)
}

extension ClassificationLoss {
    public func lossAndGradient(logits: Tensor, labels: [Int], epoch: Int) -> (loss: Float, gradient: Tensor) {
        lossAndGradient(logits: logits, labels: labels)
    }
}
