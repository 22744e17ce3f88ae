import Foundation
import LikenessCore
import Testing

/// Central differences of the loss against its gradient with respect to every logit, in training
/// epoch `epoch` when given (losses that change over training), else outside training.
func expectLogitGradientMatchesFiniteDifferences(_ loss: some ClassificationLoss, logits: Tensor, labels: [Int], epoch: Int? = nil,
                                                 step h: Float = 1e-2, tolerance: Float = 1e-3,
                                                 sourceLocation: SourceLocation = #_sourceLocation) {
    func value(_ z: Tensor) -> (loss: Float, gradient: Tensor) {
        epoch.map { loss.lossAndGradient(logits: z, labels: labels, epoch: $0) } ?? loss.lossAndGradient(logits: z, labels: labels)
    }
    let (_, gradient) = value(logits)
    for i in 0..<logits.count {
        var plus = logits, minus = logits
        plus[flat: i] += h
        minus[flat: i] -= h
        let numeric = (value(plus).loss - value(minus).loss) / (2 * h)
        #expect(abs(numeric - gradient[flat: i]) < tolerance, "logit \(i): \(gradient[flat: i]) vs \(numeric)",
                sourceLocation: sourceLocation)
    }
}

@Suite("Softmax cross-entropy")
struct SoftmaxCrossEntropyTests {
    let logits: Tensor = {
        var rng = SeededGenerator(seed: 4)
        return .randomNormal(shape: [6, 4], std: 2, using: &rng)
    }()
    let labels = [0, 3, 1, 1, 2, 3]

