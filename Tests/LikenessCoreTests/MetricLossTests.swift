import Foundation
import LikenessCore
import Testing

// The losses against Double reimplementations of their formulas, written from the papers (and
// pytorch-metric-learning's reductions): each test compares a value, or a gradient with central
// differences of the reimplementation, entry by entry of the matrix as given.

/// `classes × perClass` random unit rows of dimension `dimension`, labelled class by class.
private func unitBatch(classes: Int, perClass: Int, dimension: Int, seed: UInt64) -> (Tensor, [Int]) {
    var rng = SeededGenerator(seed: seed)
    let x = normalisingRows(.randomNormal(shape: [classes * perClass, dimension], using: &rng))
    return (x, (0..<classes * perClass).map { $0 / perClass })
}

private func normalisingRows(_ x: Tensor) -> Tensor {
    var out = x
    for i in 0..<x.shape[0] {
        let norm = (0..<x.shape[1]).reduce(Float(0)) { $0 + x[i, $1] * x[i, $1] }.squareRoot()
        for k in 0..<x.shape[1] { out[i, k] = x[i, k] / norm }
    }
    return out
}

private func rows(_ x: Tensor) -> [[Double]] {
    (0..<x.shape[0]).map { i in (0..<x.shape[1]).map { Double(x[i, $0]) } }
}

private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

private func logSumExp(_ z: [Double]) -> Double {
    let largest = z.max() ?? 0
    return largest + log(z.reduce(0) { $0 + exp($1 - largest) })
}

/// The formulas, term by term, in Double.
private enum Reference {
    /// `(1/N) Σᵢ [(1/α) log(1 + Σₚ exp(−α(Sᵢₚ − λ))) + (1/β) log(1 + Σₙ exp(β(Sᵢₙ − λ)))]`,
    /// an empty sum's term 0, with the paper's mining when `epsilon` is given.
    static func multiSimilarity(_ x: [[Double]], labels: [Int], alpha: Double = 2, beta: Double = 50, base: Double = 0.5,
                                epsilon: Double? = nil) -> Double {
        var total = 0.0
        for i in x.indices {
            let (positives, negatives) = multiSimilarityPairs(x, labels: labels, anchor: i, epsilon: epsilon)
            if !positives.isEmpty { total += logSumExp([0] + positives.map { -alpha * ($0 - base) }) / alpha }
            if !negatives.isEmpty { total += logSumExp([0] + negatives.map { beta * ($0 - base) }) / beta }
        }
        return total / Double(x.count)
    }

    /// The similarities of anchor `i`'s positive and negative pairs, those the paper's miner
    /// keeps when `epsilon` is given.
    static func multiSimilarityPairs(_ x: [[Double]], labels: [Int], anchor i: Int,
                                     epsilon: Double?) -> (positives: [Double], negatives: [Double]) {
        let positives = x.indices.filter { $0 != i && labels[$0] == labels[i] }.map { dot(x[i], x[$0]) }
        let negatives = x.indices.filter { labels[$0] != labels[i] }.map { dot(x[i], x[$0]) }
        guard let epsilon else { return (positives, negatives) }
        let hardestNegative = negatives.max() ?? -.infinity, hardestPositive = positives.min() ?? .infinity
        return (positives.filter { $0 - epsilon < hardestNegative }, negatives.filter { $0 + epsilon > hardestPositive })
    }

    /// The mean over rows of `−log softmax(zᵢ)ᵧ`, `z_ic = s (xᵢ · W_c/‖W_c‖ − m [c = yᵢ])`.
    static func cosFace(_ x: [[Double]], proxies w: [[Double]], labels: [Int], margin: Double, scale: Double) -> Double {
        let unit = w.map { row in row.map { $0 / dot(row, row).squareRoot() } }
        var total = 0.0
        for (i, y) in labels.enumerated() {
            let logits = unit.indices.map { c in scale * (dot(x[i], unit[c]) - (c == y ? margin : 0)) }
            total += logSumExp(logits) - logits[y]
        }
        return total / Double(x.count)
    }

