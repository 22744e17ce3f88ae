import Foundation

/// The hyperbolic tangent `y = tanh(x)`, element-wise; its gradient is `1 − y²`.
///
/// A generator's last layer: it maps to `(−1, 1)`, the range its images are scaled to.
public final class Tanh: Layer {
    private var output: Tensor?

    public init() {}

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                Parallel.forEachChunk(x.count, grain: 1 << 14) { r in
                    for i in r { out[i] = Foundation.tanh(xp[i]) }
                }
            }
        }
        if training { output = y }
        return y
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let y = output else { preconditionFailure("Tanh.backward before a training forward") }
        guard inputGradient else { return nil }
        precondition(dy.shape == y.shape, "Tanh gradient shape \(dy.shape), expected \(y.shape)")
        return Tensor(shape: y.shape) { dx in
            y.withUnsafeBufferPointer { yp in
                dy.withUnsafeBufferPointer { g in
                    Parallel.forEachChunk(y.count, grain: 1 << 16) { r in
                        for i in r { dx[i] = g[i] * (1 - yp[i] * yp[i]) }
                    }
                }
            }
        }
    }
}
