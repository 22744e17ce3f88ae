/// How the distance between two embeddings is measured.
public enum EmbeddingDistance: String, Sendable, Codable, CaseIterable {
    /// `d(a, b) = ‖a − b‖₂`, PROTOCOL.md's distance between unit embeddings (in [0, 2]).
    case euclidean
    /// `d(a, b) = ‖a − b‖₂²` (in [0, 4] between unit embeddings).
    case squaredEuclidean

    /// The distances between every pair of rows of `x` (`N × D`): `N × N`, symmetric, with a
    /// zero diagonal (`SquaredDistances.pairwise`, then `√` for `.euclidean`).
    public func pairwise(_ x: Tensor) -> Tensor {
        var d = SquaredDistances.pairwise(x)
        if self == .euclidean {
            d.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] = p[i].squareRoot() }
            }
        }
        return d
    }
}