    /// `log(exp(Sᵢⱼ/τ) / Σ_{k≠i} exp(Sᵢₖ/τ))`.
    static func logSoftmax(_ x: [[Double]], _ i: Int, _ j: Int, temperature: Double) -> Double {
        let others = x.indices.filter { $0 != i }.map { dot(x[i], x[$0]) / temperature }
        return dot(x[i], x[j]) / temperature - logSumExp(others)
    }

    /// Khosla et al.'s `L_out`, the mean over the anchors with a positive.
    static func supervisedContrastive(_ x: [[Double]], labels: [Int], temperature: Double) -> Double {
        var total = 0.0, anchors = 0
        for i in x.indices {
            let positives = x.indices.filter { $0 != i && labels[$0] == labels[i] }
            guard !positives.isEmpty else { continue }
            anchors += 1
            total -= positives.reduce(0) { $0 + logSoftmax(x, i, $1, temperature: temperature) } / Double(positives.count)
        }
        return anchors > 0 ? total / Double(anchors) : 0
    }

    /// SimCLR's NT-Xent over `2N` rows, rows `k` and `N + k` the two views of image `k`:
    /// `(1/2N) Σₖ [ℓ(k, N + k) + ℓ(N + k, k)]`, `ℓ(i, j) = −log softmax over k ≠ i`.
    static func ntXent(_ x: [[Double]], temperature: Double) -> Double {
        let n = x.count / 2
        let sum = (0..<n).reduce(0.0) {
            $0 - logSoftmax(x, $1, n + $1, temperature: temperature) - logSoftmax(x, n + $1, $1, temperature: temperature)
        }
        return sum / Double(2 * n)
    }

    /// `(1/N) Σᵢ KL(Qᵢ ‖ Pᵢ)` of the teacher's and the student's softmaxes over `j ≠ i`.
    static func relationalDistillation(student: [[Double]], teacher: [[Double]], temperature: Double) -> Double {
        var total = 0.0
        for i in student.indices {
            for j in student.indices where j != i {
                let logQ = logSoftmax(teacher, i, j, temperature: temperature)
                total += exp(logQ) * (logQ - logSoftmax(student, i, j, temperature: temperature))
            }
        }
        return total / Double(student.count)
    }
}

/// Central differences (step 1e-6, in Double) of `reference` at `x` against `analytic`, for
/// every entry of the matrix as given; the gradient must not be zero, or nothing is checked.
private func expectGradient(_ analytic: Tensor, matches reference: ([[Double]]) -> Double, at x: Tensor, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(analytic.shape == x.shape, "\(what): gradient \(analytic.shape) for \(x.shape)", sourceLocation: sourceLocation)
    #expect(analytic.scalars.contains { abs($0) > 1e-2 }, "\(what): the gradient is all but zero", sourceLocation: sourceLocation)
    let point = rows(x), step = 1e-6
    for i in point.indices {
        for k in point[i].indices {
            var plus = point, minus = point
            plus[i][k] += step
            minus[i][k] -= step
            let numeric = (reference(plus) - reference(minus)) / (2 * step)
            let value = Double(analytic[i, k])
            #expect(abs(value - numeric) <= 2e-4 + 2e-3 * max(abs(value), abs(numeric)),
                    "\(what) ∂L/∂[\(i), \(k)]: analytic \(value), finite difference \(numeric)", sourceLocation: sourceLocation)
        }
    }
}

/// Rows of `classes` classes around the orthogonal directions `e₀, e₁, …` (dimension 6), with
/// noise: gathering them onto their directions brings each class together and the classes apart.
private func noisyClasses(classes: Int, perClass: Int, seed: UInt64) -> (Tensor, [Int]) {
    var rng = SeededGenerator(seed: seed)
    var x = Tensor.randomNormal(shape: [classes * perClass, 6], std: 0.6, using: &rng)
    let labels = (0..<classes * perClass).map { $0 / perClass }
    for (i, y) in labels.enumerated() { x[i, y] += 1 }
    return (normalisingRows(x), labels)
}

