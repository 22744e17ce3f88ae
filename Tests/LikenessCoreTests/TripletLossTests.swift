import Foundation
import LikenessCore
import Testing

/// A hand-made batch: eight points on a line, three classes, every anchor's distances at
/// least 0.02 apart, so each miner's choice is unambiguous and can be worked out by hand.
private let linePositions: [Float] = [0.0, 0.13, 0.57, 0.31, 0.94, 1.71, -0.36, 2.26]
private let lineLabels = [0, 0, 0, 1, 1, 1, 2, 2]
private let line = Tensor(shape: [8, 1], scalars: linePositions)

/// `‖xᵢ − xⱼ‖`, straight from the definition, in Double.
private func directDistance(_ x: Tensor, _ i: Int, _ j: Int, squared: Bool = false) -> Double {
    let d = x.shape[1]
    let s = (0..<d).reduce(0.0) { $0 + pow(Double(x[i, $1]) - Double(x[j, $1]), 2) }
    return squared ? s : s.squareRoot()
}

/// Every (anchor, positive, negative) of a batch: `a ≠ p`, `y_a = y_p`, `y_n ≠ y_a`.
private func allValidTriplets(labels: [Int]) -> [Triplet] {
    var out: [Triplet] = []
    for a in labels.indices {
        for p in labels.indices where p != a && labels[p] == labels[a] {
            for n in labels.indices where labels[n] != labels[a] { out.append(Triplet(anchor: a, positive: p, negative: n)) }
        }
    }
    return out
}

/// The triplets each miner's definition admits, decided triplet by triplet over all valid ones.
private enum BruteForce {
    static func batchHard(_ d: (Int, Int) -> Double, labels: [Int]) -> Set<Triplet> {
        Set(allValidTriplets(labels: labels).filter { t in
            let positives = labels.indices.filter { $0 != t.anchor && labels[$0] == labels[t.anchor] }
            let negatives = labels.indices.filter { labels[$0] != labels[t.anchor] }
            return positives.allSatisfy { d(t.anchor, $0) <= d(t.anchor, t.positive) }
                && negatives.allSatisfy { d(t.anchor, $0) >= d(t.anchor, t.negative) }
        })
    }

    static func semiHard(_ d: (Int, Int) -> Double, labels: [Int]) -> Set<Triplet> {
        Set(allValidTriplets(labels: labels).filter { t in
            let negatives = labels.indices.filter { labels[$0] != labels[t.anchor] }
            let dap = d(t.anchor, t.positive), dan = d(t.anchor, t.negative)
            let beyond = negatives.filter { d(t.anchor, $0) > dap }
            if beyond.isEmpty {
                return negatives.allSatisfy { d(t.anchor, $0) <= dan }
            }
            return dan > dap && beyond.allSatisfy { d(t.anchor, $0) >= dan }
        })
    }
}

/// A batch of `classes × perClass` random embeddings of dimension `dimension`, as unit rows
/// when `unit`.
private func randomBatch(classes: Int, perClass: Int, dimension: Int, seed: UInt64, unit: Bool = true) -> (Tensor, [Int]) {
    var rng = SeededGenerator(seed: seed)
    var x = Tensor.randomNormal(shape: [classes * perClass, dimension], using: &rng)
    if unit {
        for i in 0..<x.shape[0] {
            let norm = (0..<dimension).reduce(Float(0)) { $0 + x[i, $1] * x[i, $1] }.squareRoot()
            for k in 0..<dimension { x[i, k] /= norm }
        }
    }
    return (x, (0..<classes * perClass).map { $0 / perClass })
}

@Suite("Pairwise embedding distances")
struct EmbeddingDistanceTests {
    @Test(arguments: EmbeddingDistance.allCases)
    func matrixMatchesDefinition(distance: EmbeddingDistance) {
        let (x, _) = randomBatch(classes: 3, perClass: 5, dimension: 7, seed: 3, unit: false)
        let d = distance.pairwise(x)
        #expect(d.shape == [15, 15])
        for i in 0..<15 {
            for j in 0..<15 {
                let expected = directDistance(x, i, j, squared: distance == .squaredEuclidean)
                #expect(abs(Double(d[i, j]) - expected) <= 1e-4 * max(1, expected), "d[\(i), \(j)] = \(d[i, j]), expected \(expected)")
            }
        }
    }

    /// Two unit vectors 1e-4 apart: the Gram form alone keeps no correct digit of their distance.
    @Test func nearNeighboursKeepTheirDigits() {
        let a: [Float] = [0.6, 0.8, 0, 0]
        let b: [Float] = [0.6 + 6e-5, 0.8 - 8e-5, 5e-5, 0]
        let x = Tensor(shape: [2, 4], scalars: a + b)
        let expected = directDistance(x, 0, 1)
        let d = EmbeddingDistance.euclidean.pairwise(x)
        #expect(abs(Double(d[0, 1]) - expected) <= 1e-3 * expected, "distance \(d[0, 1]), expected \(expected)")
        #expect(d[0, 0] == 0 && d[1, 1] == 0)
    }
}

