import LikenessCore

/// The epoch with the best validation score so far: what early stopping waits to see beaten,
/// and the weights the network is given back when training ends. Checkpoints keep it, so that
/// a resumed run stops and restores as the uninterrupted one would have.
public struct BestEpoch: Sendable {
    /// The epochs completed when it was measured, counted as `Checkpoint.epoch` counts them.
    public var epoch: Int
    /// Its validation score: balanced accuracy for a classifier, recall@1 for an embedding.
    public var score: Double
    /// The network's parameters and buffers then, by name (`conv1.weight`, `bn1.running_var`).
    public var weights: [String: Tensor]

    public init(epoch: Int, score: Double, weights: [String: Tensor]) {
        precondition(epoch >= 1, "best epoch \(epoch): counted from 1")
        self.epoch = epoch
        self.score = score
        self.weights = weights
    }

    /// The score and `network`'s current weights (tensors are copy-on-write: the copy costs
    /// nothing until the optimizer next writes a parameter).
    init(epoch: Int, score: Double, of network: Sequential) {
        self.init(epoch: epoch, score: score, weights: Dictionary(uniqueKeysWithValues: network.weightEntries))
    }

    /// Gives `network` these weights back; they must be those of a network of its architecture.
    func restore(into network: Sequential) {
        func saved(_ name: String) -> Tensor {
            guard let tensor = weights[name] else { preconditionFailure("the best epoch's weights lack \(name)") }
            return tensor
        }
        for (name, parameter) in network.parameters { parameter.value = saved(name) }
        for (name, _) in network.buffers { network.setBuffer(name, to: saved(name)) }
    }
}
