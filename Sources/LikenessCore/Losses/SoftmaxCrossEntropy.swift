/// Softmax cross-entropy with optional per-class weights:
/// `L = Σᵢ w_{yᵢ} · (−log softmax(zᵢ)_{yᵢ}) / Σᵢ w_{yᵢ}`, and
/// `∂L/∂zᵢ = w_{yᵢ} · (softmax(zᵢ) − onehot(yᵢ)) / Σᵢ w_{yᵢ}` (PyTorch's weighted mean).
///
/// With soft targets `t`: `L = Σᵢ Σ_c t_{ic} w_c (−log softmax(zᵢ)_c) / Σᵢ Σ_c t_{ic} w_c` and
/// `∂L/∂z_{ij} = (W_i p_{ij} − t_{ij} w_j) / Σᵢ W_i`, `W_i = Σ_c t_{ic} w_c`; one-hot targets
/// give the hard-label loss (PyTorch divides soft targets' weighted sum by N instead).
public struct SoftmaxCrossEntropy: SoftTargetClassificationLoss, Sendable {
    /// One weight per class, or nil for the plain mean.
    public var classWeights: [Float]?

    public init(classWeights: [Float]? = nil) {
        precondition(classWeights?.allSatisfy { $0 >= 0 && $0.isFinite } ?? true, "class weights must be finite and non-negative")
        self.classWeights = classWeights
    }

    public func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "logits \(logits.shape) for \(labels.count) labels")
        let n = logits.shape[0], c = logits.shape[1]
        precondition(classWeights == nil || classWeights!.count == c, "\(classWeights!.count) class weights for \(c) classes")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < c }, "label outside 0..<\(c)")
        let weights = labels.map { classWeights?[$0] ?? 1 }
        let total = weights.reduce(0, +)
        precondition(total > 0, "the labels' class weights sum to zero")
        var loss: Double = 0
        let gradient = Tensor(shape: logits.shape) { g in
            logits.withUnsafeBufferPointer { z in
                for i in 0..<n {
                    let row = z.baseAddress! + i * c, out = g.baseAddress! + i * c
                    let p = Softmax.row(row, count: c, into: out)
                    loss += Double(weights[i]) * (p.logSumExp - Double(row[labels[i]]))
                    let scale = weights[i] / total
                    for j in 0..<c { out[j] *= scale }
                    out[labels[i]] -= scale
                }
            }
        }
        return (Float(loss / Double(total)), gradient)
    }

    public func lossAndGradient(logits: Tensor, targets: Tensor) -> (loss: Float, gradient: Tensor) {
        checkSoftTargets(targets, for: logits)
        let n = logits.shape[0], c = logits.shape[1]
        precondition(classWeights == nil || classWeights!.count == c, "\(classWeights!.count) class weights for \(c) classes")
        let w = classWeights ?? [Float](repeating: 1, count: c)
        let rowWeights = targets.withUnsafeBufferPointer { t in
            (0..<n).map { i in (0..<c).reduce(Float(0)) { $0 + t[i * c + $1] * w[$1] } }
        }
        let total = rowWeights.reduce(0, +)
        precondition(total > 0, "the targets' class weights sum to zero")
        var loss: Double = 0
        let gradient = Tensor(shape: logits.shape) { g in
            logits.withUnsafeBufferPointer { z in
                targets.withUnsafeBufferPointer { t in
                    for i in 0..<n {
                        let row = z.baseAddress! + i * c, out = g.baseAddress! + i * c, target = t.baseAddress! + i * c
                        let lse = Softmax.row(row, count: c, into: out).logSumExp
                        for j in 0..<c where target[j] > 0 { loss += Double(target[j] * w[j]) * (lse - Double(row[j])) }
                        for j in 0..<c { out[j] = (rowWeights[i] * out[j] - target[j] * w[j]) / total }
                    }
                }
            }
        }
        return (Float(loss / Double(total)), gradient)
    }
}