@Suite("Triplet miners")
struct TripletMinerTests {
    private let lineDistances = EmbeddingDistance.euclidean.pairwise(line)
    private func lineDistance(_ i: Int, _ j: Int) -> Double { directDistance(line, i, j) }

    @Test func batchAllPicksEveryValidTriplet() {
        let mined = BatchAllMiner().triplets(distances: lineDistances, labels: lineLabels)
        #expect(mined.count == Set(mined).count, "a triplet mined twice")
        #expect(Set(mined) == Set(allValidTriplets(labels: lineLabels)))
        // Σₐ (n_{yₐ} − 1)(N − n_{yₐ}): classes of 3, 3 and 2 in a batch of 8.
        #expect(mined.count == 3 * 2 * 5 + 3 * 2 * 5 + 2 * 1 * 6)
    }

    @Test func batchHardPicksTheHardestPositiveAndNegativeOfEachAnchor() {
        let mined = BatchHardMiner().triplets(distances: lineDistances, labels: lineLabels)
        #expect(mined.count == lineLabels.count)
        #expect(Set(mined) == BruteForce.batchHard(lineDistance, labels: lineLabels))
        // Worked by hand: anchor 0 (at 0) has positives at 0.13 and 0.57, its nearest negative at 0.31.
        #expect(mined.contains(Triplet(anchor: 0, positive: 2, negative: 3)))
        #expect(mined.contains(Triplet(anchor: 4, positive: 5, negative: 2)))
        #expect(mined.contains(Triplet(anchor: 7, positive: 6, negative: 5)))
    }

    @Test func semiHardPicksTheNearestNegativeBeyondThePositive() {
        let mined = SemiHardMiner().triplets(distances: lineDistances, labels: lineLabels)
        #expect(mined.count == 3 * 2 + 3 * 2 + 2 * 1, "one triplet per anchor–positive pair")
        #expect(Set(mined) == BruteForce.semiHard(lineDistance, labels: lineLabels))
        // Worked by hand (margin 0.2): (0, 1) has d_ap = 0.13 and the semi-hard negative 3 at 0.31;
        // (0, 2) has d_ap = 0.57 and no negative before 0.77: the nearest beyond, 4 at 0.94;
        // (6, 7) and (7, 6) have every negative nearer than the positive: the farthest.
        #expect(mined.contains(Triplet(anchor: 0, positive: 1, negative: 3)))
        #expect(mined.contains(Triplet(anchor: 0, positive: 2, negative: 4)))
        #expect(mined.contains(Triplet(anchor: 6, positive: 7, negative: 5)))
        #expect(mined.contains(Triplet(anchor: 7, positive: 6, negative: 0)))
    }

    @Test func semiHardWithinMarginKeepsEveryNegativeInsideTheMargin() {
        let mined = SemiHardWithinMarginMiner(margin: 0.2).triplets(distances: lineDistances, labels: lineLabels)
        let expected = allValidTriplets(labels: lineLabels).filter { t in
            let dap = lineDistance(t.anchor, t.positive), dan = lineDistance(t.anchor, t.negative)
            return dan > dap && dan < dap + 0.2
        }
        #expect(Set(mined) == Set(expected) && mined.count == expected.count)
        // Worked by hand: (0, 1) has d_ap = 0.13; negative 3 at 0.31 is inside 0.33, negative 4 at 0.94 is not.
        #expect(mined.contains(Triplet(anchor: 0, positive: 1, negative: 3)))
        #expect(!mined.contains(Triplet(anchor: 0, positive: 1, negative: 4)))
        #expect(!expected.isEmpty)
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func minersMatchTheirDefinitionsOnRandomBatches(seed: UInt64) {
        let (x, labels) = randomBatch(classes: 4, perClass: 6, dimension: 3, seed: seed)
        var rng = SeededGenerator(seed: seed)
        let shuffled = labels.shuffled(using: &rng)
        let d = EmbeddingDistance.euclidean.pairwise(x)
        let distance = { (i: Int, j: Int) in Double(d[i, j]) }
        #expect(Set(BatchAllMiner().triplets(distances: d, labels: shuffled)) == Set(allValidTriplets(labels: shuffled)))
        #expect(Set(BatchHardMiner().triplets(distances: d, labels: shuffled)) == BruteForce.batchHard(distance, labels: shuffled))
        #expect(Set(SemiHardMiner().triplets(distances: d, labels: shuffled)) == BruteForce.semiHard(distance, labels: shuffled))
    }

    @Test func noTripletsWithoutPositivesOrNegatives() {
        let d = EmbeddingDistance.euclidean.pairwise(line)
        let miners: [any TripletMiner] = [BatchAllMiner(), BatchHardMiner(), SemiHardMiner()]
        for miner in miners {
            #expect(miner.triplets(distances: d, labels: Array(repeating: 4, count: 8)).isEmpty, "one class: \(miner)")
            #expect(miner.triplets(distances: d, labels: Array(0..<8)).isEmpty, "singletons: \(miner)")
        }
        // Only the pair of class 9 has positives.
        let oneShared = [9, 9, 1, 2, 3, 4, 5, 6]
        #expect(Set(BatchHardMiner().triplets(distances: d, labels: oneShared).map(\.anchor)) == [0, 1])
    }
}

@Suite("Triplet loss")
struct TripletLossTests {
    static let configurations: [(String, TripletLoss)] = [
        ("batch all, Euclidean", TripletLoss(miner: .batchAll)),
        ("batch all, squared, mean", TripletLoss(margin: 0.5, distance: .squaredEuclidean, miner: .batchAll, reduction: .mean)),
        ("batch hard, Euclidean", TripletLoss(miner: .batchHard)),
        ("batch hard, soft margin", TripletLoss(softMargin: true, miner: .batchHard)),
        ("semi-hard, Euclidean", TripletLoss(miner: .semiHard)),
        ("semi-hard, squared", TripletLoss(margin: 0.3, distance: .squaredEuclidean, miner: .semiHard)),
        ("batch all, soft margin, squared", TripletLoss(distance: .squaredEuclidean, softMargin: true, miner: .batchAll)),
    ]