/// Each row moved a fraction `t` of the way to its class's direction `e_y`, back on the sphere.
private func gathered(_ x: Tensor, labels: [Int], by t: Float) -> Tensor {
    var out = x
    for (i, y) in labels.enumerated() {
        for k in 0..<x.shape[1] { out[i, k] = (1 - t) * x[i, k] + (k == y ? t : 0) }
    }
    return normalisingRows(out)
}

@Suite("Multi-similarity loss")
struct MultiSimilarityLossTests {
    static let configurations: [(String, MultiSimilarityLoss)] = [
        ("defaults", MultiSimilarityLoss()),
        ("α 1, β 10, λ 0.3", MultiSimilarityLoss(alpha: 1, beta: 10, base: 0.3)),
        ("mined, ε 0.1", MultiSimilarityLoss(miningEpsilon: 0.1)),
        // β 10 and λ 0.3: the negatives far below λ that mining drops still weigh in the unmined loss.
        ("α 1, β 10, λ 0.3, mined", MultiSimilarityLoss(alpha: 1, beta: 10, base: 0.3, miningEpsilon: 0.1)),
    ]

    static func reference(_ loss: MultiSimilarityLoss, labels: [Int]) -> ([[Double]]) -> Double {
        { Reference.multiSimilarity($0, labels: labels, alpha: Double(loss.alpha), beta: Double(loss.beta),
                                    base: Double(loss.base), epsilon: loss.miningEpsilon.map(Double.init)) }
    }

    /// A batch with a row of a class of its own (an anchor without positives), whose mining
    /// decisions at `ε = 0.1` are all at least 1e-3 from flipping, so that finite differences
    /// keep them.
    static func batch(seed: UInt64) throws -> (Tensor, [Int]) {
        for attempt in seed..<seed + 1000 {
            let (classes, classLabels) = unitBatch(classes: 3, perClass: 3, dimension: 5, seed: attempt)
            let x = normalisingRows(Tensor(shape: [10, 5], scalars: classes.scalars + [0.3, -0.2, 0.5, 0.1, -0.4]))
            let labels = classLabels + [7]
            let clear = rows(x).indices.allSatisfy { i in
                let (positives, negatives) = Reference.multiSimilarityPairs(rows(x), labels: labels, anchor: i, epsilon: nil)
                guard let hardestNegative = negatives.max(), let hardestPositive = positives.min() else { return true }
                return positives.allSatisfy { abs($0 - 0.1 - hardestNegative) > 1e-3 }
                    && negatives.allSatisfy { abs($0 + 0.1 - hardestPositive) > 1e-3 }
            }
            if clear { return (x, labels) }
        }
        throw BatchError.noClearBatch
    }

    enum BatchError: Error { case noClearBatch }

