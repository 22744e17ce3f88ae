import LikenessCore

/// One optimisation step of a classifier: forward, loss, backward, update.
public struct ClassifierStep: TrainingStep {
    public let model: Sequential
    public let optimizer: any Optimizer
    public let loss: any ClassificationLoss

    public init(model: Sequential, optimizer: any Optimizer, loss: any ClassificationLoss) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
    }

    public static var takesSoftTargets: Bool { true }

    /// Trains on one batch (`N × C × H × W` images, `N` labels, or the soft targets of a mixed
    /// batch); the outcome is the batch's loss.
    ///
    /// - Precondition: the loss takes soft targets (`SoftTargetClassificationLoss`) when the
    ///   batch has them.
    ///
    /// - Throws: `NonFiniteValue` when the loss or a gradient is NaN or infinite (the optimizer
    ///   has not stepped then, and the network's parameters and buffers are as they were), or
    ///   when the step made a parameter so (`updatedWeights`).
    public func callAsFunction(_ batch: TrainingBatch) throws(NonFiniteValue) -> StepOutcome {
        let value = try model.checkedPass(images: batch.images) {
            model.zeroGradients()
            let logits = model.forward(batch.images, training: true)
            let (value, gradient): (Float, Tensor)
            if let targets = batch.targets {
                guard let soft = loss as? any SoftTargetClassificationLoss else {
                    preconditionFailure("\(type(of: loss)) does not take the soft targets of a mixed batch")
                }
                (value, gradient) = soft.lossAndGradient(logits: logits, targets: targets)
            } else {
                (value, gradient) = loss.lossAndGradient(logits: logits, labels: batch.labels, epoch: batch.epoch)
            }
            _ = model.backward(gradient, inputGradient: false)
            return (value, value)
        }
        optimizer.step()
        try model.requireFiniteParameters(afterStepWithLoss: value)
        return StepOutcome(loss: value)
    }
}
