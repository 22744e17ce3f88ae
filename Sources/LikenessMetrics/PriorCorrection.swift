import Foundation
import LikenessCore

/// Post-hoc prior correction (logit adjustment, Menon et al. 2021) of a softmax classifier
/// trained on an imbalanced set: `z'_c = z_c − τ · log π_c`, with `π_c = n_c / n` the training
/// share of class c. τ = 1 turns the training prior into a uniform one; τ = 0 changes nothing.
/// A class without training images counts as one image (its logit would otherwise be infinite).
public struct PriorCorrection: Sendable {
    public let logPriors: [Float]
    public let tau: Float

    public init(classCounts: [Int], tau: Float = 1) {
        precondition(!classCounts.isEmpty && classCounts.allSatisfy { $0 >= 0 }, "class counts \(classCounts)")
        precondition(tau >= 0 && tau.isFinite, "prior-correction τ \(tau)")
        let counts = classCounts.map { Double(max($0, 1)) }
        let n = counts.reduce(0, +)
        logPriors = counts.map { Float(log($0 / n)) }
        self.tau = tau
    }

    /// The correction as per-class offsets, `b_c = −τ · log π_c`.
    public var offsets: LogitOffsets { LogitOffsets(offsets: logPriors.map { -tau * $0 }) }

    /// The adjusted `N × C` logits.
    public func adjust(_ logits: Tensor) -> Tensor { offsets.adjust(logits) }
}
