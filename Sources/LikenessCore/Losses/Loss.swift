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

/// A classification loss that also takes soft targets `t` (`N × C`, each row a probability
/// distribution over the classes), as mixup and CutMix make them: for the targets
/// `λ e_a + (1 − λ) e_b` of a mixed pair, `λ L(a) + (1 − λ) L(b)` (the losses linear in `t`;
/// weighted means normalise by the targets' weight). One-hot targets give the loss of their labels.
public protocol SoftTargetClassificationLoss: ClassificationLoss {
    /// - Parameters:
    ///   - logits: `N × C` scores.
    ///   - targets: `N × C` non-negative class probabilities, each row summing to 1.
    func lossAndGradient(logits: Tensor, targets: Tensor) -> (loss: Float, gradient: Tensor)
}

extension Tensor {
    /// The `N × classCount` one-hot rows of `labels`: the soft targets of unmixed images.
    public static func oneHot(_ labels: [Int], classCount: Int) -> Tensor {
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classCount }, "label outside 0..<\(classCount)")
        return Tensor(shape: [labels.count, classCount]) { t in
            t.initialize(repeating: 0)
            for (i, y) in labels.enumerated() { t[i * classCount + y] = 1 }
        }
    }
}

/// Checks soft targets against logits: the same shape, non-negative rows summing to 1.
func checkSoftTargets(_ targets: Tensor, for logits: Tensor) {
    precondition(logits.rank == 2 && targets.shape == logits.shape, "targets \(targets.shape) for logits \(logits.shape)")
    let c = logits.shape[1]
    targets.withUnsafeBufferPointer { t in
        precondition(t.allSatisfy { $0 >= 0 && $0.isFinite }, "soft targets must be finite and non-negative")
        for i in 0..<logits.shape[0] {
            var sum: Float = 0
            for j in 0..<c { sum += t[i * c + j] }
            precondition(abs(sum - 1) < 1e-4, "soft targets of row \(i) sum to \(sum), not 1")
        }
    }
}
