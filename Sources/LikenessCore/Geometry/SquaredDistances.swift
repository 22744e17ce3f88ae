/// Squared Euclidean distances between rows, `‖a − b‖² = Σₖ (aₖ − bₖ)²`: the one distance code
/// of the toolkit. The triplet loss, prototypes, calibration, recall@1, SMOTE's neighbours and
/// exact search all reach their distances through it, so that one pair of vectors has one
/// distance wherever it is measured.
///
/// Every distance that is reported or compared with a threshold is `squaredDistance` of the
/// two rows: the same `Float` operations in the same order for every pair, whatever the
/// blocking or the thread count. Only `pairwise`, for the `N × N` matrices of a training
/// batch, starts from the Gram form (one matrix product) and recomputes the near entries,
/// where the Gram form loses its digits.
public enum SquaredDistances {
    /// `Σₖ (aₖ − bₖ)²` over `count` elements in `Float`: eight lanes, then their sum, then the
    /// tail.
    @inlinable @inline(__always)
    public static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count d: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i + 8 <= d {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                - UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            lanes += x * x
            i += 8
        }
        var sum = lanes.sum()
        while i < d {
            let x = a[i] - b[i]
            sum += x * x
            i += 1
        }
        return sum
    }

    /// `‖xᵢ‖² = Σₖ xᵢₖ²` of each row of `x` (`N × D`), computed as `squaredDistance` to zero is.
    public static func rowNorms(_ x: Tensor) -> [Float] {
        precondition(x.rank == 2, "row norms of a \(x.shape) tensor: expected N × D")
        let n = x.shape[0], d = x.shape[1]
        return x.withUnsafeBufferPointer { xp in
            (0..<n).map { i in
                var lanes = SIMD8<Float>()
                var k = 0
                let row = xp.baseAddress! + i * d
                while k + 8 <= d {
                    let v = UnsafeRawPointer(row + k).loadUnaligned(as: SIMD8<Float>.self)
                    lanes += v * v
                    k += 8
                }
                var sum = lanes.sum()
                while k < d { sum += row[k] * row[k]; k += 1 }
                return sum
            }
        }
    }

    /// `Sᵢⱼ = ‖aᵢ − bⱼ‖²` between the rows of `a` (`Q × D`) and of `b` (`P × D`): `Q × P`, each
    /// entry `squaredDistance(aᵢ, bⱼ)`, on `Parallel.threadCount` threads.
    ///
    /// Exact rather than Gram-based: this is what queries are classified and thresholds
    /// calibrated with, against few prototypes, where the `Q · P · D` cost is small.
    public static func cross(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "distances between \(a.shape) and \(b.shape)")
        let q = a.shape[0], p = b.shape[0], d = a.shape[1]
        return Tensor(shape: [q, p]) { out in
            let outBase = UnsafeSendablePointer(out.baseAddress)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    Parallel.forEachChunk(q, grain: max(1, 16_384 / max(p * d, 1))) { rows in
                        guard let out = outBase.pointer, let ab = ap.baseAddress, let bb = bp.baseAddress else { return }
                        for i in rows {
                            for j in 0..<p { out[i * p + j] = squaredDistance(ab + i * d, bb + j * d, count: d) }
                        }
                    }
                }
            }
        }
    }

    /// `Sᵢⱼ = ‖xᵢ − xⱼ‖²` between every pair of rows of `x` (`N × D`): `N × N`, symmetric, the
    /// diagonal exactly zero.
    ///
    /// From one Gram matrix `X Xᵀ` (`GEMM.multiply`): `max(‖xᵢ‖² + ‖xⱼ‖² − 2 xᵢ·xⱼ, 0)`. The Gram
    /// form cancels: its rounding error is about `ε_float · (‖xᵢ‖² + ‖xⱼ‖²)`, which can push a
    /// small distance below zero (hence the clamp) and leaves few exact digits between near
    /// neighbours. Entries under `nearFraction · (‖xᵢ‖² + ‖xⱼ‖²)` are therefore recomputed as
    /// `squaredDistance(xᵢ, xⱼ)`.
    public static func pairwise(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2, "pairwise distances of a \(x.shape) tensor: expected N × D")
        let n = x.shape[0], d = x.shape[1]
        let nearFraction: Float = 1e-3
        return Tensor(shape: [n, n]) { s in
            x.withUnsafeBufferPointer { xp in
                guard let xb = xp.baseAddress, let sb = s.baseAddress else { return }
                GEMM.multiply(.none, .transposed, m: n, n: n, k: d, a: xb, b: xb, c: sb)
                let norms = (0..<n).map { s[$0 * n + $0] }
                for i in 0..<n {
                    s[i * n + i] = 0
                    for j in (i + 1)..<n {
                        let scale = norms[i] + norms[j]
                        var value = max(scale - 2 * s[i * n + j], 0)
                        if value < nearFraction * scale {
                            value = squaredDistance(xb + i * d, xb + j * d, count: d)
                        }
                        s[i * n + j] = value
                        s[j * n + i] = value
                    }
                }
            }
        }
    }
}

/// A pointer the threads of `Parallel.forEachChunk` write disjoint rows through.
private struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>?
    init(_ pointer: UnsafeMutablePointer<Float>?) { self.pointer = pointer }
}
