/// Relational distillation of a student embedding to a teacher's: the mean over rows of
/// `KL(Qᵢ ‖ Pᵢ) = Σ_{j≠i} Qᵢⱼ log(Qᵢⱼ / Pᵢⱼ)`, where `Pᵢ` and `Qᵢ` are the row-wise softmaxes of
/// the in-batch cosine similarities over `τ` of the student's and of the teacher's embeddings
/// of the same images (`ScaledSimilarities`).
///
/// It keeps which images the teacher finds alike, not its features: with a label-free
/// (SimCLR) teacher, supervised training on the known classes keeps the structure that
/// separates classes it never saw (ONE-SHOT-MEASUREMENTS.md, "Keeping the label-free features").
///
/// Student `N × D` and teacher `N × D'` rows, unit length. `∂L/∂Sᵢⱼ = (Pᵢⱼ − Qᵢⱼ) / N` on the
/// student's similarities.
public struct RelationalDistillationLoss: Sendable, Equatable {
    /// `τ` of both softmaxes.
    public var temperature: Float

    public init(temperature: Float = 0.1) {
        precondition(temperature > 0 && temperature.isFinite, "distillation temperature must be positive, got \(temperature)")
        self.temperature = temperature
    }

    /// The loss and `∂L/∂student` (`N × D`).
    public func lossAndGradient(student: Tensor, teacher: Tensor) -> (loss: Float, gradient: Tensor) {
        precondition(student.rank == 2 && teacher.rank == 2 && student.shape[0] == teacher.shape[0],
                     "student \(student.shape) and teacher \(teacher.shape) embeddings of different images")
        let n = student.shape[0]
        guard n > 1 else { return (0, Tensor(shape: student.shape)) }
        let p = ScaledSimilarities(student, temperature: temperature)
        let q = ScaledSimilarities(teacher, temperature: temperature)
        var g = [Float](repeating: 0, count: n * n)
        var total = 0.0
        let scale = 1 / Float(n)
        for i in 0..<n {
            for j in 0..<n where j != i {
                let k = i * n + j
                total += Double(q.probabilities[k] * (q.logProbabilities[k] - p.logProbabilities[k]))
                g[k] = (p.probabilities[k] - q.probabilities[k]) * scale
            }
        }
        return (Float(total) * scale, p.embeddingGradient(g, of: student))
    }
}