    /// A batch of 8 unit embeddings in 4 dimensions where nothing a finite difference of `step`
    /// could flip is near flipping: every valid triplet is at least `gap` from the hinge and
    /// every anchor's distances are at least `gap` apart (so no miner changes its choice).
    static func wellSeparatedBatch(loss: TripletLoss, gap: Double) throws -> (Tensor, [Int]) {
        for seed in UInt64(0)..<5000 {
            let (x, labels) = randomBatch(classes: 4, perClass: 2, dimension: 4, seed: seed)
            let squared = loss.distance == .squaredEuclidean
            let d = { (i: Int, j: Int) in directDistance(x, i, j, squared: squared) }
            let hingeClear = allValidTriplets(labels: labels).allSatisfy {
                abs(d($0.anchor, $0.positive) - d($0.anchor, $0.negative) + Double(loss.margin)) > gap
            }
            let choicesClear = (0..<8).allSatisfy { a in
                let row = (0..<8).filter { $0 != a }.map { d(a, $0) }.sorted()
                return zip(row, row.dropFirst()).allSatisfy { $1 - $0 > gap }
            }
            if hingeClear && choicesClear { return (x, labels) }
        }
        throw GradientCheckError.noWellSeparatedBatch
    }

    enum GradientCheckError: Error { case noWellSeparatedBatch }

