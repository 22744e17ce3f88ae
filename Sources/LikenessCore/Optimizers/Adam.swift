import Foundation

/// Adam, and AdamW with decoupled weight decay:
/// `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`, `θ −= η · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)`,
/// where `g = ∇ + λθ` for Adam's L2 decay, or `θ −= ηλθ` before the update for AdamW.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// Whether weight decay is decoupled from the gradient (AdamW).
    public let decoupledWeightDecay: Bool
    /// The parameters it updates; its moments are kept in this order.
    public let parameters: [Parameter]
    private var firstMoment: [Tensor], secondMoment: [Tensor]
    /// The number of steps taken: `t` in the bias corrections.
    public private(set) var stepCount = 0

    /// The moment estimates `m` and `v`, one pair per parameter in the order of `parameters`,
    /// to save in a checkpoint.
    public var moments: (first: [Tensor], second: [Tensor]) { (firstMoment, secondMoment) }

    /// Continues from a saved state: the moments (shaped like `parameters`) and the step count.
    public func restore(firstMoments: [Tensor], secondMoments: [Tensor], stepCount: Int) {
        precondition(firstMoments.map(\.shape) == parameters.map(\.value.shape)
                     && secondMoments.map(\.shape) == parameters.map(\.value.shape) && stepCount >= 0,
                     "Adam state does not fit its \(parameters.count) parameters (step count \(stepCount))")
        firstMoment = firstMoments
        secondMoment = secondMoments
        self.stepCount = stepCount
    }

    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        precondition(learningRate > 0 && (0..<1).contains(beta1) && (0..<1).contains(beta2) && epsilon > 0 && weightDecay >= 0,
                     "Adam with lr \(learningRate), betas (\(beta1), \(beta2)), eps \(epsilon), weight decay \(weightDecay)")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        firstMoment = parameters.map { Tensor(shape: $0.value.shape) }
        secondMoment = parameters.map { Tensor(shape: $0.value.shape) }
    }

    /// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, PyTorch's default λ = 0.01.
    public static func adamW(parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0.01) -> Adam {
        Adam(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    public func step() {
        stepCount += 1
        let t = Float(stepCount)
        let c1 = 1 - _pow(beta1, t), c2 = 1 - _pow(beta2, t)
        let (lr, b1, b2, eps, wd, decoupled) = (learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay)
        for (k, p) in parameters.enumerated() where p.isTrainable {
            p.gradient.withUnsafeBufferPointer { grad in
                p.value.withUnsafeMutableBufferPointer { theta in
                    firstMoment[k].withUnsafeMutableBufferPointer { m in
                        secondMoment[k].withUnsafeMutableBufferPointer { v in
                            for i in theta.indices {
                                var g = grad[i]
                                if decoupled { theta[i] *= 1 - lr * wd } else { g += wd * theta[i] }
                                m[i] = b1 * m[i] + (1 - b1) * g
                                v[i] = b2 * v[i] + (1 - b2) * g * g
                                theta[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

private func _pow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }

extension Adam {
    public func state(parameterNames names: [String]) -> OptimizerState {
        .adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
              decoupledWeightDecay: decoupledWeightDecay, stepCount: stepCount,
              firstMoments: OptimizerState.named(moments.first, names), secondMoments: OptimizerState.named(moments.second, names))
    }

    public convenience init(restoring state: OptimizerState, parameters: [(name: String, parameter: Parameter)]) {
        guard case let .adam(learningRate, beta1, beta2, epsilon, weightDecay, decoupled, stepCount, first, second) = state else {
            preconditionFailure("Adam restored from the state of another optimizer")
        }
        self.init(parameters: parameters.map(\.parameter), learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: decoupled)
        let (m, v) = (OptimizerState.ordered(first, for: parameters), OptimizerState.ordered(second, for: parameters))
        precondition(!m.contains(nil) && !v.contains(nil), "Adam state lacks the moments of some parameters")
        restore(firstMoments: m.compactMap { $0 }, secondMoments: v.compactMap { $0 }, stepCount: stepCount)
    }
}
