import Testing
import LikenessCore
import LikenessData

@Suite struct ResamplingTests {
    static let overCases = ResamplingFixture.shared.cases.filter { $0.sampler == "over" }
    static let underCases = ResamplingFixture.shared.cases.filter { $0.sampler == "under" }

    @Test("Random over-sampling counts match imbalanced-learn's", arguments: overCases)
    func overSamplingCounts(_ fixture: ResamplingFixture.Case) throws {
        let set = ResamplingFixture.shared.label_sets[fixture.labels]!
        let sampler = RandomOverSampler(strategy: fixture.strategy.strategy, seed: 3)
        guard let expected = fixture.counts else {
            #expect(throws: ResamplingError.self) { try sampler.resample(labels: set.labels, classCount: set.class_count) }
            return
        }
        let resampled = try sampler.resample(labels: set.labels, classCount: set.class_count)
        #expect(histogram(resampled.map { set.labels[$0] }, classCount: set.class_count) == expected)
        #expect(try fixture.strategy.strategy.targetCounts(
            classCounts: histogram(set.labels, classCount: set.class_count), direction: .over) == expected)
        // Every image is kept once, in order, before the repeats.
        #expect(Array(resampled.prefix(set.labels.count)) == Array(set.labels.indices))
    }

    @Test("Random under-sampling counts match imbalanced-learn's", arguments: underCases)
    func underSamplingCounts(_ fixture: ResamplingFixture.Case) throws {
        let set = ResamplingFixture.shared.label_sets[fixture.labels]!
        let sampler = RandomUnderSampler(strategy: fixture.strategy.strategy, seed: 3)
        guard let expected = fixture.counts else {
            #expect(throws: ResamplingError.self) { try sampler.resample(labels: set.labels, classCount: set.class_count) }
            return
        }
        let kept = try sampler.resample(labels: set.labels, classCount: set.class_count)
        #expect(histogram(kept.map { set.labels[$0] }, classCount: set.class_count) == expected)
        #expect(try fixture.strategy.strategy.targetCounts(
            classCounts: histogram(set.labels, classCount: set.class_count), direction: .under) == expected)
        // A subset, without repeats, in the original order.
        #expect(kept == kept.sorted() && Set(kept).count == kept.count)
    }

    @Test("Over-sampling repeats only images of the grown class, and follows the seed")
    func overSamplingDraws() throws {
        let labels = [0, 1, 0, 0, 1, 0, 2, 0, 0, 2, 0]
        let pool = [0, 1, 2, 3, 4, 6, 7, 9]  // classes 0: 4, 1: 2, 2: 2
        let sampler = RandomOverSampler(strategy: .counts([1: 40]), seed: 11)
        let a = try sampler.resample(labels: labels, classCount: 3, indices: pool)
        #expect(Array(a.prefix(pool.count)) == pool)
        let added = a.dropFirst(pool.count)
        #expect(added.count == 38 && added.allSatisfy { [1, 4].contains($0) })
        // Both images of the class are drawn, about equally often.
        #expect(added.filter { $0 == 1 }.count > 8 && added.filter { $0 == 4 }.count > 8)
        #expect(try sampler.resample(labels: labels, classCount: 3, indices: pool) == a)
        #expect(try RandomOverSampler(strategy: .counts([1: 40]), seed: 12).resample(labels: labels, classCount: 3, indices: pool) != a)
    }

    @Test("Under-sampling keeps a seeded uniform draw of each shrunk class")
    func underSamplingDraws() throws {
        let labels = (0..<100).map { $0 < 80 ? 0 : 1 }
        var timesKept = [Int](repeating: 0, count: 80)
        for seed in 0..<200 {
            let kept = try RandomUnderSampler(seed: UInt64(seed)).resample(labels: labels, classCount: 2)
            #expect(kept.filter { $0 >= 80 } == Array(80..<100))
            for i in kept where i < 80 { timesKept[i] += 1 }
        }
        // Each majority image is kept with probability 20/80: 50 of 200 times, σ ≈ 6.1.
        #expect(timesKept.allSatisfy { abs($0 - 50) < 30 })
        let a = try RandomUnderSampler(seed: 5).resample(labels: labels, classCount: 2)
        #expect(try RandomUnderSampler(seed: 5).resample(labels: labels, classCount: 2) == a)
    }

    @Test("Errors name the class and the counts")
    func errorMessages() {
        let counts = [10, 3, 0]
        #expect(throws: ResamplingError.countAgainstDirection(classIndex: 0, requested: 5, count: 10, .over)) {
            try SamplingStrategy.counts([0: 5]).targetCounts(classCounts: counts, direction: .over)
        }
        #expect(throws: ResamplingError.classHasNoImages(2)) {
            try SamplingStrategy.counts([2: 5]).targetCounts(classCounts: counts, direction: .over)
        }
        #expect(throws: ResamplingError.tooFewClasses(found: 1)) {
            try SamplingStrategy.auto.targetCounts(classCounts: [4, 0], direction: .under)
        }
        let message = ResamplingError.countAgainstDirection(classIndex: 0, requested: 5, count: 10, .over).description
        #expect(message.contains("class 0") && message.contains("5") && message.contains("10"))
    }
}
