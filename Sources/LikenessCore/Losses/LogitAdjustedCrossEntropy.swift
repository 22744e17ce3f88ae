import Foundation

/// Logit-adjusted cross-entropy (Menon et al. 2021): cross-entropy on the logits shifted by the
/// log of the training prior, `L = (1/N) Σᵢ −log softmax(zᵢ + τ log π)_{yᵢ}`, and
/// `∂L/∂zᵢ = (softmax(zᵢ + τ log π) − onehot(yᵢ)) / N`.
///
/// Training against the shifted logits leaves the network's own logits `z`, which inference
/// uses, scoring the classes as if they were balanced. τ = 1 is the balanced softmax (Ren et al.
/// 2020). `π_c = n_c / n`; a class without training images counts as one image.
///
/// With soft targets `t`: `L = (1/N) Σᵢ Σ_c t_{ic} (−log softmax(zᵢ + τ log π)_c)`, and
/// `∂L/∂zᵢ = (softmax(zᵢ + τ log π) − tᵢ) / N`.
public struct LogitAdjustedCrossEntropy: SoftTargetClassificationLoss, Sendable {
    /// `τ log π_c`, one per class.
    public var offsets: [Float]

    public init(offsets: [Float]) {
        precondition(offsets.allSatisfy(\.isFinite), "logit offsets must be finite")
        self.offsets = offsets
    }

    /// The offsets `τ log π_c` for training images with `classCounts`.
    public init(classCounts: [Int], tau: Float) {
        precondition(tau >= 0 && tau.isFinite, "logit adjustment τ must be finite and non-negative, got \(tau)")
        precondition(!classCounts.isEmpty && classCounts.allSatisfy { $0 >= 0 }, "class counts \(classCounts)")
        let counts = classCounts.map { Double(max($0, 1)) }
        let total = counts.reduce(0, +)
        self.init(offsets: counts.map { Float(Double(tau) * Foundation.log($0 / total)) })
    }

    // The shift is additive: the gradient with respect to z is the one with respect to z + τ log π.
    public func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        SoftmaxCrossEntropy().lossAndGradient(logits: shifted(logits), labels: labels)
    }

    public func lossAndGradient(logits: Tensor, targets: Tensor) -> (loss: Float, gradient: Tensor) {
        SoftmaxCrossEntropy().lossAndGradient(logits: shifted(logits), targets: targets)
    }

    /// `z + τ log π`, row by row.
    private func shifted(_ logits: Tensor) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[1] == offsets.count, "logits \(logits.shape) for \(offsets.count) class offsets")
        let c = offsets.count
        return Tensor(shape: logits.shape) { out in
            logits.withUnsafeBufferPointer { z in
                for i in z.indices { out[i] = z[i] + offsets[i % c] }
            }
        }
    }
}
