import Foundation
import LikenessCore
import Testing

@Suite("Softmax cross-entropy")
struct SoftmaxCrossEntropyTests {
    let logits: Tensor = {
        var rng = SeededGenerator(seed: 4)
        return .randomNormal(shape: [6, 4], std: 2, using: &rng)
    }()
    let labels = [0, 3, 1, 1, 2, 3]

    @Test(arguments: [nil, [0.5, 2, 1, 0.25] as [Float]])
    func gradientMatchesFiniteDifferences(weights: [Float]?) {
        let loss = SoftmaxCrossEntropy(classWeights: weights)
        let (_, gradient) = loss.lossAndGradient(logits: logits, labels: labels)
        let h: Float = 1e-2
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus[flat: i] += h
            minus[flat: i] -= h
            let numeric = (loss.lossAndGradient(logits: plus, labels: labels).loss
                           - loss.lossAndGradient(logits: minus, labels: labels).loss) / (2 * h)
            #expect(abs(numeric - gradient[flat: i]) < 1e-3, "logit \(i): \(gradient[flat: i]) vs \(numeric)")
        }
    }

    /// The definition, computed in Double: `Σ w_y (logΣexp z − z_y) / Σ w_y`.
    @Test(arguments: [nil, [0.5, 2, 1, 0.25] as [Float]])
    func valueMatchesDefinition(weights: [Float]?) {
        let value = SoftmaxCrossEntropy(classWeights: weights).lossAndGradient(logits: logits, labels: labels).loss
        var total = 0.0, weightSum = 0.0
        for (i, y) in labels.enumerated() {
            let row = (0..<4).map { Double(logits[i, $0]) }
            let lse = log(row.map { exp($0) }.reduce(0, +))
            let w = Double(weights?[y] ?? 1)
            total += w * (lse - row[y])
            weightSum += w
        }
        #expect(abs(Double(value) - total / weightSum) < 1e-5)
    }

    @Test func stableForLargeLogits() {
        let z = Tensor(shape: [1, 3], scalars: [1000, 0, -1000])
        let (value, gradient) = SoftmaxCrossEntropy().lossAndGradient(logits: z, labels: [1])
        #expect(value.isFinite && abs(value - 1000) < 1e-2)
        #expect(gradient.scalars.allSatisfy { $0.isFinite })
    }
}
