import Foundation
import LikenessCore

/// Per-class offsets added to a classifier's logits, `z'_c = z_c + b_c`, fitted on held-out
/// labelled images to minimise their class-balanced cross-entropy
///
///     L(b) = (1/|K|) Σ_{c∈K} (1/n_c) Σ_{i: y_i = c} −log softmax(z_i + b)_{y_i},
///
/// K the classes with held-out images (n_c of them), subject to `Σ_{c∈K} b_c = 0`; a class
/// outside K keeps offset 0, the mean of the others'.
///
/// A logit adjustment learnt instead of fixed: post-hoc prior correction (Menon et al. 2021,
/// `PriorCorrection`) sets `b = −τ log π` from the training shares; fitting b on images whose
/// classes count equally also corrects what a network trained with a prior-aware loss (balanced
/// softmax) still over- or under-predicts — the bias-corrected calibration of Alexandari et al.
/// (ICML 2020), without the temperature, with a uniform target prior. L is convex in b.
public struct LogitOffsets: Sendable, Equatable, Codable {
    /// `b_c`, one per class.
    public let offsets: [Float]

    public init(offsets: [Float]) {
        precondition(offsets.allSatisfy(\.isFinite), "offsets \(offsets)")
        self.offsets = offsets
    }

    /// The `N × C` logits plus the offsets.
    public func adjust(_ logits: Tensor) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[1] == offsets.count, "logits \(logits.shape) for \(offsets.count) classes")
        let c = offsets.count
        var out = logits
        out.withUnsafeMutableBufferPointer { z in
            for i in z.indices { z[i] += offsets[i % c] }
        }
        return out
    }

    /// The offsets minimising the class-balanced cross-entropy of `logits` (`N × C`) with
    /// `labels` (in `0..<C`), found by Nesterov's accelerated gradient with adaptive restart
    /// (O'Donoghue and Candès 2015) until no entry of the projected gradient exceeds `tolerance`
    /// or after `maximumSteps`.
    ///
    /// Unit steps always descend: L's Hessian `Σ_i w_i (diag p_i − p_i p_iᵀ)` has eigenvalues at
    /// most 1, the weights summing to 1. The momentum matters because the directions of classes
    /// the images rarely mistake are flat: plain gradient descent took about 3,200 steps on
    /// FMNIST-LT's validation logits, this about 200, to the same offsets.
    public static func fit(logits: Tensor, labels: [Int], tolerance: Double = 1e-6, maximumSteps: Int = 20_000) -> LogitOffsets {
        let c = logits.shape[1]
        let present = Set(labels)
        var offsets = [Double](repeating: 0, count: c), previous = offsets
        var momentum = 0
        for _ in 0..<maximumSteps {
            let beta = Double(momentum) / Double(momentum + 3)
            let start = (0..<c).map { offsets[$0] + beta * (offsets[$0] - previous[$0]) }
            var g = balancedCrossEntropy(logits: logits, labels: labels, offsets: start).gradient
            // Keep Σ_{c∈K} b_c = 0: project the step onto it; classes without images stay at 0.
            let mean = present.reduce(0) { $0 + g[$1] } / Double(present.count)
            for j in 0..<c { g[j] = present.contains(j) ? g[j] - mean : 0 }
            if g.allSatisfy({ abs($0) <= tolerance }) {
                offsets = start
                break
            }
            let next = (0..<c).map { start[$0] - g[$0] }
            // Restart when the step turns against the direction travelled.
            let turned = (0..<c).reduce(0) { $0 + g[$1] * (next[$1] - offsets[$1]) } > 0
            momentum = turned ? 0 : momentum + 1
            previous = offsets
            offsets = next
        }
        return LogitOffsets(offsets: offsets.map(Float.init))
    }

    /// L(b) and its gradient `∂L/∂b_c = Σ_i w_i (p_ic − [y_i = c])`, `w_i = 1/(|K| n_{y_i})`,
    /// `p_i = softmax(z_i + b)`, in `Double`.
    public static func balancedCrossEntropy(logits: Tensor, labels: [Int], offsets: [Double]) -> (loss: Double, gradient: [Double]) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count && logits.shape[0] > 0,
                     "\(logits.shape) logits for \(labels.count) labels")
        let (n, c) = (logits.shape[0], logits.shape[1])
        precondition(offsets.count == c && labels.allSatisfy { (0..<c).contains($0) }, "labels or offsets outside \(c) classes")
        var counts = [Int](repeating: 0, count: c)
        for y in labels { counts[y] += 1 }
        let classes = Double(counts.filter { $0 > 0 }.count)
        var loss = 0.0
        var gradient = [Double](repeating: 0, count: c)
        var p = [Double](repeating: 0, count: c)
        logits.withUnsafeBufferPointer { z in
            for i in 0..<n {
                let y = labels[i], w = 1 / (classes * Double(counts[y]))
                var top = -Double.infinity
                for j in 0..<c { p[j] = Double(z[i * c + j]) + offsets[j]; top = max(top, p[j]) }
                var sum = 0.0
                for j in 0..<c { p[j] = exp(p[j] - top); sum += p[j] }
                loss -= w * log(p[y] / sum)
                for j in 0..<c { gradient[j] += w * p[j] / sum }
                gradient[y] -= w
            }
        }
        return (loss, gradient)
    }
}
