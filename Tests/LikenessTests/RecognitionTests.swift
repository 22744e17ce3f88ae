import Foundation
import Likeness
import Testing

@Suite("Nearest-prototype classification and thresholds")
struct RecognitionTests {
    func unitRows(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        let t = Tensor.randomNormal(shape: [n, d], using: &rng)
        return L2Normalize().forward(t, training: false)
    }

    @Test func distancesMatchTheDefinition() {
        let q = unitRows(7, 5, seed: 1), p = unitRows(3, 5, seed: 2)
        let d = PrototypeClassifier.distances(q, p)
        for i in 0..<7 {
            for j in 0..<3 {
                let exact = (0..<5).map { Double(q[i, $0] - p[j, $0]) }.map { $0 * $0 }.reduce(0, +).squareRoot()
                #expect(abs(Double(d[i, j]) - exact) < 1e-5)
            }
        }
    }

    @Test func nearestClassOrUnknown() {
        let prototypes = Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        let queries = Tensor(shape: [3, 2], scalars: [0.96, 0.28, 0.28, 0.96, -1, 0])
        var classifier = PrototypeClassifier(prototypes: prototypes, classNames: ["a", "b"])
        #expect(classifier.classify(queries).map(\.accepted) == [0, 1, 1])
        classifier.thresholds = [0.5, 0.5]
        let answers = classifier.classify(queries)
        #expect(answers.map(\.accepted) == [0, 1, nil])
        #expect(answers[2].nearest == 1 && abs(answers[2].distance - Float(2).squareRoot()) < 1e-5)
    }

    func rates(_ g: [Float], _ im: [Float], _ t: Float) -> (Double, Double) {
        (Double(im.filter { $0 <= t }.count) / Double(im.count), Double(g.filter { $0 > t }.count) / Double(g.count))
    }

    @Test(arguments: [0.0, 0.1, 0.25, 0.5])
    func falseAcceptTarget(rate: Double) {
        var rng = SeededGenerator(seed: 4)
        let genuine = (0..<40).map { _ in abs(rng.nextNormal()) * 0.4 }
        let impostor = (0..<60).map { _ in 0.6 + rng.nextNormal() * 0.3 }
        let r = ThresholdCalibration.threshold(genuine: genuine, impostor: impostor, target: .falseAcceptRate(rate))
        let (far, frr) = rates(genuine, impostor, r.threshold)
        #expect(far <= rate && r.falseAcceptRate == far && r.falseRejectRate == frr)
        // No larger observed distance keeps the false-accept rate within the target.
        for t in (genuine + impostor) where t > r.threshold { #expect(rates(genuine, impostor, t).0 > rate) }
    }

    @Test func equalErrorRate() {
        var rng = SeededGenerator(seed: 5)
        let genuine = (0..<50).map { _ in abs(rng.nextNormal()) * 0.5 }
        let impostor = (0..<50).map { _ in 0.7 + rng.nextNormal() * 0.3 }
        let r = ThresholdCalibration.threshold(genuine: genuine, impostor: impostor, target: .equalErrorRate)
        let gap = abs(r.falseAcceptRate - r.falseRejectRate)
        for t in genuine + impostor {
            let (far, frr) = rates(genuine, impostor, t)
            #expect(abs(far - frr) >= gap)
        }
    }

    @Test func genuineAndImpostorSets() {
        let d = Tensor(shape: [3, 2], scalars: [0.1, 0.9, 0.8, 0.2, 0.7, 0.6])
        let all = ThresholdCalibration.distances(d, labels: [0, 1, nil])
        #expect(all.genuine == [0.1, 0.2])
        #expect(all.impostor == [0.9, 0.8, 0.7, 0.6])
        let second = ThresholdCalibration.distances(d, labels: [0, 1, nil], forClass: 1)
        #expect(second.genuine == [0.2] && second.impostor == [0.9, 0.6])
    }
}

@Suite("One-shot evaluation")
struct OneShotEvaluationTests {
    /// Unit embeddings around one axis per class.
    func cluster(_ c: Int, count: Int, d: Int = 6, rng: inout SeededGenerator) -> Tensor {
        var rows: [Float] = []
        for _ in 0..<count {
            var v = (0..<d).map { _ in rng.nextNormal() * 0.15 }
            v[c] += 1
            let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            rows += v.map { $0 / norm }
        }
        return Tensor(shape: [count, d], scalars: rows)
    }

