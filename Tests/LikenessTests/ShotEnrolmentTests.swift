import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// Synthetic classes on the unit sphere: `normalise(centre_c + noise · g)`, `g ~ N(0, I)`.
private struct Clusters {
    let dimension: Int
    let noise: Float
    let centres: [[Float]]

    /// Class `c`'s centre is axis `c`, tilted towards axis `tiltAxis[c]` by `tilt[c]` (to bring classes closer).
    init(dimension: Int = 32, noise: Float = 0.2, classes: Int, closeTo: [Int: (axis: Int, weight: Float)] = [:]) {
        self.dimension = dimension
        self.noise = noise
        centres = (0..<classes).map { c in
            var centre = [Float](repeating: 0, count: dimension)
            centre[c] = 1
            if let (axis, weight) = closeTo[c] { centre[axis] += weight }
            return centre
        }
    }

    func sample(_ c: Int, count: Int, rng: inout SeededGenerator) -> Tensor {
        var rows: [Float] = []
        for _ in 0..<count {
            let v = centres[c].map { $0 + noise * rng.nextNormal() }
            let length = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            rows += v.map { $0 / length }
        }
        return Tensor(shape: [count, dimension], scalars: rows)
    }
}

private func stack(_ parts: [Tensor]) -> Tensor {
    Tensor(shape: [parts.map { $0.shape[0] }.reduce(0, +), parts[0].shape[1]], scalars: parts.flatMap(\.scalars))
}

private func row(_ t: Tensor, _ i: Int) -> Tensor {
    let d = t.shape[1]
    return Tensor(shape: [1, d], scalars: Array(t.scalars[(i * d)..<((i + 1) * d)]))
}

@Suite("Shot enrolment: views, the shot-adjusted score, shot thresholds, refinement")
struct ShotEnrolmentTests {
    @Test func shotsCountImagesAndViewsCountEmbeddings() throws {
        var rng = SeededGenerator(seed: 3)
        let clusters = Clusters(dimension: 8, classes: 2)
        // Two shots of 1 + 3 views each, then one more shot without views.
        var gallery = Gallery(modelDigest: "m", dimension: 8)
        let views = clusters.sample(0, count: 8, rng: &rng)
        let skipped = try gallery.enroll(embeddings: views, labels: [0, 0], classNames: ["Bag"], digests: ["a", "b"], viewsPerShot: 4)
        #expect(skipped.isEmpty)
        #expect(gallery["Bag"]?.shotCount == 2 && gallery["Bag"]?.viewCount == 8)
        var sum = [Double](repeating: 0, count: 8)
        for (i, v) in views.scalars.enumerated() { sum[i % 8] += Double(v) }
        #expect(zip(gallery["Bag"]!.sum, sum).allSatisfy { abs($0 - $1) < 1e-9 })
        // A shot whose image is enrolled already is skipped with all its views.
        let again = try gallery.enroll(embeddings: stack([row(views, 0), row(views, 1), row(views, 2), row(views, 3)]), labels: [0],
                                       classNames: ["Bag"], digests: ["a"], viewsPerShot: 4)
        #expect(again == [0] && gallery["Bag"]?.viewCount == 8)
        try gallery.enroll(name: "Bag", embeddings: clusters.sample(0, count: 1, rng: &rng))
        #expect(gallery["Bag"]?.shotCount == 3 && gallery["Bag"]?.viewCount == 9)
    }

    @Test func theBiasIsTheExcessDistanceOfGenuineQueriesToAPrototypeOfFewShots() throws {
        var rng = SeededGenerator(seed: 11)
        let clusters = Clusters(classes: 1)
        let many = clusters.sample(0, count: 4000, rng: &rng)
        var gallery = Gallery(modelDigest: "m", dimension: clusters.dimension)
        try gallery.enroll(name: "many", embeddings: many)
        let adjustment = try #require(gallery.shotAdjustment)
        // The pooled spread is 1 − ‖mean‖², measured from the sum alone.
        let meanLength2 = gallery["many"]!.sum.reduce(0) { $0 + $1 * $1 } / (4000.0 * 4000.0)
        #expect(abs(adjustment.spread - (1 - meanLength2) * 4000 / 3999) < 1e-9)
        #expect(adjustment.bias(shots: 1e9) < 1e-6 && adjustment.bias(shots: 1) > adjustment.bias(shots: 5))

        let queries = clusters.sample(0, count: 400, rng: &rng)
        func meanSquaredDistance(_ prototype: Tensor) -> Double {
            let d = PrototypeClassifier.distances(queries, prototype)
            return d.scalars.reduce(0) { $0 + Double($1 * $1) } / Double(d.scalars.count)
        }
        let centre = meanSquaredDistance(gallery.prototypes)
        for n in [1, 3] {
            var excess = 0.0
            let draws = 200
            for _ in 0..<draws {
                var few = Gallery(modelDigest: "m", dimension: clusters.dimension)
                try few.enroll(name: "few", embeddings: clusters.sample(0, count: n, rng: &rng))
                excess += meanSquaredDistance(few.prototypes) - centre
            }
            excess /= Double(draws)
            #expect(abs(excess - adjustment.bias(shots: Double(n))) < 0.1 * excess, "n = \(n): measured \(excess), β \(adjustment.bias(shots: Double(n)))")
        }
    }

