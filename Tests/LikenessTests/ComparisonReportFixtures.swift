import Foundation
import Likeness

/// Small comparisons for the report tests.
enum ComparisonReportFixtures {
    /// Three classes, six samples, two approaches; "bird" is novel for B, which answers sample 3
    /// "unknown". The figures, worked out by hand:
    ///
    ///     sample           0     1     2     3     4     5
    ///     true             cat   cat   dog   dog   bird  bird
    ///     A answers        cat   dog   dog   dog   bird  cat
    ///     B answers        cat   cat   dog   ?     bird  bird
    ///
    ///     A: cat P 1/2 R 1/2 F1 1/2 · dog P 2/3 R 1 F1 4/5 · bird P 1 R 1/2 F1 2/3 · accuracy 4/6
    ///     B: cat P 1 R 1 F1 1 · dog P 1 R 1/2 F1 2/3 · bird P 1 R 1 F1 1 · accuracy 5/6 · unknown 1/6
    ///
    /// A's cat scores: positives 0.6, 0.3 against negatives 0.1, 0.2, 0.1, 0.5: 7 of 8 pairs
    /// ranked right, ROC AUC 7/8. B's: positives −0.1, −0.2 above every negative, AUC 1.
    /// Bird's recall ≥ 1 is reached at A's score 0.3 and B's −0.3, with no false positive.
    static let classNames = ["cat", "dog", "bird"]
    static let trueLabels = [0, 0, 1, 1, 2, 2]
    static let outputsA = ApproachOutputs(
        name: "softmax · focal loss", modelFile: "models/softmax.h5", scoreDescription: "softmax probability",
        predictedLabels: [0, 1, 1, 1, 2, 0],
        scores: [[0.6, 0.3, 0.1], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.2, 0.3]])
    static let outputsB = ApproachOutputs(
        name: "embedding · nearest prototype", modelFile: "models/embedding.h5",
        scoreDescription: "minus the distance to the prototype",
        predictedLabels: [0, 0, 1, nil, 2, 2],
        scores: [[-0.1, -0.9, -0.8], [-0.2, -0.5, -0.9], [-0.9, -0.1, -0.7], [-0.6, -0.7, -0.8],
                 [-0.9, -0.8, -0.2], [-0.8, -0.9, -0.3]],
        novelClasses: [2])

    static func small(classNames: [String] = classNames) throws -> Comparison {
        try Comparison(
            dataset: .init(name: "hand-made pets", source: "Tests/pets"), classNames: classNames,
            sampleIDs: (0..<6).map { "pet-\($0).png" }, trueLabels: trueLabels, approaches: [outputsA, outputsB],
            operatingTargets: [OperatingTarget(classIndex: 2, target: .recall(1))])
    }

    /// The same comparison with other parts: `samples` changed by `edit`, or extra operating points.
    static func rebuilt(_ comparison: Comparison, samples edit: (inout [ComparedSample]) -> Void = { _ in },
                        addingToB extraPoints: [ComparedOperatingPoint] = []) -> Comparison {
        var samples = comparison.samples
        edit(&samples)
        var approaches = comparison.approaches
        let b = approaches[1]
        approaches[1] = ComparedApproach(name: b.name, modelFile: b.modelFile, scoreDescription: b.scoreDescription,
                                         report: b.report, operatingPoints: b.operatingPoints + extraPoints)
        return Comparison(dataset: comparison.dataset, classNames: comparison.classNames, approaches: approaches, samples: samples)
    }

    /// Fashion-MNIST's ten classes, 40 test samples each, as a softmax head (A) and a nearest-prototype
    /// classifier with rejection (B) that never saw Sandal and Sneaker might answer them: seeded
    /// synthetic scores, the true class's score raised, more for A's frequent classes.
    static func fashion(samplesPerClass: Int = 40) throws -> Comparison {
        let names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        let novel: Set<Int> = [5, 7]
        var generator = SeededGenerator(seed: 7)
        var trueLabels: [Int] = [], ids: [String] = []
        var softmaxScores: [[Double]] = [], softmaxAnswers: [Int?] = []
        var prototypeScores: [[Double]] = [], prototypeAnswers: [Int?] = []
        for c in names.indices {
            for k in 0..<samplesPerClass {
                trueLabels.append(c)
                ids.append("t10k/\(c * samplesPerClass + k)")
                // A: logits with the true class raised; Shirt (6) is often taken for T-shirt/top.
                var logits = names.indices.map { _ in Double(generator.nextNormal()) }
                logits[c] += c == 6 ? 0.8 : 2.5
                if c == 6 { logits[0] += 1.2 }
                let largest = logits.max() ?? 0
                let exponentials = logits.map { exp($0 - largest) }
                let total = exponentials.reduce(0, +)
                let probabilities = exponentials.map { $0 / total }
                softmaxScores.append(probabilities)
                softmaxAnswers.append(probabilities.indices.max { probabilities[$0] < probabilities[$1] })
                // B: distances, the true class's smaller; novel classes (one shot) less so.
                var distances = names.indices.map { _ in 1.1 + 0.15 * Double(generator.nextNormal()) }
                distances[c] -= novel.contains(c) ? 0.35 : 0.6
                let scores = distances.map { -$0 }
                prototypeScores.append(scores)
                let nearest = scores.indices.max { scores[$0] < scores[$1] } ?? 0
                prototypeAnswers.append(distances[nearest] < 0.85 ? nearest : nil)
            }
        }
        return try Comparison(
            dataset: .init(name: "Fashion-MNIST test (synthetic scores)", source: "/usr/share/datasets/fashion-mnist"),
            classNames: names, sampleIDs: ids, trueLabels: trueLabels,
            approaches: [
                ApproachOutputs(name: "softmax · focal loss", modelFile: "runs/softmax-focal.h5",
                                scoreDescription: "softmax probability", predictedLabels: softmaxAnswers, scores: softmaxScores),
                ApproachOutputs(name: "embedding · nearest prototype", modelFile: "runs/embedding-triplet.h5",
                                scoreDescription: "minus the distance to the prototype", predictedLabels: prototypeAnswers,
                                scores: prototypeScores, novelClasses: novel),
            ],
            operatingTargets: [OperatingTarget(classIndex: 5, target: .recall(0.9)),
                               OperatingTarget(classIndex: 7, target: .precision(0.95))])
    }
}

