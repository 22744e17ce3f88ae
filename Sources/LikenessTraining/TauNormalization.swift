import Foundation
import LikenessCore

/// τ-normalisation of a trained classifier's head (Kang et al., "Decoupling Representation and
/// Classifier for Long-Tailed Recognition", ICLR 2020): each class's weight row rescaled,
/// `w̃_j = w_j / ‖w_j‖^τ`, and the bias dropped (set to 0), as Kang et al. do.
///
/// Trained on imbalanced data, the rows of frequent classes grow longer; τ = 1 gives every row
/// unit length, τ = 0 leaves the rows as they are (the bias still dropped), and values in
/// between interpolate. A row of length 0 stays 0.
public enum TauNormalization: Sendable, Equatable {
    /// The given τ ≥ 0.
    case fixed(Float)
    /// The τ of `candidates` with the highest balanced accuracy on the validation images (the
    /// smallest such τ on a tie).
    case chosenOnValidation

    /// The τ `chosenOnValidation` tries: 0, 0.1, …, 2.
    public static let candidates: [Float] = (0...20).map { Float($0) / 10 }

    /// `w_j / ‖w_j‖^τ` for every row `j` of `weight` (`C × D`).
    public static func normalizedRows(of weight: Tensor, tau: Float) -> Tensor {
        precondition(weight.rank == 2, "a \(weight.shape) weight: expected C × D")
        precondition(tau >= 0 && tau.isFinite, "τ must be finite and non-negative, got \(tau)")
        let d = weight.shape[1]
        return Tensor(shape: weight.shape) { out in
            weight.withUnsafeBufferPointer { w in
                for j in 0..<weight.shape[0] {
                    let row = w[(j * d)..<((j + 1) * d)]
                    let norm = row.reduce(Double(0)) { $0 + Double($1) * Double($1) }.squareRoot()
                    let scale = norm > 0 ? Float(1 / pow(norm, Double(tau))) : 1
                    for k in 0..<d { out[j * d + k] = w[j * d + k] * scale }
                }
            }
        }
    }

    /// Normalises `model`'s head (its last layer, a `Linear`) with `tau` and drops its bias.
    public static func apply(to model: Sequential, tau: Float) {
        guard let head = model.layers.last?.layer as? Linear else { preconditionFailure("τ-normalisation needs a Linear head") }
        head.weight.value = normalizedRows(of: head.weight.value, tau: tau)
        head.bias.value = Tensor(shape: head.bias.value.shape)
    }

    /// Normalises `model`'s head with this τ, or with the candidate `validation` scores best, and
    /// returns the τ applied.
    ///
    /// - Precondition: `validation` is given for `chosenOnValidation`.
    @discardableResult
    public func apply(to model: Sequential, validation: ValidationImages?) throws -> Float {
        switch self {
        case .fixed(let tau):
            Self.apply(to: model, tau: tau)
            return tau
        case .chosenOnValidation:
            guard let validation else { preconditionFailure("τ chosen on the validation images without validation images") }
            guard let head = model.layers.last?.layer as? Linear else { preconditionFailure("τ-normalisation needs a Linear head") }
            let (weight, bias) = (head.weight.value, head.bias.value)
            let score = ValidationScore.balancedAccuracy(on: validation)
            var best: (tau: Float, score: Double)?
            for tau in Self.candidates {
                head.weight.value = weight
                head.bias.value = bias
                Self.apply(to: model, tau: tau)
                let measured = try score.measure(model).score
                if measured > best?.score ?? -.infinity { best = (tau, measured) }
            }
            head.weight.value = weight
            Self.apply(to: model, tau: best!.tau)
            return best!.tau
        }
    }
}
