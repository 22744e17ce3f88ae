/// A fully connected layer: `y = act(x · Wᵀ + b)`.
///
/// Layouts: input `N × in`, output `N × out`, weight `out × in` (as PyTorch), bias `out`.
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let inputCount: Int, outputCount: Int
    public let activation: Activation
    private var input: Tensor?
    private var output: Tensor?

    public init(inputCount: Int, outputCount: Int, activation: Activation = .identity,
                initializer: WeightInitializer = .glorotUniform, rng: inout SeededGenerator) {
        precondition(inputCount > 0 && outputCount > 0, "bad Linear \(inputCount)→\(outputCount)")
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.activation = activation
        weight = Parameter(initializer.tensor(shape: [outputCount, inputCount], fanIn: inputCount, fanOut: outputCount, using: &rng))
        bias = Parameter(Tensor(shape: [outputCount]))
    }

    public var parameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.count == 2 && s[1] == inputCount, "Linear expects N×\(inputCount) input, got \(s)")
        return [s[0], outputCount]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = outputShape(for: x.shape)[0]
        if training { input = x }
        let y = Tensor(shape: [n, outputCount]) { y in
            bias.value.withUnsafeBufferPointer { b in
                for i in 0..<n { (y.baseAddress! + i * outputCount).update(from: b.baseAddress!, count: outputCount) }
            }
            x.withUnsafeBufferPointer { xp in
                weight.value.withUnsafeBufferPointer { w in
                    GEMM.multiply(.none, .transposed, m: n, n: outputCount, k: inputCount,
                                  a: xp.baseAddress!, b: w.baseAddress!, beta: 1, c: y.baseAddress!)
                }
            }
            if activation == .relu { Activation.relu(y.baseAddress!, count: y.count) }
        }
        if training { output = activation == .relu ? y : nil }
        return y
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("Linear.backward before a training forward") }
        let n = x.shape[0]
        precondition(dy.shape == [n, outputCount], "Linear gradient shape \(dy.shape), expected \([n, outputCount])")
        var dy = dy
        if activation == .relu, let y = output { Activation.reluGradient(output: y, gradient: &dy) }
        dy.withUnsafeBufferPointer { g in
            x.withUnsafeBufferPointer { xp in
                weight.gradient.withUnsafeMutableBufferPointer { gw in
                    // dW += dYᵀ · X
                    GEMM.multiply(.transposed, .none, m: outputCount, n: inputCount, k: n,
                                  a: g.baseAddress!, b: xp.baseAddress!, beta: 1, c: gw.baseAddress!)
                }
            }
            bias.gradient.withUnsafeMutableBufferPointer { gb in
                for i in 0..<n { for o in 0..<outputCount { gb[o] += g[i * outputCount + o] } }
            }
        }
        guard inputGradient else { return nil }
        return Tensor(shape: x.shape) { dx in
            dy.withUnsafeBufferPointer { g in
                weight.value.withUnsafeBufferPointer { w in
                    // dX = dY · W
                    GEMM.multiply(.none, .none, m: n, n: inputCount, k: outputCount,
                                  a: g.baseAddress!, b: w.baseAddress!, c: dx.baseAddress!)
                }
            }
        }
    }
}