    @Test(arguments: configurations)
    func valueMatchesTheDefinition(name: String, loss: MultiSimilarityLoss) throws {
        let (x, labels) = try Self.batch(seed: 1)
        let result = loss.lossAndGradient(embeddings: x, labels: labels)
        let expected = Self.reference(loss, labels: labels)(rows(x))
        #expect(expected > 0.05, "\(name): a batch with no loss checks nothing")
        #expect(abs(Double(result.loss) - expected) <= 1e-5 * max(1, expected), "\(name): \(result.loss) vs \(expected)")
        // 3 classes of 3 and a singleton: 3 · 3 · 2 ordered positive pairs, 10 · 9 − 18 negative;
        // mining keeps some of each.
        let pairs = rows(x).indices.map {
            Reference.multiSimilarityPairs(rows(x), labels: labels, anchor: $0, epsilon: loss.miningEpsilon.map(Double.init))
        }
        let positives = pairs.reduce(0) { $0 + $1.positives.count }, negatives = pairs.reduce(0) { $0 + $1.negatives.count }
        #expect(loss.miningEpsilon == nil ? positives == 18 && negatives == 72
                : positives > 0 && positives < 18 && negatives > 0 && negatives < 72, "\(positives) and \(negatives) pairs")
        #expect(result.statistics[MultiSimilarityLoss.Statistic.positivePairs] == Double(positives))
        #expect(result.statistics[MultiSimilarityLoss.Statistic.negativePairs] == Double(negatives))
    }

    @Test(arguments: configurations)
    func gradientMatchesFiniteDifferences(name: String, loss: MultiSimilarityLoss) throws {
        let (x, labels) = try Self.batch(seed: 1)
        let gradient = loss.lossAndGradient(embeddings: x, labels: labels).gradient
        expectGradient(gradient, matches: Self.reference(loss, labels: labels), at: x, name)
    }

    /// pml's `MeanReducer`: the anchor without positives counts in the mean with its negative
    /// term alone, and a batch of singletons has a loss (its negatives') all the same.
    @Test func anchorsWithoutPositivesCountInTheMean() throws {
        let (x, labels) = try Self.batch(seed: 1)
        let loss = MultiSimilarityLoss()
        let value = Double(loss.lossAndGradient(embeddings: x, labels: labels).loss)
        let meanOverAll = Reference.multiSimilarity(rows(x), labels: labels)
        #expect(abs(value - meanOverAll) < 1e-5 * max(1, meanOverAll))
        // Over the 9 anchors with positives it would be 10/9 of that.
        #expect(abs(value - meanOverAll * 10 / 9) > 1e-3)

        let singletons = loss.lossAndGradient(embeddings: x, labels: Array(0..<10))
        let expected = Reference.multiSimilarity(rows(x), labels: Array(0..<10))
        #expect(abs(Double(singletons.loss) - expected) < 1e-5 * max(1, expected))
        #expect(singletons.loss > 0 && singletons.statistics[MultiSimilarityLoss.Statistic.positivePairs] == 0)
    }

    @Test func lossFallsAsClassesGather() {
        let (x, labels) = noisyClasses(classes: 3, perClass: 4, seed: 2)
        for loss in [MultiSimilarityLoss(), MultiSimilarityLoss(miningEpsilon: 0.1)] {
            let before = loss.lossAndGradient(embeddings: x, labels: labels).loss
            let after = loss.lossAndGradient(embeddings: gathered(x, labels: labels, by: 0.5), labels: labels).loss
            #expect(after < before, "\(loss): \(before) → \(after)")
        }
    }

    /// `collapsedValue` is the loss of identical rows in PK batches of 8 classes.
    @Test(arguments: [2, 3, 16])
    func collapsedValueIsTheLossOfIdenticalRows(perClass: Int) {
        let n = 8 * perClass
        let x = Tensor(shape: [n, 3], scalars: (0..<n).flatMap { _ in [Float(0.6), 0, 0.8] })
        let labels = (0..<n).map { $0 / perClass }
        let loss = MultiSimilarityLoss()
        let value = loss.lossAndGradient(embeddings: x, labels: labels).loss
        #expect(abs(value - loss.collapsedValue(batchSize: n)) < 1e-5 * max(1, value), "\(value) vs \(loss.collapsedValue(batchSize: n))")
    }

    /// `β = 50` on similarities far above `λ`: `exp(β(S − λ))` overflows Float unless shifted.
    @Test func largeSimilaritiesStayFinite() {
        let x = Tensor(shape: [4, 2], scalars: [3, 0, 3, 0.1, 0, 3, 0.1, 3])
        let result = MultiSimilarityLoss().lossAndGradient(embeddings: x, labels: [0, 1, 0, 1])
        let expected = Reference.multiSimilarity(rows(x), labels: [0, 1, 0, 1])
        #expect(result.loss.isFinite && abs(Double(result.loss) - expected) < 1e-4 * expected)
        #expect(result.gradient.scalars.allSatisfy { $0.isFinite })
    }
}

@Suite("Cosine-margin proxy loss")
struct CosineMarginProxyLossTests {
    static let configurations: [(String, Float, Float)] = [("defaults", 0.35, 64), ("m 0.2, s 8", 0.2, 8)]

    static func reference(_ loss: CosineMarginProxyLoss, labels: [Int]) -> (_ x: [[Double]], _ w: [[Double]]) -> Double {
        { Reference.cosFace($0, proxies: $1, labels: labels, margin: Double(loss.margin), scale: Double(loss.scale)) }
    }