    @Test(arguments: [nil, [0.5, 2, 1, 0.25] as [Float]])
    func gradientMatchesFiniteDifferences(weights: [Float]?) {
        expectLogitGradientMatchesFiniteDifferences(SoftmaxCrossEntropy(classWeights: weights), logits: logits, labels: labels)
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

@Suite("Focal loss")
struct FocalLossTests {
    let logits: Tensor = {
        var rng = SeededGenerator(seed: 6)
        return .randomNormal(shape: [7, 5], std: 2, using: &rng)
    }()
    let labels = [0, 4, 1, 1, 3, 2, 4]

    @Test(arguments: [Float(0), 0.5, 1, 2, 5])
    func gradientMatchesFiniteDifferences(gamma: Float) {
        expectLogitGradientMatchesFiniteDifferences(FocalLoss(gamma: gamma, alpha: .perClass([0.5, 2, 1, 0.25, 1.5])),
                                                    logits: logits, labels: labels, tolerance: 2e-3)
    }

    @Test func scalarAlphaScalesTheLoss() {
        let one = FocalLoss(gamma: 2).lossAndGradient(logits: logits, labels: labels)
        let three = FocalLoss(gamma: 2, alpha: .scalar(3)).lossAndGradient(logits: logits, labels: labels)
        #expect(abs(three.loss - 3 * one.loss) < 1e-5)
    }

    @Test func gammaZeroAndUnitAlphaIsCrossEntropy() {
        let focal = FocalLoss(gamma: 0).lossAndGradient(logits: logits, labels: labels)
        let ce = SoftmaxCrossEntropy().lossAndGradient(logits: logits, labels: labels)
        #expect(abs(focal.loss - ce.loss) < 1e-6)
        for i in 0..<logits.count { #expect(abs(focal.gradient[flat: i] - ce.gradient[flat: i]) < 1e-6) }
    }

    /// The definition, in Double: `mean α_y (1 − p_y)^γ (−log p_y)`.
    @Test func valueMatchesDefinition() {
        let alpha: [Float] = [0.5, 2, 1, 0.25, 1.5]
        let value = FocalLoss(gamma: 2, alpha: .perClass(alpha)).lossAndGradient(logits: logits, labels: labels).loss
        var total = 0.0
        for (i, y) in labels.enumerated() {
            let row = (0..<5).map { Double(logits[i, $0]) }
            let p = exp(row[y]) / row.map { exp($0) }.reduce(0, +)
            total += Double(alpha[y]) * pow(1 - p, 2) * -log(p)
        }
        #expect(abs(Double(value) - total / Double(labels.count)) < 1e-5)
    }

    @Test func focusingDownWeightsEasyExamples() {
        let easy = Tensor(shape: [1, 3], scalars: [6, 0, 0]), hard = Tensor(shape: [1, 3], scalars: [0, 1, 0])
        let ratio = { (l: any ClassificationLoss) in
            l.lossAndGradient(logits: easy, labels: [0]).loss / l.lossAndGradient(logits: hard, labels: [0]).loss
        }
        #expect(ratio(FocalLoss(gamma: 2)) < ratio(SoftmaxCrossEntropy()) / 50)
    }

    @Test func balancedAlphaHasMeanOne() {
        guard case .perClass(let alpha) = FocalLoss.balanced(classCounts: [2139, 3056, 871, 5500, 764, 15, 153, 31, 229, 2521]).alpha else {
            Issue.record("balanced α is not per class")
            return
        }
        #expect(abs(alpha.reduce(0, +) / 10 - 1) < 1e-5)
        #expect(alpha[5] > alpha[3] * 300)
    }
}

@Suite("Logit-adjusted cross-entropy and the balanced softmax")
struct LogitAdjustedCrossEntropyTests {
    let logits: Tensor = {
        var rng = SeededGenerator(seed: 8)
        return .randomNormal(shape: [6, 4], std: 2, using: &rng)
    }()
    let labels = [0, 3, 1, 1, 2, 3]
    let counts = [500, 20, 3, 0]

    @Test(arguments: [Float(0), 0.5, 1, 2])
    func gradientMatchesFiniteDifferences(tau: Float) {
        expectLogitGradientMatchesFiniteDifferences(LogitAdjustedCrossEntropy(classCounts: counts, tau: tau), logits: logits, labels: labels)
    }

    /// The definition in Double: `(1/N) Σ logΣexp(z + τ log π) − (z_y + τ log π_y)`, a class
    /// without images counted as one.
    @Test(arguments: [Float(0), 1, 2])
    func valueMatchesDefinition(tau: Float) {
        let value = LogitAdjustedCrossEntropy(classCounts: counts, tau: tau).lossAndGradient(logits: logits, labels: labels).loss
        let n = Double(500 + 20 + 3 + 1)
        let shift = [500.0, 20, 3, 1].map { Double(tau) * log($0 / n) }
        var total = 0.0
        for (i, y) in labels.enumerated() {
            let row = (0..<4).map { Double(logits[i, $0]) + shift[$0] }
            total += log(row.map { exp($0) }.reduce(0, +)) - row[y]
        }
        #expect(abs(Double(value) - total / 6) < 1e-5)
    }

    @Test func tauZeroIsCrossEntropy() {
        let adjusted = LogitAdjustedCrossEntropy(classCounts: counts, tau: 0).lossAndGradient(logits: logits, labels: labels)
        let plain = SoftmaxCrossEntropy().lossAndGradient(logits: logits, labels: labels)
        #expect(abs(adjusted.loss - plain.loss) < 1e-6)
        #expect(zip(adjusted.gradient.scalars, plain.gradient.scalars).allSatisfy { abs($0 - $1) < 1e-7 })
    }

    /// A rare class's true logit must beat a frequent one's by `log(n_frequent / n_rare)` more
    /// for the same loss: equal logits cost the rare class's image more.
    @Test func equalLogitsCostTheRareClassMore() {
        let loss = LogitAdjustedCrossEntropy(classCounts: [1000, 10], tau: 1)
        let z = Tensor(shape: [1, 2], scalars: [0, 0])
        #expect(loss.lossAndGradient(logits: z, labels: [1]).loss > loss.lossAndGradient(logits: z, labels: [0]).loss + 4)
    }
}

@Suite("LDAM with deferred re-weighting")
struct LDAMLossTests {
    let logits: Tensor = {
        var rng = SeededGenerator(seed: 9)
        return .randomNormal(shape: [7, 5], std: 1, using: &rng)
    }()
    let labels = [0, 4, 1, 1, 3, 2, 4]
    let counts = [4000, 600, 90, 12, 2]
    let weights: [Float] = [0.2, 0.5, 1, 1.5, 2]

    @Test(arguments: [1, 3])
    func gradientMatchesFiniteDifferencesBeforeAndAfterTheReweighting(epoch: Int) {
        let loss = LDAMLoss(classCounts: counts, maxMargin: 0.5, scale: 5, classWeights: weights, reweightingEpoch: 3)
        expectLogitGradientMatchesFiniteDifferences(loss, logits: logits, labels: labels, epoch: epoch, step: 1e-3, tolerance: 2e-3)
    }

    @Test func theRarestClassGetsTheMarginAndTheOthersShrinkByTheFourthRoot() {
        let loss = LDAMLoss(classCounts: counts, maxMargin: 0.5, scale: 1)
        #expect(abs(loss.margins[4] - 0.5) < 1e-6)
        for c in 0..<4 {
            #expect(abs(loss.margins[c] - 0.5 * Float(pow(2 / Double(counts[c]), 0.25))) < 1e-6)
        }
    }

    /// The definition in Double: weighted cross-entropy of `s (z − Δ_y e_y)`; before the
    /// re-weighting epoch every weight is 1.
    @Test(arguments: [1, 3])
    func valueMatchesDefinition(epoch: Int) {
        let loss = LDAMLoss(classCounts: counts, maxMargin: 0.5, scale: 5, classWeights: weights, reweightingEpoch: 3)
        let value = loss.lossAndGradient(logits: logits, labels: labels, epoch: epoch).loss
        var total = 0.0, weightSum = 0.0
        for (i, y) in labels.enumerated() {
            let row = (0..<5).map { 5 * (Double(logits[i, $0]) - ($0 == y ? Double(loss.margins[y]) : 0)) }
            let w = epoch >= 3 ? Double(weights[y]) : 1
            total += w * (log(row.map { exp($0) }.reduce(0, +)) - row[y])
            weightSum += w
        }
        #expect(abs(Double(value) - total / weightSum) < 1e-4)
    }

    @Test func noMarginUnitScaleAndNoWeightsIsCrossEntropy() {
        let ldam = LDAMLoss(classCounts: counts, maxMargin: 0, scale: 1).lossAndGradient(logits: logits, labels: labels, epoch: 1)
        let plain = SoftmaxCrossEntropy().lossAndGradient(logits: logits, labels: labels)
        #expect(abs(ldam.loss - plain.loss) < 1e-6)
    }
}

@Suite("Binary cross-entropy on logits")
struct BinaryCrossEntropyWithLogitsTests {
    let logits = Tensor(shape: [5, 1], scalars: [-3, -0.5, 0, 1.2, 4])

    @Test(arguments: [Float(0), 1, 0.3])
    func valueMatchesDefinition(target: Float) {
        let (loss, _) = BinaryCrossEntropyWithLogits().lossAndGradient(logits: logits, target: target)
        let expected = logits.scalars.map { z -> Double in
            let p = 1 / (1 + exp(-Double(z)))
            return -(Double(target) * log(p) + (1 - Double(target)) * log(1 - p))
        }.reduce(0, +) / 5
        #expect(abs(Double(loss) - expected) < 1e-6)
    }

    @Test(arguments: [Float(0), 1, 0.3])
    func gradientMatchesFiniteDifferences(target: Float) {
        let bce = BinaryCrossEntropyWithLogits()
        let (_, gradient) = bce.lossAndGradient(logits: logits, target: target)
        let h: Float = 1e-2
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus[flat: i] += h
            minus[flat: i] -= h
            let numeric = (bce.lossAndGradient(logits: plus, target: target).loss - bce.lossAndGradient(logits: minus, target: target).loss) / (2 * h)
            #expect(abs(numeric - gradient[flat: i]) < 1e-3, "logit \(i): \(gradient[flat: i]) vs \(numeric)")
        }
    }

    @Test func stableForLargeLogits() {
        let (loss, gradient) = BinaryCrossEntropyWithLogits().lossAndGradient(logits: Tensor(shape: [2], scalars: [-200, 200]), target: 1)
        #expect(abs(loss - 100) < 1e-3)
        #expect(abs(gradient[flat: 0] + 0.5) < 1e-6 && abs(gradient[flat: 1]) < 1e-6)
    }
}

/// Central differences of a soft-target loss against its gradient with respect to every logit.
func expectLogitGradientMatchesFiniteDifferences(_ loss: some SoftTargetClassificationLoss, logits: Tensor, targets: Tensor,
                                                 step h: Float = 1e-2, tolerance: Float = 1e-3,
                                                 sourceLocation: SourceLocation = #_sourceLocation) {
    let (_, gradient) = loss.lossAndGradient(logits: logits, targets: targets)
    for i in 0..<logits.count {
        var plus = logits, minus = logits
        plus[flat: i] += h
        minus[flat: i] -= h
        let numeric = (loss.lossAndGradient(logits: plus, targets: targets).loss - loss.lossAndGradient(logits: minus, targets: targets).loss) / (2 * h)
        #expect(abs(numeric - gradient[flat: i]) < tolerance, "logit \(i): \(gradient[flat: i]) vs \(numeric)",
                sourceLocation: sourceLocation)
    }
}

/// Soft targets as mixup and CutMix make them, and others: losses that take them.
@Suite("Soft-target losses")
struct SoftTargetLossTests {
    static let classCount = 5
    let logits: Tensor = {
        var rng = SeededGenerator(seed: 8)
        return .randomNormal(shape: [6, classCount], std: 2, using: &rng)
    }()
    let labels = [0, 4, 1, 3, 2, 4]
    let partners = [2, 4, 3, 0, 0, 1]
    let lambdas: [Float] = [0.7, 0.5, 0.15, 1, 0.9, 0.35]