extension ComparisonReportFixtures {
    /// Four classes of 10, 8, 6 and 1 samples (the last alone: no retrieval), 4-d unit embeddings
    /// around one seeded centre per class, a gallery enrolling the first three classes from two
    /// samples each with a global threshold 0.9 and class 1's own 0.7; and a softmax (A) of seeded
    /// logits, the true class raised. B is the nearest-prototype classifier with its diagnostics.
    static func withDiagnostics(classNames: [String] = ["cat", "dog", "bird", "owl"],
                                commandLine: String? = "likeness compare pets --softmax s.h5 --embedding e.h5 --gallery g.h5 -o report") throws -> Comparison {
        let sizes = [10, 8, 6, 1], dimension = 4
        var generator = SeededGenerator(seed: 21)
        let centres = sizes.indices.map { _ in (0..<dimension).map { _ in 2 * generator.nextNormal() } }
        var trueLabels: [Int] = [], rows: [Float] = [], logits: [[Double]] = []
        for (c, size) in sizes.enumerated() {
            for _ in 0..<size {
                let row = centres[c].map { $0 + generator.nextNormal() }
                let length = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                rows += row.map { $0 / length }
                trueLabels.append(c)
                var logit = sizes.indices.map { _ in Double(generator.nextNormal()) }
                logit[c] += 1.5
                logits.append(logit)
            }
        }
        let n = trueLabels.count
        let embeddings = Tensor(shape: [n, dimension], scalars: rows)
        var gallery = Gallery(modelDigest: "sha256:fixture", dimension: dimension)
        for c in 0..<3 {
            let first = sizes.prefix(c).reduce(0, +)
            let shots = Tensor(shape: [2, dimension], scalars: Array(rows[first * dimension..<(first + 2) * dimension]))
            try gallery.enroll(name: classNames[c], embeddings: shots)
        }
        gallery.globalThreshold = Gallery.Threshold(distance: 0.9)
        try gallery.setThreshold(Gallery.Threshold(distance: 0.7), forClass: classNames[1])
        var embedding = ApproachOutputs.nearestPrototype(
            PrototypeClassifier(gallery: gallery), embeddings: embeddings, classNames: classNames,
            name: "embedding · nearest prototype", modelFile: "e.h5")
        embedding.embedding = try EmbeddingDiagnostics(embeddings: embeddings, trueLabels: trueLabels, classNames: classNames,
                                                       gallery: gallery)
        let softmax = ApproachOutputs.softmax(logits: logits, modelClassNames: classNames, trainingClassCounts: nil,
                                              classNames: classNames, name: "softmax", modelFile: "s.h5")
        return try Comparison(dataset: .init(name: "pets with diagnostics"), classNames: classNames,
                              sampleIDs: (0..<n).map { "pets/\($0).png" }, trueLabels: trueLabels,
                              approaches: [softmax, embedding], commandLine: commandLine)
    }
}
