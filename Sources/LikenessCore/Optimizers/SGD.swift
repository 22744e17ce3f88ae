/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay (PyTorch's rule):
/// `g = ∇ + λ·θ`, `b = μ·b + g` (`b = g` at the first step), `θ −= η · (g + μ·b if nesterov else b)`.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float, nesterov: Bool
    /// The parameters it updates; its momentum buffers are kept in this order.
    public let parameters: [Parameter]
    private var velocity: [Tensor?]

    /// The momentum buffers `b`, one per parameter in the order of `parameters`; nil until the
    /// parameter's first step with momentum. Saved in a checkpoint.
    public var momentumBuffers: [Tensor?] { velocity }

    /// Continues from saved momentum buffers (nil, or shaped like their parameter).
    public func restore(momentumBuffers: [Tensor?]) {
        precondition(momentumBuffers.count == parameters.count
                     && zip(momentumBuffers, parameters).allSatisfy { buffer, parameter in
                         buffer.map { $0.shape == parameter.value.shape } ?? true
                     },
                     "SGD momentum buffers do not fit its \(parameters.count) parameters")
        velocity = momentumBuffers
    }

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(learningRate > 0 && momentum >= 0 && weightDecay >= 0, "SGD with lr \(learningRate), momentum \(momentum), weight decay \(weightDecay)")
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs momentum > 0")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        velocity = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        for (k, p) in parameters.enumerated() where p.isTrainable {
            let first = velocity[k] == nil
            if momentum > 0 && first { velocity[k] = Tensor(shape: p.value.shape) }
            let (lr, mu, wd, nesterov) = (learningRate, momentum, weightDecay, nesterov)
            p.gradient.withUnsafeBufferPointer { grad in
                p.value.withUnsafeMutableBufferPointer { theta in
                    if mu > 0 {
                        velocity[k]!.withUnsafeMutableBufferPointer { b in
                            for i in theta.indices {
                                let g = grad[i] + wd * theta[i]
                                b[i] = first ? g : mu * b[i] + g
                                theta[i] -= lr * (nesterov ? g + mu * b[i] : b[i])
                            }
                        }
                    } else {
                        for i in theta.indices { theta[i] -= lr * (grad[i] + wd * theta[i]) }
                    }
                }
            }
        }
    }
}

extension SGD {
    public func state(parameterNames names: [String]) -> OptimizerState {
        .sgd(learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay,
             momentumBuffers: OptimizerState.named(momentumBuffers, names))
    }

    public convenience init(restoring state: OptimizerState, parameters: [(name: String, parameter: Parameter)]) {
        guard case let .sgd(learningRate, momentum, nesterov, weightDecay, buffers) = state else {
            preconditionFailure("SGD restored from the state of another optimizer")
        }
        self.init(parameters: parameters.map(\.parameter), learningRate: learningRate, momentum: momentum,
                  nesterov: nesterov, weightDecay: weightDecay)
        restore(momentumBuffers: OptimizerState.ordered(buffers, for: parameters))
    }
}
