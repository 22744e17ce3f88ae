/// A trainable tensor with its accumulated gradient.
///
/// Layers own their parameters; optimizers update `value` in place from `gradient`.
public final class Parameter {
    public var value: Tensor
    /// The gradient of the loss with respect to `value`, accumulated by `backward` since the
    /// last `zeroGradient()`.
    public var gradient: Tensor
    /// Whether optimizers update this parameter (false while a stage of training freezes it).
    public var isTrainable = true

    public init(_ value: Tensor) {
        self.value = value
        self.gradient = Tensor(shape: value.shape)
    }

    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// A differentiable building block of a network.
///
/// `forward` keeps what `backward` needs; `backward` takes the gradient of the loss with
/// respect to the last forward's output, adds the gradients of the parameters into
/// `Parameter.gradient`, and returns the gradient with respect to the input (or nil when
/// `inputGradient` is false: the first layer of a network needs none).
public protocol Layer: AnyObject {
    /// The layer's own parameters by local name (`weight`, `bias`), children excluded.
    var parameters: [(name: String, parameter: Parameter)] { get }
    /// Non-trained state saved with the model (a batch norm's running statistics).
    var buffers: [(name: String, tensor: Tensor)] { get }
    /// Replaces a buffer's value, for loading a saved model.
    func setBuffer(_ name: String, to tensor: Tensor)
    /// The output shape for an input of `inputShape` (batch dimension included).
    func outputShape(for inputShape: [Int]) -> [Int]
    func forward(_ input: Tensor, training: Bool) -> Tensor
    func backward(_ gradOutput: Tensor, inputGradient: Bool) -> Tensor?
}

extension Layer {
    public var parameters: [(name: String, parameter: Parameter)] { [] }
    public var buffers: [(name: String, tensor: Tensor)] { [] }
    public func setBuffer(_ name: String, to tensor: Tensor) {
        preconditionFailure("\(type(of: self)) has no buffer named \(name)")
    }
    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }
}

/// How the weights of a layer are drawn.
///
/// With fan-in `a` and fan-out `b` (input and output units times the kernel area):
/// He normal N(0, 2/a), He uniform U(±√(6/a)), Glorot normal N(0, 2/(a+b)),
/// Glorot uniform U(±√(6/(a+b))).
public enum WeightInitializer: String, Sendable, CaseIterable {
    case heNormal, heUniform, glorotNormal, glorotUniform

    public func tensor(shape: [Int], fanIn: Int, fanOut: Int, using rng: inout SeededGenerator) -> Tensor {
        switch self {
        case .heNormal:
            return .randomNormal(shape: shape, std: (2 / Float(fanIn)).squareRoot(), using: &rng)
        case .heUniform:
            let l = (6 / Float(fanIn)).squareRoot()
            return .randomUniform(shape: shape, in: -l...l, using: &rng)
        case .glorotNormal:
            return .randomNormal(shape: shape, std: (2 / Float(fanIn + fanOut)).squareRoot(), using: &rng)
        case .glorotUniform:
            let l = (6 / Float(fanIn + fanOut)).squareRoot()
            return .randomUniform(shape: shape, in: -l...l, using: &rng)
        }
    }
}
