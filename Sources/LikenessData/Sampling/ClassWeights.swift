import Foundation

/// Per-class loss weights that make rare classes count as much as common ones.
///
/// Both weightings give a class with no image the weight 0 and leave it out of `n` and `C`:
/// it never occurs in a loss, and counting it would inflate every other class's weight.
public enum ClassWeights {
    /// `w_c = n / (C · n_c)`: the inverse class frequency, scaled so that the weights of the
    /// images average 1 (scikit-learn's `compute_class_weight("balanced")`).
    ///
    /// `n` is the number of images and `C` the number of classes with images.
    public static func balanced(classCounts: [Int]) -> [Float] {
        precondition(classCounts.allSatisfy { $0 >= 0 }, "negative class count in \(classCounts)")
        let present = classCounts.filter { $0 > 0 }
        precondition(!present.isEmpty, "no class has an image")
        let n = Double(present.reduce(0, +)), c = Double(present.count)
        return classCounts.map { $0 > 0 ? Float(n / (c * Double($0))) : 0 }
    }

    /// `w_c = (1 − β) / (1 − β^{n_c})`, scaled so that the weights sum to `C`: the inverse of
    /// the effective number of images of the class (Cui et al., "Class-Balanced Loss Based on
    /// Effective Number of Samples", CVPR 2019).
    ///
    /// `β` in [0, 1): 0 weighs every class alike, and as `β → 1` the weights tend to the inverse
    /// class frequency. `C` is the number of classes with images.
    public static func effectiveNumber(classCounts: [Int], beta: Double) -> [Float] {
        precondition(beta >= 0 && beta < 1, "β must be in [0, 1), got \(beta)")
        precondition(classCounts.allSatisfy { $0 >= 0 }, "negative class count in \(classCounts)")
        let raw = classCounts.map { count -> Double in
            // 1 − β^n as −expm1(n·log β), exact to the last bit even when β is close to 1.
            count > 0 ? (1 - beta) / -expm1(Double(count) * log(beta)) : 0
        }
        let present = classCounts.filter { $0 > 0 }.count
        precondition(present > 0, "no class has an image")
        let scale = Double(present) / raw.reduce(0, +)
        return raw.map { Float($0 * scale) }
    }
}
