import Foundation

/// The numerically stable softmax `pⱼ = exp(zⱼ − m) / Σₖ exp(zₖ − m)`, `m = maxₖ zₖ`.
public enum Softmax {
    /// Writes the softmax of one row of `count` logits and returns `log Σₖ exp(zₖ)`.
    @discardableResult
    public static func row(_ z: UnsafePointer<Float>, count: Int, into p: UnsafeMutablePointer<Float>) -> (logSumExp: Double, max: Float) {
        var m = -Float.infinity
        for j in 0..<count { m = max(m, z[j]) }
        var s: Float = 0
        for j in 0..<count { p[j] = expf(z[j] - m); s += p[j] }
        let inv = 1 / s
        for j in 0..<count { p[j] *= inv }
        return (Double(m) + Foundation.log(Double(s)), m)
    }

    /// The row-wise softmax of an `N × C` tensor.
    public static func probabilities(_ logits: Tensor) -> Tensor {
        precondition(logits.rank == 2, "softmax of a \(logits.shape) tensor")
        let n = logits.shape[0], c = logits.shape[1]
        return Tensor(shape: logits.shape) { p in
            logits.withUnsafeBufferPointer { z in
                for i in 0..<n { row(z.baseAddress! + i * c, count: c, into: p.baseAddress! + i * c) }
            }
        }
    }
}