    /// Known classes 0 (near novel class 2) and 1 from many images, class 2 from one image drawn
    /// 30 times; test queries of classes 0 and 2. Returns the mean recall of each under `score`.
    private func recalls(score: Gallery.Score) throws -> (known: Double, novel: Double) {
        var rng = SeededGenerator(seed: 5)
        let clusters = Clusters(classes: 3, closeTo: [2: (axis: 0, weight: 0.9)])
        let known = (embeddings: stack([clusters.sample(0, count: 1000, rng: &rng), clusters.sample(1, count: 1000, rng: &rng)]),
                     labels: [Int](repeating: 0, count: 1000) + [Int](repeating: 1, count: 1000))
        let test = (embeddings: stack([clusters.sample(0, count: 300, rng: &rng), clusters.sample(2, count: 300, rng: &rng)]),
                    labels: [Int](repeating: 0, count: 300) + [Int](repeating: 2, count: 300))
        let evaluation = OneShotEvaluation(knownClasses: [0, 1], novelClasses: [2], draws: 30, enrolment: ShotEnrolment(score: score))
        let result = try evaluation.run(known: known, candidates: [clusters.sample(2, count: 100, rng: &rng)], test: test)
        return (result.knownRecall[0], result.novelRecall[0])
    }

    @Test func theShotAdjustedScoreStopsFavouringTheClassOfManyImages() throws {
        let raw = try recalls(score: .raw), adjusted = try recalls(score: .shotAdjusted)
        // Raw distances hand the one-shot class's queries to its many-image neighbour.
        #expect(raw.novel < raw.known - 0.1, "raw: \(raw)")
        #expect(adjusted.novel > raw.novel + 0.1, "raw \(raw), adjusted \(adjusted)")
        #expect((adjusted.novel + adjusted.known) / 2 > (raw.novel + raw.known) / 2, "raw \(raw), adjusted \(adjusted)")
    }

    @Test func theRawScoreIsTheDistanceToTheBit() throws {
        var rng = SeededGenerator(seed: 8)
        let clusters = Clusters(classes: 2)
        var gallery = Gallery(modelDigest: "m", dimension: clusters.dimension)
        gallery.score = .raw
        try gallery.enroll(name: "a", embeddings: clusters.sample(0, count: 20, rng: &rng))
        try gallery.enroll(name: "b", embeddings: clusters.sample(1, count: 1, rng: &rng))
        let queries = stack([clusters.sample(0, count: 5, rng: &rng), clusters.sample(1, count: 5, rng: &rng)])
        let classifier = PrototypeClassifier(gallery: gallery)
        #expect(classifier.offsets == [0, 0])
        let distances = classifier.distances(queries)
        for (i, p) in classifier.classify(queries).enumerated() {
            #expect(p.score == p.distance && p.distance == distances[i, p.nearest])
        }
        gallery.score = .shotAdjusted
        let adjusted = PrototypeClassifier(gallery: gallery)
        #expect(adjusted.offsets[0] < adjusted.offsets[1] && adjusted.offsets[1] > 0)
        for p in adjusted.classify(queries) {
            #expect(p.score <= p.distance && p.score == adjusted.score(distance: p.distance, toClass: p.nearest))
        }
    }

