import Foundation
import Testing
import LikenessData

@Suite struct ClassWeightsTests {
    @Test("Balanced weights match scikit-learn's compute_class_weight", arguments: ResamplingFixture.shared.balanced_class_weights)
    func balancedMatchesScikitLearn(_ fixture: ResamplingFixture.Weights) {
        let set = ResamplingFixture.shared.label_sets[fixture.labels]!
        let counts = histogram(set.labels, classCount: set.class_count)
        let weights = ClassWeights.balanced(classCounts: counts)
        let presentWeights = counts.indices.filter { counts[$0] > 0 }.map { weights[$0] }
        #expect(presentWeights.count == fixture.weights.count)
        for (w, expected) in zip(presentWeights, fixture.weights) {
            #expect(abs(Double(w) - expected) <= 1e-6 * expected)
        }
        #expect(counts.indices.filter { counts[$0] == 0 }.allSatisfy { weights[$0] == 0 })
    }

    @Test("Balanced weights are n / (C · n_c): the images' weights average 1")
    func balancedFormula() {
        let counts = [2139, 3056, 871, 5500, 764, 15, 153, 31, 229, 2521]
        let weights = ClassWeights.balanced(classCounts: counts)
        let n = Double(counts.reduce(0, +))
        for (w, nc) in zip(weights, counts) {
            #expect(abs(Double(w) - n / (10 * Double(nc))) <= 1e-6 * Double(w))
        }
        let total = zip(weights, counts).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(abs(total - n) <= 1e-4 * n)
    }

    @Test("Effective-number weights are (1 − β)/(1 − β^n_c), summing to C", arguments: [0.9, 0.99, 0.999, 0.9999])
    func effectiveNumberFormula(beta: Double) {
        let counts = [2139, 3056, 871, 5500, 0, 764, 15, 153, 31, 229, 2521]
        let weights = ClassWeights.effectiveNumber(classCounts: counts, beta: beta)
        let raw = counts.map { $0 > 0 ? (1 - beta) / (1 - pow(beta, Double($0))) : 0 }
        let scale = 10 / raw.reduce(0, +)
        for (w, r) in zip(weights, raw) {
            #expect(abs(Double(w) - r * scale) <= 1e-5 * max(r * scale, 1e-3))
        }
        #expect(abs(weights.reduce(0, +) - 10) < 1e-4)
        #expect(weights[4] == 0)
        // Rarer classes weigh more.
        #expect(weights[6] > weights[8] && weights[8] > weights[3])
    }

    @Test("Effective number with β = 0 weighs every class 1")
    func effectiveNumberFlat() {
        #expect(ClassWeights.effectiveNumber(classCounts: [5, 50, 500], beta: 0) == [1, 1, 1])
    }
}