    /// Rows near their own class's proxy or near another's, so that no softmax saturates.
    static func batch(_ loss: CosineMarginProxyLoss, rowsPerClass: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = SeededGenerator(seed: seed)
        let c = loss.classCount, d = loss.proxies.value.shape[1]
        let labels = (0..<c * rowsPerClass).map { $0 % c }
        var x = Tensor.randomNormal(shape: [labels.count, d], std: 0.5, using: &rng)
        let w = normalisingRows(loss.proxies.value)
        for (i, y) in labels.enumerated() {
            let near = i % 3 == 0 ? (y + 1) % c : y
            for k in 0..<d { x[i, k] += w[near, k] }
        }
        return (normalisingRows(x), labels)
    }

    @Test(arguments: configurations)
    func valueMatchesTheDefinition(name: String, margin: Float, scale: Float) {
        let loss = CosineMarginProxyLoss(classCount: 4, dimension: 5, margin: margin, scale: scale, seed: 3)
        let (x, labels) = Self.batch(loss, rowsPerClass: 3, seed: 4)
        let value = loss.lossAndGradient(embeddings: x, labels: labels).loss
        let expected = Self.reference(loss, labels: labels)(rows(x), rows(loss.proxies.value))
        #expect(expected > 0.1, "\(name): a batch with no loss checks nothing")
        #expect(abs(Double(value) - expected) <= 1e-5 * max(1, expected), "\(name): \(value) vs \(expected)")
    }

    @Test(arguments: configurations)
    func gradientsMatchFiniteDifferences(name: String, margin: Float, scale: Float) {
        let loss = CosineMarginProxyLoss(classCount: 4, dimension: 5, margin: margin, scale: scale, seed: 3)
        let (x, labels) = Self.batch(loss, rowsPerClass: 3, seed: 4)
        loss.proxies.zeroGradient()
        let gradient = loss.lossAndGradient(embeddings: x, labels: labels).gradient
        let reference = Self.reference(loss, labels: labels)
        let w = rows(loss.proxies.value), point = rows(x)
        expectGradient(gradient, matches: { reference($0, w) }, at: x, "\(name), embeddings")
        expectGradient(loss.proxies.gradient, matches: { reference(point, $0) }, at: loss.proxies.value, "\(name), proxies")
    }

    /// Proxies of any length: only their directions enter, and their gradient is tangent.
    @Test func proxyLengthDoesNotMatter() {
        let loss = CosineMarginProxyLoss(classCount: 3, dimension: 4, seed: 5)
        let (x, labels) = Self.batch(loss, rowsPerClass: 2, seed: 6)
        let before = loss.lossAndGradient(embeddings: x, labels: labels)
        for k in 0..<4 { loss.proxies.value[1, k] *= 7 }
        let after = loss.lossAndGradient(embeddings: x, labels: labels)
        #expect(abs(after.loss - before.loss) < 1e-5 * max(1, before.loss))
        #expect(zip(after.gradient.scalars, before.gradient.scalars).allSatisfy { abs($0 - $1) < 1e-4 })
        loss.proxies.zeroGradient()
        _ = loss.lossAndGradient(embeddings: x, labels: labels)
        for c in 0..<3 {
            let radial = (0..<4).reduce(Float(0)) { $0 + loss.proxies.gradient[c, $1] * loss.proxies.value[c, $1] }
            #expect(abs(radial) < 1e-4, "proxy \(c): radial gradient \(radial)")
        }
    }

    /// The caller zeroes the proxies' gradient once a step: the loss adds into it.
    @Test func proxyGradientAccumulates() {
        let loss = CosineMarginProxyLoss(classCount: 3, dimension: 4, seed: 5)
        let (x, labels) = Self.batch(loss, rowsPerClass: 2, seed: 6)
        loss.proxies.zeroGradient()
        _ = loss.lossAndGradient(embeddings: x, labels: labels)
        let once = loss.proxies.gradient
        _ = loss.lossAndGradient(embeddings: x, labels: labels)
        #expect(once.scalars.contains { abs($0) > 1e-3 })
        #expect(zip(loss.proxies.gradient.scalars, once.scalars).allSatisfy { abs($0 - 2 * $1) <= 1e-5 * max(1, abs($1)) })
        #expect(loss.parameters.count == 1 && loss.parameters[0].parameter === loss.proxies)
    }

