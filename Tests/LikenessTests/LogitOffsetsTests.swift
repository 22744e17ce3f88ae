import Foundation
import Likeness
import Testing

/// `LogitOffsets` (the class-balanced cross-entropy and its minimising offsets) against finite
/// differences and against scipy's optimiser on a committed fixture
/// (Fixtures/make_logit_offsets_fixture.py made it); `OffsetCalibration` on a model's head.
@Suite("Logit offsets")
struct LogitOffsetsTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let name: String
            let classes: Int
            let logits: [Float]
            let labels: [Int]
            let lossAtZero: Double
            let offsets: [Double]
            let lossAtOffsets: Double
        }
        let cases: [Case]

        static func load() throws -> Fixture {
            let url = try #require(Bundle.module.url(forResource: "logit_offsets", withExtension: "json", subdirectory: "Fixtures"))
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Fixture.self, from: Data(contentsOf: url))
        }
    }

    @Test func theGradientMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 7)
        let (n, c) = (60, 4)
        let logits = Tensor.randomNormal(shape: [n, c], std: 2, using: &rng)
        let labels = (0..<n).map { $0 % 7 == 0 ? 3 : $0 % 3 }   // class 3 rare
        let offsets = (0..<c).map { _ in Double(rng.nextNormal()) }
        let gradient = LogitOffsets.balancedCrossEntropy(logits: logits, labels: labels, offsets: offsets).gradient
        let h = 1e-5
        for j in 0..<c {
            var plus = offsets, minus = offsets
            plus[j] += h
            minus[j] -= h
            let numeric = (LogitOffsets.balancedCrossEntropy(logits: logits, labels: labels, offsets: plus).loss
                           - LogitOffsets.balancedCrossEntropy(logits: logits, labels: labels, offsets: minus).loss) / (2 * h)
            #expect(abs(numeric - gradient[j]) < 1e-8, "class \(j): \(numeric) vs \(gradient[j])")
        }
    }

    /// The loss to 1e-9 and the fitted offsets to 1e-3 of scipy's L-BFGS-B optimum; a class with
    /// no images keeps offset 0 and the others sum to 0.
    @Test func theFitReachesScipysOptimum() throws {
        for fixture in try Fixture.load().cases {
            let n = fixture.labels.count
            let logits = Tensor(shape: [n, fixture.classes], scalars: fixture.logits)
            let zero = [Double](repeating: 0, count: fixture.classes)
            #expect(abs(LogitOffsets.balancedCrossEntropy(logits: logits, labels: fixture.labels, offsets: zero).loss - fixture.lossAtZero) < 1e-9,
                    "\(fixture.name)")
            let fitted = LogitOffsets.fit(logits: logits, labels: fixture.labels).offsets
            #expect(zip(fitted, fixture.offsets).allSatisfy { abs(Double($0) - $1) < 1e-3 }, "\(fixture.name): \(fitted) vs \(fixture.offsets)")
            let loss = LogitOffsets.balancedCrossEntropy(logits: logits, labels: fixture.labels, offsets: fitted.map(Double.init)).loss
            #expect(abs(loss - fixture.lossAtOffsets) < 1e-7, "\(fixture.name): \(loss) vs \(fixture.lossAtOffsets)")
            let present = Set(fixture.labels)
            #expect(abs(present.reduce(0) { $0 + Double(fitted[$1]) }) < 1e-5, "\(fixture.name)")
            for c in 0..<fixture.classes where !present.contains(c) { #expect(fitted[c] == 0, "\(fixture.name): class \(c)") }
        }
    }

    /// Logits of a well-specified model trained under a prior π, `z_c = log p(x | c) + log π_c`,
    /// scored on images of equally many of each class: the offsets that minimise the balanced
    /// cross-entropy are `−log π_c` (up to a constant), Menon et al.'s adjustment with τ 1.
    @Test func theOffsetsUndoTheTrainingPrior() {
        let priors: [Double] = [0.7, 0.2, 0.1], means: [Float] = [-2, 0, 2]
        var rng = SeededGenerator(seed: 11)
        var scalars: [Float] = [], labels: [Int] = []
        for c in 0..<3 {
            for _ in 0..<3000 {
                let x = means[c] + rng.nextNormal()
                scalars += (0..<3).map { k in -(x - means[k]) * (x - means[k]) / 2 + Float(log(priors[k])) }
                labels.append(c)
            }
        }
        let logits = Tensor(shape: [labels.count, 3], scalars: scalars)
        let fitted = LogitOffsets.fit(logits: logits, labels: labels).offsets.map(Double.init)
        let meanLogPrior = priors.map { log($0) }.reduce(0, +) / 3
        for c in 0..<3 {
            #expect(abs(fitted[c] - (meanLogPrior - log(priors[c]))) < 0.1, "class \(c): \(fitted)")
        }
        // Adjusted, the rare classes are recalled as often as the frequent one.
        let recall = ConfusionMatrix(trueLabels: labels, predictedLabels: LogitOffsets(offsets: fitted.map(Float.init)).adjust(logits).argmaxRows,
                                     classCount: 3)
        let before = ConfusionMatrix(trueLabels: labels, predictedLabels: logits.argmaxRows, classCount: 3)
        #expect(recall.balancedAccuracy > before.balancedAccuracy + 0.02, "\(before.balancedAccuracy) → \(recall.balancedAccuracy)")
    }

    /// The calibration adds the offsets to the head's bias, and its cross-fitted figure is each
    /// half (alternate images of each class) scored with the other half's offsets.
    @Test func calibrationMovesTheHeadsBiasAndCrossFits() throws {
        // 1 × 2 images: class 0 has x₁ > x₂, class 1 the reverse, with overlap; the head favours class 0.
        var rng = SeededGenerator(seed: 3)
        var pixels: [UInt8] = [], labels: [Int] = []
        for i in 0..<80 {
            let a = UInt8(100 + Int(rng.nextNormal() * 25)), b = UInt8(80 + Int(rng.nextNormal() * 25))
            pixels += i % 2 == 0 ? [a, b] : [b, a]
            labels.append(i % 2)
        }
        let data = Dataset(pixels: pixels, labels: labels, classNames: ["a", "b"], ids: (0..<80).map { "p#\($0)" },
                           height: 1, width: 2, channels: 1)
        let validation = ValidationImages(dataset: data, indices: Array(0..<80))
        var weights = SeededGenerator(seed: 1)
        let head = Linear(inputCount: 2, outputCount: 2, rng: &weights)
        head.weight.value = Tensor(shape: [2, 2], scalars: [10, 0, 0, 10])
        head.bias.value = Tensor(shape: [2], scalars: [1.5, -1.5])
        let network = Sequential([("flatten", Flatten()), ("dense", head)])
        let logits = network.outputs(for: data, indices: validation.indices)

        let calibration = OffsetCalibration.calibrate(network, on: validation)
        #expect(calibration.offsets == LogitOffsets.fit(logits: logits, labels: labels).offsets)
        #expect(calibration.offsets[1] > calibration.offsets[0], "the class the head disfavours is raised: \(calibration.offsets)")
        #expect(head.bias.value.scalars == [1.5 + calibration.offsets[0], -1.5 + calibration.offsets[1]])
        let accuracy = { (logits: Tensor, labels: [Int]) in
            ConfusionMatrix(trueLabels: labels, predictedLabels: logits.argmaxRows, classCount: 2).balancedAccuracy
        }
        #expect(calibration.balancedAccuracyBefore == accuracy(logits, labels))
        #expect(calibration.balancedAccuracy == accuracy(network.outputs(for: data, indices: validation.indices), labels))
        #expect(calibration.balancedAccuracy > calibration.balancedAccuracyBefore)

        // Images alternate classes, so each class's alternate images are rows 0, 1, 4, 5, … and 2, 3, 6, 7, ….
        let halves = (0..<2).map { part in (0..<80).filter { ($0 / 2) % 2 == part } }
        var predicted = labels
        for part in 0..<2 {
            let other = halves[1 - part]
            let offsets = LogitOffsets.fit(logits: logits.rows(at: other), labels: other.map { labels[$0] })
            for (row, answer) in zip(halves[part], offsets.adjust(logits.rows(at: halves[part])).argmaxRows) { predicted[row] = answer }
        }
        #expect(calibration.crossFittedBalancedAccuracy
                == ConfusionMatrix(trueLabels: labels, predictedLabels: predicted, classCount: 2).balancedAccuracy)
    }
}
