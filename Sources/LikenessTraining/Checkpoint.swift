import LikenessCore

/// What a model archive carries, beside the weights, to resume training where it stopped.
///
/// Stored under `/checkpoint`: the epoch and optimizer settings as attributes, the optimizer's
/// per-parameter state as datasets `/checkpoint/optimizer/<slot>/<layer>/<param>`, generator
/// states as int64 datasets of four words: `/checkpoint/generators/<name>` for the training
/// loop's own, `/checkpoint/dropout_generators/<layer>` for the network's dropout layers (saved
/// from the network and restored into it by `ModelArchive.load`); the best epoch's weights under
/// `/checkpoint/best/<layer>/<param>`, EasyEnsemble's under `/checkpoint/ensemble/`.
///
/// The trainers hand one to their `onEpochEnd` hook after every epoch and resume from one
/// (`resumingFrom:`): batches, augmentation and the softmax recipe's stages follow from the
/// seed and the epoch, so with the same settings a resumed run ends with the weights of an
/// uninterrupted one.
public struct Checkpoint: Sendable {
    /// The number of epochs completed (for a `SoftmaxRecipe`, both stages' epochs together).
    public var epoch: Int
    public var optimizer: OptimizerState
    /// The training loop's generators by name (batch order, augmentation), as they stood.
    public var generators: [String: SeededGenerator]
    /// The best validation epoch of the training stage in progress, when it keeps one.
    public var best: BestEpoch?
    /// EasyEnsemble's heads so far, when the checkpoint falls in its stage.
    public var ensemble: EnsembleProgress?

    public init(epoch: Int, optimizer: OptimizerState, generators: [String: SeededGenerator] = [:],
                best: BestEpoch? = nil, ensemble: EnsembleProgress? = nil) {
        precondition(epoch >= 0, "checkpoint after epoch \(epoch)")
        precondition(generators.keys.allSatisfy(isStorableName), "generator names must be non-empty, without '/' or '.': \(generators.keys.sorted())")
        precondition(best.map { $0.epoch <= epoch } ?? true, "best epoch \(best!.epoch) after the checkpoint's epoch \(epoch)")
        self.epoch = epoch
        self.optimizer = optimizer
        self.generators = generators
        self.best = best
        self.ensemble = ensemble
    }

    /// The checkpoint a trainer hands its hook after `epoch` epochs: `optimizer`'s state, with
    /// the base learning rate its schedule sets each epoch's rate from (the resumed run's too).
    init(afterEpoch epoch: Int, optimizer: any Optimizer, baseLearningRate: Float, of model: Sequential, best: BestEpoch?) {
        var state = OptimizerState(capturing: optimizer, of: model)
        state.learningRate = baseLearningRate
        self.init(epoch: epoch, optimizer: state, best: best)
    }

    /// The same checkpoint with its epochs (and its best epoch's) counted from `offset` more:
    /// how a training stage's own count becomes the whole run's, and back.
    func shifted(by offset: Int) -> Checkpoint {
        var shifted = self
        shifted.epoch += offset
        shifted.best?.epoch += offset
        return shifted
    }
}

/// Whether `name` can be one component of an HDF5 path and of a `layer.param` name.
package func isStorableName(_ name: String) -> Bool {
    !name.isEmpty && !name.contains("/") && !name.contains(".") && !name.utf8.contains(0)
}