    @Test func lossFallsAsClassesGatherOnTheirProxies() {
        let (x, labels) = noisyClasses(classes: 3, perClass: 4, seed: 7)
        for (margin, scale) in [(Float(0.35), Float(64)), (0.2, 8)] {
            let loss = CosineMarginProxyLoss(classCount: 3, dimension: 6, margin: margin, scale: scale)
            // The proxies on the classes' directions e₀, e₁, e₂ (lengths 2: any length will do).
            loss.proxies.value = Tensor(shape: [3, 6], scalars: (0..<18).map { $0 % 7 == 0 ? 2 : 0 })
            let before = loss.lossAndGradient(embeddings: x, labels: labels)
            let after = loss.lossAndGradient(embeddings: gathered(x, labels: labels, by: 0.5), labels: labels)
            #expect(after.loss < before.loss, "m \(margin), s \(scale): \(before.loss) → \(after.loss)")
            #expect(after.statistics[CosineMarginProxyLoss.Statistic.accuracy] == 1)
        }
    }

    /// Rows orthogonal to every proxy have the same cosine, 0, to each: `collapsedValue`.
    @Test func collapsedValueIsTheLossOfRowsEquallyFarFromEveryProxy() {
        let loss = CosineMarginProxyLoss(classCount: 3, dimension: 5, seed: 8)
        // Gram–Schmidt: a unit vector orthogonal to the three proxies.
        var basis: [[Double]] = []
        for row in rows(loss.proxies.value) + [[0.3, -0.1, 0.7, 0.2, 0.5]] {
            var v = row
            for b in basis {
                let p = dot(v, b)
                v = zip(v, b).map { $0 - p * $1 }
            }
            let norm = dot(v, v).squareRoot()
            basis.append(v.map { $0 / norm })
        }
        let orthogonal = basis[3].map(Float.init)
        let x = Tensor(shape: [6, 5], scalars: (0..<6).flatMap { _ in orthogonal })
        let value = loss.lossAndGradient(embeddings: x, labels: [0, 1, 2, 0, 1, 2]).loss
        #expect(abs(value - loss.collapsedValue(batchSize: 6)) < 1e-3, "\(value) vs \(loss.collapsedValue(batchSize: 6))")
    }

    /// Stopped by the precondition, which names the labels, not by an index out of range.
    @Test func labelsOutsideTheClassesAreAProgrammerError() async {
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let loss = CosineMarginProxyLoss(classCount: 3, dimension: 2)
            _ = loss.lossAndGradient(embeddings: Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]), labels: [0, 3])
        }
        // Optimised builds trap without the precondition's message.
        #if DEBUG
        let message = String(decoding: exit?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("labels outside 0..<3: [3]"), "\(message)")
        #else
        _ = exit
        #endif
    }
}

@Suite("Supervised contrastive loss")
struct SupervisedContrastiveLossTests {
    @Test(arguments: [Float(0.1), 0.5])
    func valueAndGradientMatchTheDefinition(temperature: Float) {
        var (x, labels) = unitBatch(classes: 3, perClass: 3, dimension: 5, seed: 9)
        x = normalisingRows(Tensor(shape: [10, 5], scalars: x.scalars + [0.2, 0.1, -0.6, 0.3, 0.4]))
        labels.append(5)
        let loss = SupervisedContrastiveLoss(temperature: temperature)
        let result = loss.lossAndGradient(embeddings: x, labels: labels)
        let reference = { Reference.supervisedContrastive($0, labels: labels, temperature: Double(temperature)) }
        let expected = reference(rows(x))
        #expect(abs(Double(result.loss) - expected) <= 1e-5 * max(1, expected), "\(result.loss) vs \(expected)")
        // The singleton (row 9) is no anchor, though it is every other anchor's negative.
        #expect(result.statistics[SupervisedContrastiveLoss.Statistic.anchors] == 9)
        expectGradient(result.gradient, matches: reference, at: x, "τ \(temperature)")
    }

