/// An element-wise function a layer applies to its own output, in the same pass.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// `y = x`.
    case identity
    /// `y = max(x, 0)`; the gradient passes where `y > 0`.
    case relu

    /// `y = max(y, 0)` in place.
    @inlinable
    public static func relu(_ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = max(y[i], 0) }
    }

    /// `dy = dy · [y > 0]` in place, from the rectifier's output `y`.
    public static func reluGradient(output y: Tensor, gradient dy: inout Tensor) {
        precondition(dy.shape == y.shape, "ReLU gradient shape \(dy.shape), expected \(y.shape)")
        y.withUnsafeBufferPointer { yp in
            dy.withUnsafeMutableBufferPointer { g in
                Parallel.forEachChunk(y.count, grain: 1 << 16) { r in
                    for i in r where yp[i] <= 0 { g[i] = 0 }
                }
            }
        }
    }
}

/// The rectifier `y = max(x, 0)` as a layer of its own; its gradient passes where `y > 0`.
public final class ReLU: Layer {
    private var output: Tensor?

    public init() {}

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                Parallel.forEachChunk(x.count, grain: 1 << 16) { r in
                    for i in r { out[i] = max(xp[i], 0) }
                }
            }
        }
        if training { output = y }
        return y
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let y = output else { preconditionFailure("ReLU.backward before a training forward") }
        guard inputGradient else { return nil }
        precondition(dy.shape == y.shape, "ReLU gradient shape \(dy.shape), expected \(y.shape)")
        var dx = dy
        Activation.reluGradient(output: y, gradient: &dx)
        return dx
    }
}