    /// Central finite differences of `loss` at `x`, one embedding coordinate at a time.
    static func checkGradient(of loss: TripletLoss, at x: Tensor, labels: [Int], step: Float,
                              name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let analytic = loss.evaluate(embeddings: x, labels: labels).gradient
        #expect(analytic.shape == x.shape, sourceLocation: sourceLocation)
        for i in 0..<x.count {
            var plus = x, minus = x
            plus[flat: i] += step
            minus[flat: i] -= step
            let numeric = (loss.evaluate(embeddings: plus, labels: labels).loss
                           - loss.evaluate(embeddings: minus, labels: labels).loss) / (2 * step)
            let tolerance = 1e-3 + 1e-2 * max(abs(numeric), abs(analytic[flat: i]))
            #expect(abs(numeric - analytic[flat: i]) <= tolerance,
                    "\(name) ∂L/∂x[\(i)]: analytic \(analytic[flat: i]), finite difference \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: configurations)
    func gradientMatchesFiniteDifferences(name: String, loss: TripletLoss) throws {
        // A coordinate step moves a distance by at most `step` (Euclidean between unit vectors)
        // or `4 · step` (squared): three times that keeps every comparison on its side.
        let step: Float = 1e-3
        let gap = 3 * Double(step) * (loss.distance == .squaredEuclidean ? 4 : 1)
        let (x, labels) = try Self.wellSeparatedBatch(loss: loss, gap: gap)
        let result = loss.evaluate(embeddings: x, labels: labels)
        #expect(result.loss > 0, "\(name): a batch with no loss checks nothing")
        #expect(result.gradient.scalars.contains { abs($0) > 1e-3 }, "\(name): zero gradient")
        Self.checkGradient(of: loss, at: x, labels: labels, step: step, name: name)
    }

    /// The loss from its definition, in Double: mine with the library's miner on exact distances,
    /// then average `ℓ` as the reduction says.
    @Test(arguments: configurations)
    func valueAndStatisticsMatchTheDefinition(name: String, loss: TripletLoss) {
        let (x, labels) = randomBatch(classes: 4, perClass: 5, dimension: 6, seed: 21)
        let result = loss.evaluate(embeddings: x, labels: labels)
        let squared = loss.distance == .squaredEuclidean
        let d = { (i: Int, j: Int) in directDistance(x, i, j, squared: squared) }
        let triplets = loss.miner.triplets(distances: loss.distance.pairwise(x), labels: labels)
        let m = Double(loss.margin)
        let losses = triplets.map { t -> Double in
            let z = d(t.anchor, t.positive) - d(t.anchor, t.negative)
            return loss.softMargin ? log1p(exp(z)) : max(z + m, 0)
        }
        let positive = losses.filter { $0 > 0 }
        let expected = loss.reduction == .mean
            ? losses.reduce(0, +) / Double(losses.count)
            : positive.reduce(0, +) / Double(positive.count)
        #expect(abs(Double(result.loss) - expected) < 1e-5 * max(1, expected), "\(name): \(result.loss) vs \(expected)")
        #expect(result.statistics.tripletCount == triplets.count)
        let active = triplets.filter { d($0.anchor, $0.negative) < d($0.anchor, $0.positive) + m }.count
        #expect(result.statistics.activeCount == active)
        let meanAP = triplets.map { d($0.anchor, $0.positive) }.reduce(0, +) / Double(triplets.count)
        let meanAN = triplets.map { d($0.anchor, $0.negative) }.reduce(0, +) / Double(triplets.count)
        #expect(abs(Double(result.statistics.meanPositiveDistance) - meanAP) < 1e-4)
        #expect(abs(Double(result.statistics.meanNegativeDistance) - meanAN) < 1e-4)
    }

    /// PML's `AvgNonZeroReducer` against the plain mean: the same sum over fewer triplets.
    @Test func meanOverActiveDividesByTheActiveTriplets() {
        let (x, labels) = randomBatch(classes: 4, perClass: 5, dimension: 6, seed: 22)
        let overActive = TripletLoss(miner: .batchAll).evaluate(embeddings: x, labels: labels)
        let overAll = TripletLoss(miner: .batchAll, reduction: .mean).evaluate(embeddings: x, labels: labels)
        let stats = overActive.statistics
        #expect(stats.activeCount > 0 && stats.activeCount < stats.tripletCount, "\(stats)")
        let ratio = Float(stats.activeCount) / Float(stats.tripletCount)
        #expect(abs(overAll.loss - overActive.loss * ratio) < 1e-5)
        #expect(abs(overAll.gradient[flat: 3] - overActive.gradient[flat: 3] * ratio) < 1e-5)
    }

    @Test func collapsedEmbeddingsGiveTheMarginAndNoGradient() {
        let x = Tensor(shape: [6, 3], scalars: (0..<6).flatMap { _ in [Float(0.6), 0.8, 0] })
        let labels = [0, 0, 1, 1, 2, 2]
        for loss in [TripletLoss(miner: .semiHard), TripletLoss(miner: .batchAll), TripletLoss(softMargin: true, miner: .batchHard)] {
            let result = loss.evaluate(embeddings: x, labels: labels)
            #expect(abs(result.loss - loss.collapsedValue) < 1e-6, "loss \(result.loss), expected \(loss.collapsedValue)")
            #expect(result.gradient.scalars.allSatisfy { $0 == 0 })
            #expect(result.statistics.activeFraction == 1)
        }
    }

    @Test func noTripletsGiveZeroLossAndGradient() {
        let (x, _) = randomBatch(classes: 1, perClass: 5, dimension: 4, seed: 5)
        let result = TripletLoss().evaluate(embeddings: x, labels: Array(0..<5))
        #expect(result.loss == 0)
        #expect(result.statistics.tripletCount == 0 && result.statistics.activeFraction == 0)
        #expect(result.gradient.shape == [5, 4] && result.gradient.scalars.allSatisfy { $0 == 0 })
    }

    /// A step against the gradient lowers the loss: the sign is right, not just the size.
    @Test func gradientStepLowersTheLoss() {
        let (x, labels) = randomBatch(classes: 4, perClass: 4, dimension: 8, seed: 7)
        let loss = TripletLoss(miner: .batchAll)
        let before = loss.evaluate(embeddings: x, labels: labels)
        var moved = x
        for i in 0..<x.count { moved[flat: i] -= 1e-2 * before.gradient[flat: i] }
        #expect(loss.evaluate(embeddings: moved, labels: labels).loss < before.loss)
    }
}
