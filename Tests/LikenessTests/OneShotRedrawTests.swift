import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// `Gallery.reenrolling` and `OneShotRedraws`: a one-shot class enrolled afresh from other images,
/// and its recall and false-accept rate over the draws, on embeddings whose answers are known.
@Suite("One-shot classes over draws of their image")
struct OneShotRedrawTests {
    static func unit(_ v: [Float]) -> [Float] {
        let length = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / length }
    }

    static func rows(_ rows: [[Float]]) -> Tensor {
        Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { unit($0) })
    }

    @Test func reenrollingReplacesTheShotsAndKeepsWhereTheThresholdComesFrom() throws {
        var gallery = Gallery(modelDigest: "m", dimension: 3)
        // A: 12 shots around axis 1, enough to measure the spread a shot threshold needs.
        try gallery.enroll(name: "A", embeddings: Self.rows((0..<12).map { k in [1, 0.2 * cos(Float(k)), 0.2 * sin(Float(k))] }))
        try gallery.enroll(name: "B", embeddings: Self.rows([[0, 1, 0], [0.1, 1, 0], [0, 1, 0.3]]))
        try gallery.enroll(name: "N", embeddings: Self.rows([[0, 0, 1]]))
        gallery.globalThreshold = Gallery.Threshold(distance: 0.5)
        let shot = try #require(gallery.shotThreshold(forClass: "N"))
        try gallery.setThreshold(shot, forClass: "N")
        try gallery.setThreshold(Gallery.Threshold(distance: 0.7), forClass: "B")

        let drawn = try gallery.reenrolling("N", from: Self.rows([[0, 0.3, 1]]))
        let n = try #require(drawn["N"])
        #expect(n.shotCount == 1 && n.viewCount == 1)
        #expect(zip(n.prototype, Self.unit([0, 0.3, 1])).allSatisfy { abs($0 - $1) < 1e-6 }, "the new shot alone: \(n.prototype)")
        #expect(n.threshold == drawn.shotThreshold(forClass: "N") && n.threshold?.source == .shots)
        #expect(drawn["A"] == gallery["A"] && drawn.globalThreshold == gallery.globalThreshold)

        // A calibrated threshold of the class's own stays; the shots of the class are dropped.
        let redrawnB = try gallery.reenrolling("B", from: Self.rows([[0, 1, 1]]))
        #expect(redrawnB["B"]?.shotCount == 1 && redrawnB["B"]?.threshold == Gallery.Threshold(distance: 0.7))
        #expect(throws: EnrollmentError.self) { try gallery.reenrolling("C", from: Self.rows([[0, 0, 1]])) }
    }

    /// A (axis 1, many shots) and B (axis 2) enrolled; N from one of two candidates: axis 3 (good)
    /// or near A's axis (bad). Global threshold 0.7. Samples: two of N on axis 3, two of A on
    /// axis 1, one of B at (0, 0.6, 0.8): 0.894 from B's prototype, 0.632 from axis 3.
    /// A good draw: N's two samples answered N (recall 1) and B's sample too (false accepts 1 of 3);
    /// a bad draw: N's samples lie 1.34 from the bad prototype, above the threshold (recall 0), and
    /// nothing else is nearer it (false accepts 0).
    @Test func recallAndFalseAcceptsOfEachDrawFollowTheImageDrawn() throws {
        var gallery = Gallery(modelDigest: "m", dimension: 3)
        try gallery.enroll(name: "A", embeddings: Self.rows([[1, 0, 0], [1, 0, 0]]))
        try gallery.enroll(name: "B", embeddings: Self.rows([[0, 1, 0]]))
        try gallery.enroll(name: "N", embeddings: Self.rows([[0, 0, 1]]))
        gallery.globalThreshold = Gallery.Threshold(distance: 0.7)
        let classNames = ["A", "B", "N"]
        let samples = Self.rows([[0, 0, 1], [0, 0, 1], [1, 0, 0], [1, 0, 0], [0, 0.6, 0.8]])
        let truth = [2, 2, 0, 0, 1]
        let draws = 16
        let redraws = try OneShotRedraws(gallery: gallery, redrawn: ["N"], candidates: [Self.rows([[0, 0, 1], [0.995, 0, 0.0999]])],
                                         draws: draws, shotSource: "candidates", embeddings: samples, trueLabels: truth, classNames: classNames)
        #expect(redraws.draws == draws && redraws.shotSource == "candidates")
        let n = try #require(redraws.classes.first)
        #expect(n.name == "N" && n.candidateCount == 2 && redraws.classes.count == 1)
        // The one-shot protocol's draw: seed s, the first number modulo the candidates.
        #expect(n.chosen == (0..<draws).map { s in
            var rng = SeededGenerator(seed: UInt64(s))
            return Int(rng.next() % 2)
        })
        #expect(Set(n.chosen) == [0, 1], "both candidates drawn in \(draws) draws: \(n.chosen)")
        #expect(n.recall == n.chosen.map { $0 == 0 ? 1 : 0 })
        #expect(n.falseAcceptRate == n.chosen.map { $0 == 0 ? 1.0 / 3 : 0 })
    }

    @Test func theReportsShowTheDrawsBesideEachApproach() throws {
        var gallery = Gallery(modelDigest: "m", dimension: 3)
        try gallery.enroll(name: "A", embeddings: Self.rows([[1, 0, 0]]))
        try gallery.enroll(name: "B", embeddings: Self.rows([[0, 1, 0]]))
        try gallery.enroll(name: "N", embeddings: Self.rows([[0, 0, 1]]))
        let classNames = ["A", "B", "N"]
        let embeddings = Self.rows([[0, 0, 1], [1, 0, 0.1], [0, 1, 0.1], [0.1, 0, 1]])
        let truth = [2, 0, 1, 0]
        var outputs = ApproachOutputs.nearestPrototype(PrototypeClassifier(gallery: gallery), embeddings: embeddings, classNames: classNames,
                                                       name: "embedding", modelFile: "e.h5", novelClasses: [2])
        outputs.embedding = try EmbeddingDiagnostics(embeddings: embeddings, trueLabels: truth, classNames: classNames, gallery: gallery)
        outputs.embedding?.oneShotRedraws = try OneShotRedraws(
            gallery: gallery, redrawn: ["N"], candidates: [Self.rows([[0, 0, 1], [0, 0.1, 1]])], draws: 3, shotSource: "held-out",
            embeddings: embeddings, trueLabels: truth, classNames: classNames)
        let comparison = try Comparison(dataset: .init(name: "toy"), classNames: classNames, sampleIDs: ["0", "1", "2", "3"],
                                        trueLabels: truth, approaches: [outputs])
        let rows = comparison.oneShotRows(try #require(outputs.embedding?.oneShotRedraws))
        // The last sample (of A) lies nearest N's prototype: N answers 1 of its 1 sample and 1 of the 3 others.
        #expect(rows.count == 1 && rows[0].drawnRecall == "1.000 ± 0.000 (1.000–1.000)" && rows[0].drawnFalseAcceptRate == "0.333 ± 0.000 (0.333–0.333)")
        #expect(rows[0].approachFigures.count == 1 && rows[0].approachFigures[0] == (recall: "1.000", falseAcceptRate: "0.333"))
        #expect(comparison.markdown.contains("| N | 2 | 1.000 ± 0.000 (1.000–1.000) | 0.333 ± 0.000 (0.333–0.333) | 1.000 | 0.333 |"))
        #expect(comparison.html.contains("over 3 draws of their image") && comparison.html.contains("held-out"))
        let decoded = try Comparison(jsonData: comparison.jsonData())
        #expect(decoded.approaches[0].embedding?.oneShotRedraws == outputs.embedding?.oneShotRedraws)
    }
}