    @Test func aClassOfOneImageGetsAThresholdFromItsShotCountUnderTheRawScore() throws {
        var rng = SeededGenerator(seed: 21)
        let clusters = Clusters(classes: 2)
        var gallery = Gallery(modelDigest: "m", dimension: clusters.dimension)
        gallery.score = .raw
        try gallery.enroll(name: "many", embeddings: clusters.sample(0, count: 2000, rng: &rng))
        #expect(gallery.shotThreshold(forClass: "many") == nil, "no global threshold yet")
        // The global threshold: the median genuine distance of the class of many images.
        let genuine = PrototypeClassifier.distances(clusters.sample(0, count: 1000, rng: &rng), gallery.prototypes).scalars.sorted()
        gallery.globalThreshold = Gallery.Threshold(distance: genuine[500])
        #expect(gallery.shotThreshold(forClass: "many") == nil, "a class of many shots keeps the global threshold")

        // Over draws of the one image, the shot threshold rejects about half the class's genuine queries too;
        // the global one rejects far more.
        var rejectedAtShots = 0.0, rejectedAtGlobal = 0.0
        let draws = 40
        for _ in 0..<draws {
            var drawn = gallery
            try drawn.enroll(name: "one", embeddings: clusters.sample(1, count: 1, rng: &rng))
            let shot = try #require(drawn.shotThreshold(forClass: "one"))
            #expect(shot.source == .shots && shot.distance > drawn.globalThreshold!.distance)
            try drawn.setThreshold(shot, forClass: "one")
            #expect(drawn.thresholdInForce(forClass: "one") == .shots && drawn.thresholdInForce(forClass: "many") == .global)
            let d = PrototypeClassifier.distances(clusters.sample(1, count: 100, rng: &rng), Tensor(shape: [1, clusters.dimension], scalars: drawn["one"]!.prototype)).scalars
            rejectedAtShots += Double(d.filter { $0 > shot.distance }.count) / 100 / Double(draws)
            rejectedAtGlobal += Double(d.filter { $0 > genuine[500] }.count) / 100 / Double(draws)
        }
        #expect(abs(rejectedAtShots - 0.5) < 0.1 && rejectedAtGlobal > 0.8, "false-reject rate \(rejectedAtShots) at the shot threshold, \(rejectedAtGlobal) at the global one")
        gallery.score = .shotAdjusted
        try gallery.enroll(name: "one", embeddings: clusters.sample(1, count: 1, rng: &rng))
        #expect(gallery.shotThreshold(forClass: "one") == nil, "the shot-adjusted score moves the distance instead")
    }

    @Test func refinementPullsAOneShotPrototypeToItsClassInThePool() throws {
        var rng = SeededGenerator(seed: 4)
        let clusters = Clusters(classes: 3)
        var gallery = Gallery(modelDigest: "m", dimension: clusters.dimension)
        try gallery.enroll(name: "a", embeddings: clusters.sample(0, count: 500, rng: &rng))
        try gallery.enroll(name: "b", embeddings: clusters.sample(1, count: 500, rng: &rng))
        try gallery.enroll(name: "new", embeddings: clusters.sample(2, count: 1, rng: &rng))
        let before = gallery
        let pool = stack([clusters.sample(0, count: 300, rng: &rng), clusters.sample(1, count: 300, rng: &rng), clusters.sample(2, count: 200, rng: &rng)])
        try gallery.refine(classes: ["new"], pool: pool, using: PrototypeRefinement())
        let centre = clusters.centres[2]
        func cosineToCentre(_ g: Gallery) -> Float { zip(g["new"]!.prototype, centre).map(*).reduce(0, +) }
        #expect(cosineToCentre(gallery) > 0.99 && cosineToCentre(gallery) > cosineToCentre(before) + 0.05,
                "\(cosineToCentre(before)) → \(cosineToCentre(gallery))")
        let refinement = try #require(gallery["new"]?.refinement)
        #expect(refinement.poolSize == 800 && abs(refinement.poolWeight - 200) < 20, "\(refinement)")
        #expect(gallery["a"] == before["a"] && gallery["b"] == before["b"], "known prototypes stay")
        #expect(gallery["new"]?.sum == before["new"]?.sum && gallery["new"]?.shotCount == 1)
        // New shots take the class back to its shots' mean.
        try gallery.enroll(name: "new", embeddings: clusters.sample(2, count: 1, rng: &rng))
        #expect(gallery["new"]?.refinement == nil)

