import Foundation

/// `Sᵢⱼ = xᵢ · xⱼ / τ` for the rows of `x` (`N × D`), and the row-wise softmax over `j ≠ i`
/// that contrastive losses (`SupervisedContrastiveLoss`) and relational distillation
/// (`RelationalDistillationLoss`) take.
///
/// For unit rows `Sᵢⱼ` is the cosine similarity over the temperature. The diagonal is left out
/// of each row's softmax: `xᵢ · xᵢ / τ` is the largest entry and the same for every row, and
/// would take most of each row's mass at small `τ`.
struct ScaledSimilarities {
    let count: Int
    let temperature: Float
    /// `N × N`, row-major: `Pᵢⱼ = exp Sᵢⱼ / Σ_{k≠i} exp Sᵢₖ`, 0 on the diagonal.
    var probabilities: [Float]
    /// `N × N`, row-major: `log Pᵢⱼ`, 0 on the diagonal.
    var logProbabilities: [Float]

    init(_ x: Tensor, temperature: Float) {
        precondition(x.rank == 2, "embeddings of shape \(x.shape): expected [N, D]")
        precondition(temperature > 0 && temperature.isFinite, "temperature \(temperature)")
        let n = x.shape[0], d = x.shape[1]
        count = n
        self.temperature = temperature
        var s = [Float](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { xp in
            s.withUnsafeMutableBufferPointer { sp in
                GEMM.multiply(.none, .transposed, m: n, n: n, k: d, alpha: 1 / temperature,
                              a: xp.baseAddress!, b: xp.baseAddress!, c: sp.baseAddress!)
            }
        }
        var p = [Float](repeating: 0, count: n * n), logP = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            var largest = -Float.infinity
            for j in 0..<n where j != i { largest = max(largest, s[i * n + j]) }
            var sum: Double = 0
            for j in 0..<n where j != i { sum += Double(Foundation.exp(s[i * n + j] - largest)) }
            let logSum = largest + Float(Foundation.log(sum))
            for j in 0..<n where j != i {
                logP[i * n + j] = s[i * n + j] - logSum
                p[i * n + j] = Foundation.exp(logP[i * n + j])
            }
        }
        probabilities = p
        logProbabilities = logP
    }

    /// `∂L/∂x` from `G = ∂L/∂S` (`N × N`): `(G + Gᵀ) x / τ`, since `Sᵢⱼ = xᵢ · xⱼ / τ`.
    func embeddingGradient(_ g: [Float], of x: Tensor) -> Tensor {
        let n = count, d = x.shape[1]
        var symmetric = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { symmetric[i * n + j] = g[i * n + j] + g[j * n + i] }
        }
        return Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                symmetric.withUnsafeBufferPointer { gp in
                    GEMM.multiply(.none, .none, m: n, n: d, k: n, alpha: 1 / temperature,
                                  a: gp.baseAddress!, b: xp.baseAddress!, c: out.baseAddress!)
                }
            }
        }
    }
}
