/// An optimizer's settings and its state from step to step, per parameter name
/// (`conv1.weight`), so that training resumes with the updates it would have made.
///
/// Parameters' `isTrainable` flags are not part of it: a training stage sets them.
public enum OptimizerState: Sendable, Equatable {
    /// `Adam`: its settings, step count and moment estimates `m` and `v`.
    case adam(
        learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float,
        decoupledWeightDecay: Bool, stepCount: Int, firstMoments: [String: Tensor], secondMoments: [String: Tensor])
    /// `SGD`: its settings and the momentum buffers of the parameters that have one.
    case sgd(learningRate: Float, momentum: Float, nesterov: Bool, weightDecay: Float, momentumBuffers: [String: Tensor])

    /// The learning rate an optimizer made from the state starts with.
    public var learningRate: Float {
        get {
            switch self {
            case .adam(let rate, _, _, _, _, _, _, _, _), .sgd(let rate, _, _, _, _): rate
            }
        }
        set {
            switch self {
            case let .adam(_, beta1, beta2, epsilon, weightDecay, decoupled, stepCount, first, second):
                self = .adam(learningRate: newValue, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                             decoupledWeightDecay: decoupled, stepCount: stepCount, firstMoments: first, secondMoments: second)
            case let .sgd(_, momentum, nesterov, weightDecay, buffers):
                self = .sgd(learningRate: newValue, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay,
                            momentumBuffers: buffers)
            }
        }
    }

    /// The state of `optimizer`, which updates `network.parameters` in their order.
    public init(capturing optimizer: any Optimizer, of network: Sequential) {
        precondition(optimizer.parameters.count == network.parameters.count
                     && zip(optimizer.parameters, network.parameters).allSatisfy { $0 === $1.parameter },
                     "the optimizer does not update the network's parameters in order")
        self = optimizer.state(parameterNames: network.parameters.map(\.name))
    }

    /// An optimizer over `network.parameters` continuing from this state; the state's tensors
    /// must be named and shaped as the network's parameters (as `ModelArchive.load` checks).
    public func makeOptimizer(for network: Sequential) -> any Optimizer {
        optimizerType.init(restoring: self, parameters: network.parameters)
    }

    /// The optimizer the state is of.
    private var optimizerType: any Optimizer.Type {
        switch self {
        case .adam: Adam.self
        case .sgd: SGD.self
        }
    }

    /// `tensors` (one per parameter in order, nil for none) by the parameters' `names`.
    static func named(_ tensors: [Tensor?], _ names: [String]) -> [String: Tensor] {
        precondition(tensors.count == names.count, "\(names.count) names for the state of \(tensors.count) parameters")
        return Dictionary(uniqueKeysWithValues: zip(names, tensors).compactMap { name, tensor in tensor.map { (name, $0) } })
    }

    /// The tensors of `parameters` in their order (nil for one without); all must be `parameters`' own.
    static func ordered(_ tensors: [String: Tensor], for parameters: [(name: String, parameter: Parameter)]) -> [Tensor?] {
        precondition(Set(tensors.keys).isSubset(of: parameters.map(\.name)),
                     "optimizer state for parameters the network lacks: \(Set(tensors.keys).subtracting(parameters.map(\.name)).sorted())")
        return parameters.map { tensors[$0.name] }
    }
}