        let unknown = try #require(throws: EnrollmentError.self) { try gallery.refine(classes: ["none"], pool: pool, using: PrototypeRefinement()) }
        #expect(unknown.kind == .unknownClass)
        let wide = try #require(throws: EnrollmentError.self) {
            try gallery.refine(classes: ["new"], pool: Tensor(shape: [1, 3], scalars: [1, 0, 0]), using: PrototypeRefinement())
        }
        #expect(wide.kind == .dimensionMismatch && wide.field == "pool")
        let empty = try #require(throws: EnrollmentError.self) {
            try gallery.refine(classes: ["new"], pool: Tensor(shape: [0, clusters.dimension], scalars: []), using: PrototypeRefinement())
        }
        #expect(empty.kind == .invalidValue)
    }

    @Test func theOneShotMeasureTakesViewsAndReportsRefinementApart() throws {
        var rng = SeededGenerator(seed: 9)
        let clusters = Clusters(classes: 3)
        let known = (embeddings: stack([clusters.sample(0, count: 200, rng: &rng), clusters.sample(1, count: 200, rng: &rng)]),
                     labels: [Int](repeating: 0, count: 200) + [Int](repeating: 1, count: 200))
        let candidates = [clusters.sample(2, count: 20, rng: &rng)]
        let test = (embeddings: stack((0..<3).map { clusters.sample($0, count: 50, rng: &rng) }),
                    labels: (0..<3).flatMap { [Int](repeating: $0, count: 50) })
        let pool = stack((0..<3).map { clusters.sample($0, count: 100, rng: &rng) })
        var asked: [[Int]] = []
        let viewsRng = rng
        let evaluation = OneShotEvaluation(knownClasses: [0, 1], novelClasses: [2], draws: 4, enrolment: ShotEnrolment(augmentedViews: 3))
        let result = try evaluation.run(known: known, candidates: candidates, views: { k, i in
            asked.append([k, i])
            var local = viewsRng
            return clusters.sample(2, count: 3, rng: &local)
        }, pool: pool, test: test)
        #expect(asked == result.chosen.map { [0, $0[0]] })
        let refined = try #require(result.refined)
        #expect(refined.poolSize == 300 && refined.accuracyPerDraw.count == 4)
        #expect(refined.novelRecall[0] >= result.novelRecall[0])
        let (drawn, _) = try evaluation.gallery(draw: 0, known: try evaluation.knownGallery(known), candidates: candidates,
                                                views: { _, _ in var local = viewsRng; return clusters.sample(2, count: 3, rng: &local) })
        #expect(drawn["2"]?.shotCount == 1 && drawn["2"]?.viewCount == 4 && drawn.score == Gallery.defaultScore)
    }
}

@Suite("Shot views: the mild pipeline and their embeddings")
struct ShotViewTests {
    /// The sample's Fashion-MNIST training images.
    static let dataset: Dataset = {
        do {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
            return try FashionMNIST.load(split: .train, directory: root + "/Datasets/sample/fashion-mnist")
        } catch {
            preconditionFailure("the sample: \(error)")
        }
    }()

    static func model() throws -> ModelArchive {
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 8), channels: 1, height: 28, width: 28)
        return try ModelArchive(network: architecture.makeNetwork(seed: 3), architecture: architecture, classNames: FashionMNIST.classNames)
    }

    @Test func eachShotComesFirstThenItsViewsWhichDependOnTheImageAlone() throws {
        let model = try Self.model(), dataset = Self.dataset
        #expect(dataset.labels[2] != dataset.labels[0])
        let plain = model.outputs(for: dataset, indices: [2, 0])
        let withViews = model.shotOutputs(for: dataset, indices: [2, 0], augmentedViews: 3, batchSize: 4)
        #expect(withViews.shape == [8, 8])
        let d = 8
        func row(_ t: Tensor, _ i: Int) -> [Float] { Array(t.scalars[(i * d)..<((i + 1) * d)]) }
        // (Batches of other sizes round differently in the last bits.)
        #expect(isClose(row(withViews, 0), row(plain, 0)) && isClose(row(withViews, 4), row(plain, 1)), "the image itself first")
        #expect(!(1...3).contains { isClose(row(withViews, $0), row(plain, 0), tolerance: 1e-3) }
                && !isClose(row(withViews, 1), row(withViews, 2), tolerance: 1e-3), "distinct views, none the image itself")
        // Image 0's views are the same whatever shots come beside it, and in whatever batches.
        let alone = model.shotOutputs(for: dataset, indices: [0], augmentedViews: 3)
        #expect((0..<4).allSatisfy { isClose(row(alone, $0), row(withViews, 4 + $0)) })
        // Mild: each view stays near its image, nearer than the other image is.
        let views = Tensor(shape: [3, d], scalars: (1...3).flatMap { row(withViews, $0) })
        let near = PrototypeClassifier.distances(views, Tensor(shape: [1, d], scalars: row(plain, 0))).scalars
        let between = PrototypeClassifier.distances(Tensor(shape: [1, d], scalars: row(plain, 0)), Tensor(shape: [1, d], scalars: row(plain, 1))).scalars[0]
        #expect(near.allSatisfy { $0 < between }, "\(near) against \(between)")
        #expect(model.shotOutputs(for: dataset, indices: [2, 0], augmentedViews: 0) == plain)
    }

    @Test func theMildViewsAreTheMeasuredOnes() {
        let pipeline = AugmentationPipeline.mildShotViews(seed: 4)
        #expect(pipeline.steps.map(\.transform) == [.randomResizedCrop(area: 0.8...1, aspectRatio: 0.75...(4.0 / 3)), .rotation(maxDegrees: 10),
                                                    .randomCrop(padding: 2), .brightness(maxChange: 0.2)])
        #expect(pipeline.steps.allSatisfy { $0.probability == 1 } && pipeline.mixup == nil)
        #expect(!pipeline.steps.contains { $0.transform == .horizontalFlip })
    }
}