    /// Row i: `λᵢ e_{labels[i]} + (1 − λᵢ) e_{partners[i]}` (one-hot where the pair is one class or λ is 1).
    var mixedTargets: Tensor {
        var t = Tensor.oneHot(labels, classCount: Self.classCount)
        for i in labels.indices {
            t[i, labels[i]] = lambdas[i]
            t[i, partners[i]] += 1 - lambdas[i]
        }
        return t
    }

    /// Targets spread over every class (a Dirichlet-like draw), to reach every term of the gradient.
    var spreadTargets: Tensor {
        var rng = SeededGenerator(seed: 9)
        let raw = (0..<labels.count * Self.classCount).map { _ in rng.nextUniform() + 0.05 }
        return Tensor(shape: [labels.count, Self.classCount], scalars: (0..<raw.count).map { i in
            let row = raw[(i / Self.classCount * Self.classCount)..<((i / Self.classCount + 1) * Self.classCount)]
            return raw[i] / row.reduce(0, +)
        })
    }

    static let weights: [Float] = [0.5, 2, 1, 0.25, 1.5]
    static let losses: [(name: String, loss: any SoftTargetClassificationLoss & Sendable)] = [
        ("cross-entropy", SoftmaxCrossEntropy()),
        ("weighted cross-entropy", SoftmaxCrossEntropy(classWeights: weights)),
        ("focal γ 0", FocalLoss(gamma: 0, alpha: .perClass(weights))),
        ("focal γ 0.5", FocalLoss(gamma: 0.5, alpha: .perClass(weights))),
        ("focal γ 2", FocalLoss(gamma: 2, alpha: .perClass(weights))),
        ("focal γ 2, scalar α", FocalLoss(gamma: 2, alpha: .scalar(0.25))),
        ("balanced softmax", LogitAdjustedCrossEntropy(classCounts: [500, 50, 5, 200, 20], tau: 1)),
    ]

