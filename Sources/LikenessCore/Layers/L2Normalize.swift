/// Scales each row to unit Euclidean length: `y = x / max(‖x‖₂, ε)`.
///
/// Input and output `N × D`. Gradient: `dx = (dy − y · (y·dy)) / ‖x‖` where `‖x‖ > ε`, else `dy / ε`.
public final class L2Normalize: Layer {
    public let epsilon: Float
    private var output: Tensor?
    private var norms: [Float] = []

    public init(epsilon: Float = 1e-12) { self.epsilon = epsilon }

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.count == 2, "L2Normalize expects N×D, got \(s)")
        return s
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.shape[0], d = outputShape(for: x.shape)[1]
        var norms = [Float](repeating: 0, count: n)
        let y = Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                for i in 0..<n {
                    var ss: Float = 0
                    for j in 0..<d { ss += xp[i * d + j] * xp[i * d + j] }
                    let norm = ss.squareRoot()
                    norms[i] = norm
                    let inv = 1 / max(norm, epsilon)
                    for j in 0..<d { out[i * d + j] = xp[i * d + j] * inv }
                }
            }
        }
        if training { output = y; self.norms = norms }
        return y
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let y = output else { preconditionFailure("L2Normalize.backward before a training forward") }
        guard inputGradient else { return nil }
        precondition(dy.shape == y.shape, "L2Normalize gradient shape \(dy.shape), expected \(y.shape)")
        let n = y.shape[0], d = y.shape[1]
        return Tensor(shape: y.shape) { dx in
            y.withUnsafeBufferPointer { yp in
                dy.withUnsafeBufferPointer { g in
                    for i in 0..<n {
                        let row = i * d
                        if norms[i] > epsilon {
                            var dot: Float = 0
                            for j in 0..<d { dot += yp[row + j] * g[row + j] }
                            let inv = 1 / norms[i]
                            for j in 0..<d { dx[row + j] = (g[row + j] - yp[row + j] * dot) * inv }
                        } else {
                            for j in 0..<d { dx[row + j] = g[row + j] / epsilon }
                        }
                    }
                }
            }
        }
    }
}
