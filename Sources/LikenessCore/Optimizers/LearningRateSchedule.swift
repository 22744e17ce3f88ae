import Foundation

/// A learning rate as a function of the epoch (or step) `t`, from the base rate `η₀`.
public enum LearningRateSchedule: Sendable, Equatable {
    /// `η = η₀`.
    case constant
    /// `η = η₀ · γ^⌊t / stepSize⌋`.
    case step(stepSize: Int, gamma: Float)
    /// `η = η_min + (η₀ − η_min) · (1 + cos(π · t / T)) / 2`, constant at `η_min` from `t = T`.
    case cosine(period: Int, minimum: Float = 0)

    public func rate(base: Float, at t: Int) -> Float {
        switch self {
        case .constant:
            return base
        case let .step(stepSize, gamma):
            precondition(stepSize > 0, "step schedule with step size \(stepSize)")
            var r = base
            for _ in 0..<(t / stepSize) { r *= gamma }
            return r
        case let .cosine(period, minimum):
            precondition(period > 0, "cosine schedule with period \(period)")
            let f = Float(min(t, period)) / Float(period)
            return minimum + (base - minimum) * (1 + _cosPi(f)) / 2
        }
    }
}

private func _cosPi(_ x: Float) -> Float { Float(Foundation.cos(Double.pi * Double(x))) }
