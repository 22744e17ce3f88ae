import Foundation

/// Focal loss (Lin et al. 2017) for a softmax classifier:
/// `L = (1/N) Σᵢ α_{yᵢ} · (1 − p_{yᵢ})^γ · (−log p_{yᵢ})`, `p = softmax(z)`, and
/// `∂Lᵢ/∂z_j = α_{yᵢ} · (p_j − δ_{j yᵢ}) · [(1 − p_y)^γ − γ (1 − p_y)^{γ−1} p_y log p_y] / N`.
///
/// γ = 0 with α = 1 is the plain cross-entropy. α is one weight per class (PROTOCOL.md uses the
/// balanced weights `n / (C · n_c)` divided by their mean) or one scalar for every class.
///
/// With soft targets `t`, each class of a row is a term of its own:
/// `L = (1/N) Σᵢ Σ_c t_{ic} · α_c · (1 − p_{ic})^γ · (−log p_{ic})`, and
/// `∂Lᵢ/∂z_j = Σ_c t_{ic} F_{ic} (p_{ij} − δ_{jc}) / N = (p_{ij} Σ_c t_{ic} F_{ic} − t_{ij} F_{ij}) / N`,
/// `F_{ic} = α_c [(1 − p_{ic})^γ − γ (1 − p_{ic})^{γ−1} p_{ic} log p_{ic}]`; for the targets
/// `λ e_a + (1 − λ) e_b` of a mixed pair, `λ L(a) + (1 − λ) L(b)`.
public struct FocalLoss: SoftTargetClassificationLoss, Sendable {
    /// The class weights α.
    public enum Alpha: Sendable, Equatable {
        /// The same weight for every class.
        case scalar(Float)
        /// One weight per class.
        case perClass([Float])

        func weight(of c: Int) -> Float {
            switch self {
            case .scalar(let a): return a
            case .perClass(let a): return a[c]
            }
        }
    }

    /// The focusing parameter γ ≥ 0: how much well-classified examples are down-weighted.
    public var gamma: Float
    public var alpha: Alpha

    public init(gamma: Float = 2, alpha: Alpha = .scalar(1)) {
        precondition(gamma >= 0 && gamma.isFinite, "focal γ must be finite and non-negative, got \(gamma)")
        switch alpha {
        case .scalar(let a): precondition(a > 0 && a.isFinite, "focal α must be positive and finite, got \(a)")
        case .perClass(let a): precondition(a.allSatisfy { $0 >= 0 && $0.isFinite }, "focal α must be finite and non-negative")
        }
        self.gamma = gamma
        self.alpha = alpha
    }

    /// PROTOCOL.md's focal loss: γ = 2 and α_c = n / (C · n_c) divided by its mean.
    public static func balanced(classCounts: [Int], gamma: Float = 2) -> FocalLoss {
        let n = Double(classCounts.reduce(0, +)), c = Double(classCounts.count)
        precondition(classCounts.allSatisfy { $0 > 0 }, "balanced α needs every class present, got counts \(classCounts)")
        let raw = classCounts.map { n / (c * Double($0)) }
        let mean = raw.reduce(0, +) / c
        return FocalLoss(gamma: gamma, alpha: .perClass(raw.map { Float($0 / mean) }))
    }

    public func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "logits \(logits.shape) for \(labels.count) labels")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < logits.shape[1] }, "label outside 0..<\(logits.shape[1])")
        return lossAndGradient(logits: logits, targetClasses: labels.map { [($0, Float(1))] })
    }

    public func lossAndGradient(logits: Tensor, targets: Tensor) -> (loss: Float, gradient: Tensor) {
        checkSoftTargets(targets, for: logits)
        let c = logits.shape[1]
        let classes = targets.withUnsafeBufferPointer { t in
            (0..<logits.shape[0]).map { i in (0..<c).compactMap { j in t[i * c + j] > 0 ? (j, t[i * c + j]) : nil } }
        }
        return lossAndGradient(logits: logits, targetClasses: classes)
    }

    /// The loss with each row's target classes and their probabilities (those above 0).
    private func lossAndGradient(logits: Tensor, targetClasses: [[(label: Int, probability: Float)]]) -> (loss: Float, gradient: Tensor) {
        let n = logits.shape[0], c = logits.shape[1]
        if case .perClass(let a) = alpha { precondition(a.count == c, "\(a.count) focal α for \(c) classes") }
        var loss: Double = 0
        let gradient = Tensor(shape: logits.shape) { g in
            logits.withUnsafeBufferPointer { z in
                for i in 0..<n {
                    let row = z.baseAddress! + i * c, out = g.baseAddress! + i * c
                    let lse = Softmax.row(row, count: c, into: out).logSumExp
                    var factors: [(label: Int, value: Double)] = []
                    var factorSum: Double = 0
                    for (y, t) in targetClasses[i] {
                        let nll = lse - Double(row[y])                    // −log p_y
                        var rest: Double = 0                              // 1 − p_y, summed for accuracy
                        for j in 0..<c where j != y { rest += Double(out[j]) }
                        let py = Double(out[y])
                        let a = Double(t) * Double(alpha.weight(of: y))
                        let modulation = gamma == 0 ? 1 : Foundation.pow(rest, Double(gamma))
                        loss += a * modulation * nll
                        // (1 − p)^γ − γ (1 − p)^{γ−1} p log p, with the second term's limit 0 at p = 1.
                        let focusing = gamma == 0 || rest == 0 ? 0 : Double(gamma) * Foundation.pow(rest, Double(gamma) - 1) * py * nll
                        let factor = a * (modulation + focusing) / Double(n)
                        factors.append((y, factor))
                        factorSum += factor
                    }
                    let scale = Float(factorSum)
                    for j in 0..<c { out[j] *= scale }
                    for (y, factor) in factors { out[y] -= Float(factor) }
                }
            }
        }
        return (Float(loss / Double(n)), gradient)
    }
}