    func stack(_ parts: [Tensor]) -> Tensor {
        Tensor(shape: [parts.map { $0.shape[0] }.reduce(0, +), parts[0].shape[1]], scalars: parts.flatMap(\.scalars))
    }

    @Test func prototypesAreNormalisedMeans() throws {
        let e = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, -1, 0])
        var shots = PrototypeAccumulator(dimension: 2, classCount: 2)
        try shots.add(embeddings: e, labels: [0, 0, 1])
        let p = try shots.prototypes(ofClasses: [1, 0], classNames: ["a", "b"])
        #expect(p.scalars.map { ($0 * 1e5).rounded() / 1e5 } == [-1, 0, 0.70711, 0.70711])
        #expect(shots.counts == [2, 1])
    }

    @Test func novelClassesAreRecognisedFromOneImage() throws {
        var rng = SeededGenerator(seed: 1)
        let known = (embeddings: stack([cluster(0, count: 30, rng: &rng), cluster(1, count: 30, rng: &rng)]),
                     labels: Array(repeating: 0, count: 30) + Array(repeating: 1, count: 30))
        let candidates = [cluster(2, count: 10, rng: &rng), cluster(3, count: 10, rng: &rng)]
        let test = (embeddings: stack((0..<4).map { cluster($0, count: 25, rng: &rng) }),
                    labels: (0..<4).flatMap { Array(repeating: $0, count: 25) })
        let protocolRun = OneShotEvaluation(knownClasses: [0, 1], novelClasses: [2, 3], draws: 5)
        let result = try protocolRun.run(known: known, candidates: candidates, test: test)
        #expect(result.novelRecall.allSatisfy { $0 > 0.9 }, "\(result.novelRecall)")
        #expect(result.accuracy > 0.9)
        #expect(try result.chosen == protocolRun.run(known: known, candidates: candidates, test: test).chosen)
        #expect(Set(result.chosen.map { $0[0] }).count > 1, "draws pick different images")
        // Enrolling each novel class from the other's images swaps them: their recall collapses.
        let swapped = try protocolRun.run(known: known, candidates: candidates.reversed(), test: test)
        #expect(swapped.novelRecall.allSatisfy { $0 < 0.1 })
        #expect(swapped.knownRecall.allSatisfy { $0 > 0.9 })
    }
}

extension OneShotEvaluationTests {
    /// Three overlapping classes (noise 0.5, so that one shot often fails), validation images
    /// interleaved by class.
    func episodeData() -> (training: (embeddings: Tensor, labels: [Int]), validation: (embeddings: Tensor, labels: [Int])) {
        var rng = SeededGenerator(seed: 7)
        func noisy(_ c: Int, _ count: Int) -> [[Float]] {
            (0..<count).map { _ in
                var v = (0..<4).map { _ in rng.nextNormal() * 0.5 }
                v[c] += 1
                let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
                return v.map { $0 / norm }
            }
        }
        let training = (0..<3).flatMap { c in noisy(c, 20).map { ($0, c) } }
        let validation = (0..<9).flatMap { _ in (0..<3).flatMap { c in noisy(c, 1).map { ($0, c) } } }
        return ((Tensor(shape: [training.count, 4], scalars: training.flatMap(\.0)), training.map(\.1)),
                (Tensor(shape: [validation.count, 4], scalars: validation.flatMap(\.0)), validation.map(\.1)))
    }

