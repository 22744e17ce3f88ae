/// The leaky rectifier `y = x` for `x > 0`, `y = negativeSlope · x` otherwise; its gradient is 1 or
/// `negativeSlope` on the same sides (PyTorch's `LeakyReLU`).
public final class LeakyReLU: Layer {
    public let negativeSlope: Float
    private var input: Tensor?

    /// - Parameter negativeSlope: the slope for negative inputs, in `[0, 1)` (DCGAN's discriminator uses 0.2).
    public init(negativeSlope: Float = 0.01) {
        precondition(negativeSlope >= 0 && negativeSlope < 1, "LeakyReLU slope \(negativeSlope) outside [0, 1)")
        self.negativeSlope = negativeSlope
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if training { input = x }
        let slope = negativeSlope
        return Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                Parallel.forEachChunk(x.count, grain: 1 << 16) { r in
                    for i in r { out[i] = xp[i] > 0 ? xp[i] : slope * xp[i] }
                }
            }
        }
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("LeakyReLU.backward before a training forward") }
        guard inputGradient else { return nil }
        precondition(dy.shape == x.shape, "LeakyReLU gradient shape \(dy.shape), expected \(x.shape)")
        let slope = negativeSlope
        return Tensor(shape: x.shape) { dx in
            x.withUnsafeBufferPointer { xp in
                dy.withUnsafeBufferPointer { g in
                    Parallel.forEachChunk(x.count, grain: 1 << 16) { r in
                        for i in r { dx[i] = xp[i] > 0 ? g[i] : slope * g[i] }
                    }
                }
            }
        }
    }
}