    @Test(arguments: losses.indices)
    func gradientMatchesFiniteDifferences(loss: Int) {
        for targets in [mixedTargets, spreadTargets] {
            expectLogitGradientMatchesFiniteDifferences(Self.losses[loss].loss, logits: logits, targets: targets, tolerance: 2e-3)
        }
    }

    @Test(arguments: losses.indices)
    func oneHotTargetsGiveTheHardLabelLoss(loss: Int) {
        let (name, soft) = Self.losses[loss]
        let hard = soft.lossAndGradient(logits: logits, labels: labels)
        let oneHot = soft.lossAndGradient(logits: logits, targets: .oneHot(labels, classCount: Self.classCount))
        #expect(abs(hard.loss - oneHot.loss) < 1e-5, "\(name): \(hard.loss) vs \(oneHot.loss)")
        #expect(zip(hard.gradient.scalars, oneHot.gradient.scalars).allSatisfy { abs($0 - $1) < 1e-6 }, "\(name)")
    }

    /// Unweighted means are linear in the targets: a mixed batch's loss is
    /// `(1/N) Σᵢ [λᵢ Lᵢ(a) + (1 − λᵢ) Lᵢ(b)]`, each term the hard-label loss of one image.
    @Test(arguments: [0, 2, 3, 4, 5, 6])
    func mixedTargetsGiveTheMixOfTheLabelsLosses(loss: Int) {
        let (name, soft) = Self.losses[loss]
        var expected: Double = 0
        for i in labels.indices {
            let row = Tensor(shape: [1, Self.classCount], scalars: (0..<Self.classCount).map { logits[i, $0] })
            expected += Double(lambdas[i]) * Double(soft.lossAndGradient(logits: row, labels: [labels[i]]).loss)
                + Double(1 - lambdas[i]) * Double(soft.lossAndGradient(logits: row, labels: [partners[i]]).loss)
        }
        expected /= Double(labels.count)
        let value = soft.lossAndGradient(logits: logits, targets: mixedTargets).loss
        #expect(abs(Double(value) - expected) < 1e-5, "\(name): \(value) vs \(expected)")
    }

    /// Weighted cross-entropy normalises by the targets' weight: `Σᵢ Σ_c t_ic w_c ℓ_ic / Σᵢ Σ_c t_ic w_c`.
    @Test func weightedCrossEntropyOfMixedTargetsMatchesItsDefinition() {
        let targets = mixedTargets
        var numerator = 0.0, denominator = 0.0
        for i in labels.indices {
            let row = (0..<Self.classCount).map { Double(logits[i, $0]) }
            let lse = log(row.map { exp($0) }.reduce(0, +))
            for c in 0..<Self.classCount {
                numerator += Double(targets[i, c]) * Double(Self.weights[c]) * (lse - row[c])
                denominator += Double(targets[i, c]) * Double(Self.weights[c])
            }
        }
        let value = SoftmaxCrossEntropy(classWeights: Self.weights).lossAndGradient(logits: logits, targets: targets).loss
        #expect(abs(Double(value) - numerator / denominator) < 1e-5)
    }
}
