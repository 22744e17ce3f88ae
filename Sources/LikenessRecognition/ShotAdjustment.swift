/// `β(n) = 2r̂ − 2r̂² / √(r̂² + σ̂²/n)`, `r̂² = 1 − σ̂²`: how much farther, in squared Euclidean
/// distance, a genuine query lies from a prototype averaged over `n` shots than from one
/// averaged over very many, for unit embeddings with within-class spread `σ̂²`.
///
/// Why: a class's unit embeddings `e` have mean `μ`, `‖μ‖ = r`, spread `E‖e − μ‖² = 1 − r² = σ²`.
/// The mean of `n` shots `m_n` has `E[q·m_n] = r²` for a genuine query `q` and
/// `E‖m_n‖² ≈ r² + σ²/n`, so its prototype `m_n / ‖m_n‖` is at `d² = 2 − 2q·p ≈ 2 − 2r²/√(r² + σ²/n)`
/// from `q`: `2 − 2r²` for one shot, `2 − 2r` for very many. A one-shot prototype sits at a
/// random member of its class rather than at its centre, and its genuine queries are farther
/// from it. The shot-adjusted score `√max(0, d² − β(n_c))` removes that excess, so nearest-prototype
/// decisions and one threshold treat a class of one image as they treat a class of thousands.
///
/// `σ̂²` is pooled over the gallery's classes with many shots (`pooledSpread`), from their sums
/// alone: `Σ_i ‖e_i − m‖² = V − ‖S‖²/V` for `V` unit embeddings summing to `S`.
public struct ShotAdjustment: Sendable, Equatable {
    /// `σ̂²`, in [0, 1).
    public let spread: Double

    /// The fewest shots a class needs for its spread to count in `pooledSpread`.
    public static let minimumShots = 10

    public init(spread: Double) {
        precondition(spread >= 0 && spread < 1, "within-class spread \(spread) outside [0, 1)")
        self.spread = spread
    }

    /// `β(n)` for a prototype averaged over `n > 0` images (`EnrolledClass.effectiveShotCount`).
    public func bias(shots n: Double) -> Double {
        precondition(n > 0, "\(n) shots")
        let r2 = 1 - spread, r = r2.squareRoot()
        return 2 * r - 2 * r2 / (r2 + spread / n).squareRoot()
    }

    /// `σ̂² = Σ_c (V_c − ‖S_c‖²/V_c) / Σ_c (V_c − 1)` over the unrefined classes of at least
    /// `minimumShots` shots (`V_c` embeddings summing to `S_c`); nil when there is none, or no spread.
    public static func pooledSpread(of classes: [Gallery.EnrolledClass]) -> Double? {
        var within = 0.0, degrees = 0.0
        for c in classes where c.shotCount >= minimumShots && c.refinement == nil {
            let v = Double(c.viewCount)
            within += v - c.sum.reduce(0) { $0 + $1 * $1 } / v
            degrees += v - 1
        }
        guard degrees > 0 else { return nil }
        let spread = within / degrees
        return spread > 0 && spread < 1 ? spread : nil
    }
}

extension Gallery {
    /// The correction measured on the gallery's classes with many shots; nil when there are none.
    public var shotAdjustment: ShotAdjustment? {
        ShotAdjustment.pooledSpread(of: classes).map(ShotAdjustment.init(spread:))
    }

    /// `β_c` per class (`ShotAdjustment.bias`), subtracted from `d²` under the shot-adjusted
    /// score; all 0 under the raw score or without classes of many shots to measure the spread on.
    public var scoreOffsets: [Float] {
        guard score == .shotAdjusted, let adjustment = shotAdjustment else { return classes.map { _ in 0 } }
        return classes.map { Float(adjustment.bias(shots: $0.effectiveShotCount)) }
    }

    /// The threshold of a class of few shots, moved from the global threshold `τ` by its shot count:
    /// `√(τ² + β(n_c))` under the raw score (a genuine query's expected excess distance, which the
    /// shot-adjusted score removes from the distance instead); nil under the shot-adjusted score,
    /// for a class of `ShotAdjustment.minimumShots` or more, or without a global threshold or spread.
    public func shotThreshold(forClass name: String) -> Threshold? {
        guard score == .raw, let global = globalThreshold, let adjustment = shotAdjustment,
              let c = self[name], c.effectiveShotCount < Double(ShotAdjustment.minimumShots) else { return nil }
        let tau = Double(global.distance)
        return Threshold(distance: Float((tau * tau + adjustment.bias(shots: c.effectiveShotCount)).squareRoot()), source: .shots)
    }
}
