/// Softmax cross-entropy with optional per-class weights:
/// `L = Σᵢ w_{yᵢ} · (−log softmax(zᵢ)_{yᵢ}) / Σᵢ w_{yᵢ}`, and
/// `∂L/∂zᵢ = w_{yᵢ} · (softmax(zᵢ) − onehot(yᵢ)) / Σᵢ w_{yᵢ}` (PyTorch's weighted mean).
public struct SoftmaxCrossEntropy: ClassificationLoss, Sendable {
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
}