    @Test func viewPairLabelsMakeItNTXent() {
        var rng = SeededGenerator(seed: 10)
        let x = normalisingRows(.randomNormal(shape: [12, 4], using: &rng))
        let labels = SupervisedContrastiveLoss.viewPairLabels(imageCount: 6)
        let result = SupervisedContrastiveLoss(temperature: 0.2).lossAndGradient(embeddings: x, labels: labels)
        let reference = { Reference.ntXent($0, temperature: 0.2) }
        #expect(abs(Double(result.loss) - reference(rows(x))) < 1e-5 * max(1, reference(rows(x))))
        expectGradient(result.gradient, matches: reference, at: x, "NT-Xent")
    }

    @Test func anchorsWithoutPositivesAreSkipped() {
        let (x, _) = unitBatch(classes: 1, perClass: 6, dimension: 4, seed: 11)
        let result = SupervisedContrastiveLoss().lossAndGradient(embeddings: x, labels: Array(0..<6))
        #expect(result.loss == 0 && result.statistics[SupervisedContrastiveLoss.Statistic.anchors] == 0)
        #expect(result.gradient.scalars.allSatisfy { $0 == 0 })
    }

    @Test func lossFallsAsClassesGather() {
        let (x, labels) = noisyClasses(classes: 3, perClass: 4, seed: 12)
        let loss = SupervisedContrastiveLoss()
        let before = loss.lossAndGradient(embeddings: x, labels: labels).loss
        let after = loss.lossAndGradient(embeddings: gathered(x, labels: labels, by: 0.5), labels: labels).loss
        #expect(after < before, "\(before) → \(after)")
    }

    @Test func collapsedValueIsTheLossOfIdenticalRows() {
        let x = Tensor(shape: [8, 2], scalars: (0..<8).flatMap { _ in [Float(0.8), 0.6] })
        let loss = SupervisedContrastiveLoss()
        let value = loss.lossAndGradient(embeddings: x, labels: [0, 0, 1, 1, 2, 2, 3, 3]).loss
        #expect(abs(value - loss.collapsedValue(batchSize: 8)) < 1e-5)
    }
}

@Suite("Relational distillation loss")
struct RelationalDistillationLossTests {
    @Test(arguments: [Float(0.1), 0.5])
    func valueAndGradientMatchTheDefinition(temperature: Float) {
        var rng = SeededGenerator(seed: 13)
        let student = normalisingRows(.randomNormal(shape: [7, 4], using: &rng))
        let teacher = normalisingRows(.randomNormal(shape: [7, 6], using: &rng))
        let loss = RelationalDistillationLoss(temperature: temperature)
        let (value, gradient) = loss.lossAndGradient(student: student, teacher: teacher)
        let t = rows(teacher)
        let reference = { Reference.relationalDistillation(student: $0, teacher: t, temperature: Double(temperature)) }
        let expected = reference(rows(student))
        #expect(expected > 0.01 && abs(Double(value) - expected) <= 1e-5 * max(1, expected), "\(value) vs \(expected)")
        expectGradient(gradient, matches: reference, at: student, "τ \(temperature)")
    }

    /// A teacher with the student's similarities (the student itself, or in more dimensions)
    /// leaves nothing to distil.
    @Test func zeroWithItsGradientWhenTheTeacherHasTheStudentsSimilarities() {
        var rng = SeededGenerator(seed: 14)
        let student = normalisingRows(.randomNormal(shape: [6, 3], using: &rng))
        let padded = Tensor(shape: [6, 5], scalars: (0..<6).flatMap { i in (0..<3).map { student[i, $0] } + [0, 0] })
        for teacher in [student, padded] {
            let (value, gradient) = RelationalDistillationLoss().lossAndGradient(student: student, teacher: teacher)
            #expect(abs(value) < 1e-6)
            #expect(gradient.scalars.allSatisfy { abs($0) < 1e-5 }, "max |g| \(gradient.scalars.map(abs).max() ?? 0)")
        }
    }
}