    /// Per class (prototype index = class), the rows that are nearest their own class's prototype
    /// (squared Euclidean distance, in Double) and the rows of each class.
    static func nearestPrototypeTally(_ prototypes: [[Double]], rows: [[Double]], labels: [Int]) -> (hits: [Int], support: [Int]) {
        var hits = [Int](repeating: 0, count: prototypes.count), support = hits
        for (row, label) in zip(rows, labels) {
            let distances = prototypes.map { p in zip(p, row).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
            let nearest = distances.indices.min { distances[$0] < distances[$1] }!
            support[label] += 1
            if nearest == label { hits[nearest] += 1 }
        }
        return (hits, support)
    }

    /// The episodes by their definition, in Double: class `c` from its drawn even-position
    /// validation image, the others from their normalised training means; every validation row
    /// but `c`'s candidates to its nearest prototype.
    @Test func knownClassEpisodesFollowTheirDefinition() throws {
        let (training, validation) = episodeData()
        let classes = [0, 1, 2], draws = 6
        let episodes = try OneShotEvaluation.knownClassEpisodes(knownClasses: classes, draws: draws, training: training, validation: validation)
        let t = training.embeddings.doubleRows, v = validation.embeddings.doubleRows
        func normalised(_ x: [Double]) -> [Double] { let n = x.map { $0 * $0 }.reduce(0, +).squareRoot(); return x.map { $0 / n } }
        func mean(_ rows: [[Double]]) -> [Double] { normalised((0..<4).map { k in rows.map { $0[k] }.reduce(0, +) }) }
        var expectedRecall: [Double] = [], expectedBalanced: [Double] = []
        for c in classes {
            let rowsOfC = validation.labels.indices.filter { validation.labels[$0] == c }
            let candidates = stride(from: 0, to: rowsOfC.count, by: 2).map { rowsOfC[$0] }
            let tested = validation.labels.indices.filter { !candidates.contains($0) }
            var recall = 0.0, balanced = 0.0
            for s in 0..<draws {
                let shot = candidates[OneShotEvaluation.candidatesDrawn(draw: UInt64(s), counts: [candidates.count])[0]]
                let prototypes = classes.map { k in k == c ? v[shot] : mean(training.labels.indices.filter { training.labels[$0] == k }.map { t[$0] }) }
                let (hits, support) = Self.nearestPrototypeTally(prototypes, rows: tested.map { v[$0] }, labels: tested.map { validation.labels[$0] })
                let recalls = (0..<3).map { Double(hits[$0]) / Double(support[$0]) }
                recall += recalls[c] / Double(draws)
                balanced += recalls.reduce(0, +) / 3 / Double(draws)
            }
            expectedRecall.append(recall)
            expectedBalanced.append(balanced)
        }
        #expect(episodes.classes == classes)
        for (a, b) in zip(episodes.oneShotRecall + episodes.balancedAccuracy, expectedRecall + expectedBalanced) {
            #expect(abs(a - b) < 1e-9, "\(episodes) against \(expectedRecall), \(expectedBalanced)")
        }
        #expect(expectedRecall.contains { $0 < 0.95 } && expectedRecall.contains { $0 > 0.3 }, "a case that tells: \(expectedRecall)")
    }

    /// The held-out measure by its definition, in Double: each held-out class from its drawn
    /// even-position validation image (one draw picks for all, as the protocol's draws do), the
    /// known class from its normalised training mean; every validation row of those classes but the
    /// candidates to its nearest prototype. Rows of a class neither known nor held out are left out.
    @Test func heldOutClassesFollowTheirDefinition() throws {
        let (training, data) = episodeData()
        let validation = (embeddings: Tensor(shape: [data.labels.count + 2, 4], scalars: data.embeddings.scalars + [0, 0, 0, 1, 0, 0, 0, 1]),
                          labels: data.labels + [3, 3])
        let known = [0], heldOut = [1, 2], draws = 6
        let knownRows = training.labels.indices.filter { training.labels[$0] == 0 }
        let result = try OneShotEvaluation(knownClasses: known, novelClasses: heldOut, draws: draws).runOnValidation(
            training: (training.embeddings.rows(at: knownRows), knownRows.map { training.labels[$0] }), validation: validation)
        let t = training.embeddings.doubleRows, v = validation.embeddings.doubleRows
        func normalised(_ x: [Double]) -> [Double] { let n = x.map { $0 * $0 }.reduce(0, +).squareRoot(); return x.map { $0 / n } }
        let knownPrototype = normalised((0..<4).map { k in knownRows.map { t[$0][k] }.reduce(0, +) })
        let candidates = heldOut.map { c in
            let rowsOfC = validation.labels.indices.filter { validation.labels[$0] == c }
            return stride(from: 0, to: rowsOfC.count, by: 2).map { rowsOfC[$0] }
        }
        let tested = validation.labels.indices.filter { !candidates.joined().contains($0) && validation.labels[$0] < 3 }
        var recall = [0.0, 0.0, 0.0], accuracy = 0.0
        for s in 0..<draws {
            let picks = OneShotEvaluation.candidatesDrawn(draw: UInt64(s), counts: candidates.map(\.count))
            let prototypes = [knownPrototype] + heldOut.indices.map { v[candidates[$0][picks[$0]]] }
            let (hits, support) = Self.nearestPrototypeTally(prototypes, rows: tested.map { v[$0] }, labels: tested.map { validation.labels[$0] })
            for c in 0..<3 { recall[c] += Double(hits[c]) / Double(support[c]) / Double(draws) }
            accuracy += Double(hits.reduce(0, +)) / Double(tested.count) / Double(draws)
        }
        #expect(abs(result.knownRecall[0] - recall[0]) < 1e-9)
        #expect(abs(result.novelRecall[0] - recall[1]) < 1e-9 && abs(result.novelRecall[1] - recall[2]) < 1e-9, "\(result.novelRecall) against \(recall)")
        #expect(abs(result.accuracy - accuracy) < 1e-9)
        #expect(abs(result.balancedAccuracy - recall.reduce(0, +) / 3) < 1e-9)
        #expect(recall.contains { $0 < 0.95 } && recall.contains { $0 > 0.3 }, "a case that tells: \(recall)")
    }

    /// Augmented views are asked of the drawn candidates only, once per draw of each episode,
    /// and move the one-shot prototypes: views pointing away from the class take its recall down.
    @Test func knownClassEpisodesAskViewsOfTheirCandidatesOnly() throws {
        let (training, validation) = episodeData()
        final class Asked: @unchecked Sendable { var rows: [Int] = [] }
        let asked = Asked()
        let misleading = try OneShotEvaluation.knownClassEpisodes(
            knownClasses: [0, 1, 2], draws: 4, enrolment: ShotEnrolment(augmentedViews: 3), training: training, validation: validation,
            views: { row in
                asked.rows.append(row)
                let c = validation.labels[row]
                return Tensor(shape: [3, 4], scalars: (0..<3).flatMap { _ in (0..<4).map { Float($0 == c ? -1 : 0) } })
            })
        #expect(asked.rows.count == 3 * 4)
        for row in asked.rows {
            let rank = validation.labels.indices.filter { validation.labels[$0] == validation.labels[row] }.firstIndex(of: row)
            #expect(rank.map { $0 % 2 == 0 } == true, "row \(row) is not an even-position image of its class")
        }
        let plain = try OneShotEvaluation.knownClassEpisodes(knownClasses: [0, 1, 2], draws: 4, training: training, validation: validation)
        #expect(misleading.meanOneShotRecall < 0.1 && plain.meanOneShotRecall > 0.5, "\(misleading.oneShotRecall) vs \(plain.oneShotRecall)")
    }
}

@Suite("Prior correction")
struct PriorCorrectionTests {
    @Test func subtractsTheScaledLogPrior() {
        let logits = Tensor(shape: [1, 3], scalars: [1, 1, 1])
        let adjusted = PriorCorrection(classCounts: [80, 15, 5], tau: 1).adjust(logits)
        let expected = [0.8, 0.15, 0.05].map { Float(1 - log($0)) }
        for j in 0..<3 { #expect(abs(adjusted[0, j] - expected[j]) < 1e-5) }
        // The rarest class wins a tie; τ = 0 and a uniform prior change nothing that matters.
        #expect(adjusted.argmaxRows == [2])
        #expect(PriorCorrection(classCounts: [80, 15, 5], tau: 0).adjust(logits) == logits)
        let uniform = PriorCorrection(classCounts: [7, 7, 7]).adjust(Tensor(shape: [1, 3], scalars: [0.5, 2, 1]))
        #expect(uniform.argmaxRows == [1])
    }
}
