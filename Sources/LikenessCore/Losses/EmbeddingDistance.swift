/// How the distance between two embeddings is measured.
public enum EmbeddingDistance: String, Sendable, Codable, CaseIterable {
    /// `d(a, b) = ‖a − b‖₂`, PROTOCOL.md's distance between unit embeddings (in [0, 2]).
    case euclidean
    /// `d(a, b) = ‖a − b‖₂²` (in [0, 4] between unit embeddings).
    case squaredEuclidean

    /// The distances between every pair of rows of `x` (`N × D`): `N × N`, symmetric, with a
    /// zero diagonal.
    public func pairwise(_ x: Tensor) -> Tensor {
        var d = Self.squaredEuclideanMatrix(x)
        if self == .euclidean {
            d.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] = p[i].squareRoot() }
            }
        }
        return d
    }

    /// `Sᵢⱼ = max(‖xᵢ‖² + ‖xⱼ‖² − 2 xᵢ·xⱼ, 0)` for the rows of `x` (`N × D`), from one Gram
    /// matrix `X Xᵀ` (`GEMM.multiply`); `N × N`, symmetric, the diagonal exactly zero.
    ///
    /// The Gram form cancels: its rounding error is about `ε_float · (‖xᵢ‖² + ‖xⱼ‖²)`, which can
    /// push a small distance below zero (hence the clamp) and leaves few exact digits in the
    /// distance between near neighbours. Entries under `nearFraction · (‖xᵢ‖² + ‖xⱼ‖²)` are
    /// therefore recomputed directly as `Σₖ (xᵢₖ − xⱼₖ)²`.
    public static func squaredEuclideanMatrix(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2, "pairwise distances of a \(x.shape) tensor: expected N × D")
        let n = x.shape[0], d = x.shape[1]
        let nearFraction: Float = 1e-3
        return Tensor(shape: [n, n]) { s in
            x.withUnsafeBufferPointer { xp in
                GEMM.multiply(.none, .transposed, m: n, n: n, k: d,
                              a: xp.baseAddress!, b: xp.baseAddress!, c: s.baseAddress!)
                let norms = (0..<n).map { s[$0 * n + $0] }
                for i in 0..<n {
                    s[i * n + i] = 0
                    for j in (i + 1)..<n {
                        let scale = norms[i] + norms[j]
                        var value = max(scale - 2 * s[i * n + j], 0)
                        if value < nearFraction * scale {
                            value = 0
                            for k in 0..<d {
                                let diff = xp[i * d + k] - xp[j * d + k]
                                value += diff * diff
                            }
                        }
                        s[i * n + j] = value
                        s[j * n + i] = value
                    }
                }
            }
        }
    }
}