/// pytorch-metric-learning 2.9's `MultiSimilarityLoss` and `CosFaceLoss` (torch 2.15) on a
/// committed fixture (Fixtures/make_metric_loss_fixture.py made it): equal to 1e-4 relative.
/// pml normalises the rows inside the loss, so its gradient with respect to the unit rows is
/// ours projected on each row's tangent plane, `(I − xᵢxᵢᵀ) gᵢ`.
@Suite("Parity with pytorch-metric-learning")
struct MetricLossParityTests {
    let fixture: [String: Any]
    let embeddings: Tensor
    let labels: [Int]

    init() throws {
        let url = try #require(Bundle.module.url(forResource: "metric_losses", withExtension: "json", subdirectory: "Fixtures"))
        fixture = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        embeddings = try PyTorchParityTests.Fixture.tensor(fixture["embeddings"])
        labels = try #require(fixture["labels"] as? [Int])
    }

    /// `max |a − b| ≤ 1e-4 · max(max |b|, 1e-3)`.
    func expectClose(_ a: Tensor, _ b: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.shape == b.shape, "\(what): shape \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
        let scale = max(b.scalars.map(abs).max() ?? 0, 1e-3)
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-4 * scale, "\(what): max difference \(worst), scale \(scale)", sourceLocation: sourceLocation)
    }

    /// `(I − xᵢxᵢᵀ) gᵢ` for each row.
    func tangent(_ g: Tensor, at x: Tensor) -> Tensor {
        var out = g
        for i in 0..<x.shape[0] {
            let radial = (0..<x.shape[1]).reduce(Float(0)) { $0 + g[i, $1] * x[i, $1] }
            for k in 0..<x.shape[1] { out[i, k] -= radial * x[i, k] }
        }
        return out
    }

    @Test(arguments: ["multi_similarity", "multi_similarity_mined", "multi_similarity_gentle"])
    func multiSimilarity(_ name: String) throws {
        let expected = try #require(fixture[name] as? [String: Any])
        let loss = MultiSimilarityLoss(alpha: Float(try #require(expected["alpha"] as? Double)),
                                       beta: Float(try #require(expected["beta"] as? Double)),
                                       base: Float(try #require(expected["base"] as? Double)),
                                       miningEpsilon: (expected["epsilon"] as? Double).map(Float.init))
        let result = loss.lossAndGradient(embeddings: embeddings, labels: labels)
        let pmlLoss = try #require(expected["loss"] as? Double)
        #expect(abs(Double(result.loss) - pmlLoss) <= 1e-4 * max(abs(pmlLoss), 1e-3), "\(name): \(result.loss) vs \(pmlLoss)")
        expectClose(tangent(result.gradient, at: embeddings), try PyTorchParityTests.Fixture.tensor(expected["embedding_gradient"]),
                    "\(name) ∂L/∂x")
    }

    @Test(arguments: ["cosface", "cosface_gentle"])
    func cosFace(_ name: String) throws {
        let expected = try #require(fixture[name] as? [String: Any])
        let proxies = try PyTorchParityTests.Fixture.tensor(fixture["proxies"])
        let loss = CosineMarginProxyLoss(classCount: proxies.shape[0], dimension: proxies.shape[1],
                                         margin: Float(try #require(expected["margin"] as? Double)),
                                         scale: Float(try #require(expected["scale"] as? Double)))
        loss.proxies.value = proxies
        loss.proxies.zeroGradient()
        let result = loss.lossAndGradient(embeddings: embeddings, labels: labels)
        let pmlLoss = try #require(expected["loss"] as? Double)
        #expect(abs(Double(result.loss) - pmlLoss) <= 1e-4 * max(abs(pmlLoss), 1e-3), "\(name): \(result.loss) vs \(pmlLoss)")
        expectClose(tangent(result.gradient, at: embeddings), try PyTorchParityTests.Fixture.tensor(expected["embedding_gradient"]),
                    "\(name) ∂L/∂x")
        expectClose(loss.proxies.gradient, try PyTorchParityTests.Fixture.tensor(expected["proxy_gradient"]), "\(name) ∂L/∂W")
    }
}
