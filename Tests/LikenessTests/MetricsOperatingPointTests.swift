import Likeness
import Testing

/// Operating points on a hand-made binary set, the right thresholds worked out by hand.
///
/// Scores (decreasing) and truth, 5 positives and 5 negatives, with a tie at 0.8:
///
///     score     0.95  0.9  0.8  0.8  0.7  0.6  0.5  0.4  0.3  0.2
///     positive   yes  yes   no  yes  yes   no  yes   no   no   no
///
/// Calling `score ≥ t` positive, at each distinct score t:
///
///     t          0.95  0.9   0.8   0.7   0.6   0.5   0.4   0.3   0.2
///     TP, FP     1,0   2,0   3,1   4,1   4,2   5,2   5,3   5,4   5,5
///     recall     0.2   0.4   0.6   0.8   0.8   1     1     1     1
///     precision  1     1     0.75  0.8   0.67  0.71  0.63  0.56  0.5
@Suite("Operating points")
struct MetricsOperatingPointTests {
    let scores = [0.95, 0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
    let positives = [true, true, false, true, true, false, true, false, false, false]

    func point(_ target: OperatingPoint.Target) throws -> OperatingPoint {
        // Shuffled, so that the answer cannot depend on the input order.
        let order = [3, 7, 0, 9, 5, 2, 8, 1, 6, 4]
        return try #require(try OperatingPoint(reaching: target, positives: order.map { positives[$0] }, scores: order.map { scores[$0] }))
    }

    @Test func recallTargets() throws {
        // Recall 0.6 needs 3 true positives: first reached at 0.8, with the tied negative.
        let p = try point(.recall(0.6))
        #expect(p.threshold == 0.8)
        #expect((p.truePositives, p.falsePositives, p.falseNegatives, p.trueNegatives) == (3, 1, 2, 4))
        #expect(p.precision == 0.75 && p.recall == 0.6 && p.falsePositiveRate == 0.2 && p.specificity == 0.8)
        #expect(abs(p.f1 - 2.0 / 3) < 1e-15)
        // Recall 0.7 needs 4: 0.7 is the highest threshold (0.6 gives it too, lower).
        #expect(try point(.recall(0.7)).threshold == 0.7)
        // Every positive: down to 0.5, not below.
        let all = try point(.recall(1))
        #expect(all.threshold == 0.5 && (all.truePositives, all.falsePositives, all.trueNegatives) == (5, 2, 3))
        #expect(try point(.recall(0)).threshold == 0.95)
    }

    @Test func precisionTargets() throws {
        // Precision 0.8: reached at 0.95, 0.9 and 0.7; the lowest is 0.7 (4 of 5 called are positive).
        let p = try point(.precision(0.8))
        #expect(p.threshold == 0.7)
        #expect((p.truePositives, p.falsePositives, p.falseNegatives, p.trueNegatives) == (4, 1, 1, 4))
        #expect(p.recall == 0.8 && p.falsePositiveRate == 0.2)
        // Precision 0.7: 0.5 gives 5/7 ≈ 0.71, the lowest threshold reaching it.
        #expect(try point(.precision(0.7)).threshold == 0.5)
        #expect(try point(.precision(1)).threshold == 0.9)
        // 0.2 calls everything positive: precision 0.5.
        #expect(try point(.precision(0.5)).threshold == 0.2)
    }

    @Test func unreachableTargets() throws {
        // The negative outranks the positive: precision is 0 at 0.9, 0.5 at 0.1.
        #expect(try OperatingPoint(reaching: .precision(0.6), positives: [false, true], scores: [0.9, 0.1]) == nil)
        // No positive sample: recall is 0 (zero_division=0) at every threshold.
        #expect(try OperatingPoint(reaching: .recall(0.5), positives: [false, false], scores: [0.9, 0.1]) == nil)
    }

    @Test func givenThreshold() throws {
        let p = try OperatingPoint(threshold: 0.75, positives: positives, scores: scores)
        #expect((p.truePositives, p.falsePositives, p.falseNegatives, p.trueNegatives) == (3, 1, 2, 4))
        #expect(p.threshold == 0.75 && p.precision == 0.75 && p.recall == 0.6 && p.specificity == 0.8)
        // Above every score: nothing called positive; precision has no denominator and is 0.
        let none = try OperatingPoint(threshold: 1, positives: positives, scores: scores)
        #expect(none.truePositives == 0 && none.falsePositives == 0 && none.precision == 0 && none.specificity == 1)
    }

    @Test func oneClassAgainstTheRest() throws {
        // Class 1 of three carries the binary set's scores in its column; the other columns are noise.
        var rng = SeededGenerator(seed: 3)
        let labels = positives.map { $0 ? 1 : (rng.next() % 2 == 0 ? 0 : 2) }
        let matrix = scores.map { s in [Double(rng.nextUniform()), s, Double(rng.nextUniform())] }
        for target in [OperatingPoint.Target.recall(0.6), .recall(1), .precision(0.8), .precision(0.7)] {
            let oneVsRest = try OperatingPoint(reaching: target, forClass: 1, trueLabels: labels, scores: matrix)
            #expect(oneVsRest == (try point(target)), "\(target)")
        }
    }
}
