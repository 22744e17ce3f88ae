import Foundation
import Testing
import LikenessCore
import LikenessData

@Suite struct SMOTETests {
    static let smoteCases = ResamplingFixture.shared.cases.filter { $0.sampler == "smote" }

    @Test("SMOTE counts match imbalanced-learn's", arguments: smoteCases)
    func counts(_ fixture: ResamplingFixture.Case) throws {
        let set = ResamplingFixture.shared.label_sets[fixture.labels]!
        var rng = SeededGenerator(seed: 1)
        let points = Tensor.randomNormal(shape: [set.labels.count, 3], using: &rng)
        let smote = SMOTE(strategy: fixture.strategy.strategy, neighbours: fixture.neighbours, seed: 2)
        guard let expected = fixture.counts else {
            #expect(throws: ResamplingError.self) {
                try smote.synthesize(embeddings: points, labels: set.labels, classCount: set.class_count)
            }
            return
        }
        let synthetic = try smote.synthesize(embeddings: points, labels: set.labels, classCount: set.class_count)
        #expect(synthetic.embeddings.shape == [synthetic.labels.count, 3])
        #expect(histogram(set.labels + synthetic.labels, classCount: set.class_count) == expected)
    }

    /// The segments from each point of a class to its `k` nearest others (all those at the
    /// k-th smallest distance or nearer, so that ties cannot hide a valid partner).
    struct NeighbourSegments {
        var segments: [(base: [Double], partner: [Double])] = []

        init(members: [[Double]], k: Int) {
            func distance(_ a: [Double], _ b: [Double]) -> Double {
                zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }
            for (i, base) in members.enumerated() {
                let distances = members.indices.map { $0 == i ? Double.infinity : distance(base, members[$0]) }
                let kth = distances.sorted()[k - 1]
                for j in members.indices where distances[j] <= kth * (1 + 1e-6) {
                    segments.append((base, members[j]))
                }
            }
        }

        /// Whether `point` lies within `tolerance` (Euclidean) of one of the segments, at a
        /// parameter in [0, 1] widened by `tolerance` over the segment's length.
        func contains(_ point: [Double], tolerance: Double) -> Bool {
            segments.contains { base, partner in
                var dd = 0.0, od = 0.0, oo = 0.0
                for t in point.indices {
                    let d = partner[t] - base[t], o = point[t] - base[t]
                    dd += d * d; od += o * d; oo += o * o
                }
                guard dd > 0 else { return false }
                let u = od / dd, slack = tolerance / dd.squareRoot()
                // ‖o − u·d‖² = ‖o‖² − (o·d)²/‖d‖²
                return u >= -slack && u <= 1 + slack && max(oo - od * u, 0).squareRoot() <= tolerance
            }
        }
    }

    @Test("SMOTE embeddings lie on segments to one of the k nearest same-class neighbours")
    func embeddingsOnSegments() throws {
        var rng = SeededGenerator(seed: 9)
        let labels = (0..<60).map { $0 < 40 ? 0 : ($0 < 52 ? 1 : 2) }
        let points = Tensor.randomNormal(shape: [60, 5], using: &rng)
        let k = 3
        let synthetic = try SMOTE(neighbours: k, seed: 4).synthesize(embeddings: points, labels: labels, classCount: 3)
        #expect(histogram(synthetic.labels, classCount: 3) == [0, 28, 32])
        let rows = (0..<60).map { i in (0..<5).map { Double(points[i, $0]) } }
        let segments = (0..<3).map { c in NeighbourSegments(members: labels.indices.filter { labels[$0] == c }.map { rows[$0] }, k: k) }
        for (r, c) in synthetic.labels.enumerated() {
            let point = (0..<5).map { Double(synthetic.embeddings[r, $0]) }
            let onSegment = segments[c].contains(point, tolerance: 1e-4)
            #expect(onSegment, "synthetic row \(r): \(point)")
        }
        let again = try SMOTE(neighbours: k, seed: 4).synthesize(embeddings: points, labels: labels, classCount: 3)
        #expect(again.embeddings == synthetic.embeddings)
    }

    @Test("SMOTE finds the neighbours of classes larger than one block of the distance matrix")
    func largeClass() throws {
        var rng = SeededGenerator(seed: 13)
        let labels = [Int](repeating: 0, count: 300) + [Int](repeating: 1, count: 310)
        let points = Tensor.randomNormal(shape: [610, 4], using: &rng)
        let synthetic = try SMOTE(strategy: .counts([0: 312]), neighbours: 5, seed: 1)
            .synthesize(embeddings: points, labels: labels, classCount: 2)
        #expect(synthetic.labels == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        let segments = NeighbourSegments(members: (0..<300).map { i in (0..<4).map { Double(points[i, $0]) } }, k: 5)
        for r in 0..<12 {
            let point = (0..<4).map { Double(synthetic.embeddings[r, $0]) }
            let onSegment = segments.contains(point, tolerance: 1e-5)
            #expect(onSegment, "synthetic row \(r): \(point)")
        }
    }

    @Test("SMOTE images lie on segments between neighbours, up to rounding, and are appended")
    func imagesOnSegments() throws {
        var rng = SeededGenerator(seed: 21)
        let counts = [14, 6]
        let labels = counts.enumerated().flatMap { c, n in [Int](repeating: c, count: n) }
        let pixels = (0..<(labels.count * 16)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let dataset = Dataset(pixels: pixels, labels: labels, classNames: ["common", "rare"],
                              ids: labels.indices.map { "image\($0)" }, height: 4, width: 4, channels: 1)
        let k = 4
        let grown = try SMOTE(neighbours: k, seed: 8).resample(dataset)
        #expect(grown.count == 28 && grown.classCounts == [14, 14])
        #expect(Array(grown.pixels.prefix(pixels.count)) == pixels && Array(grown.ids.prefix(20)) == dataset.ids)
        #expect(Array(grown.ids.suffix(8)) == (0..<8).map { "smote#\($0)" })
        let rare = NeighbourSegments(members: (14..<20).map { i in (0..<16).map { Double(pixels[i * 16 + $0]) } }, k: k)
        for s in 20..<28 {
            #expect(grown.labels[s] == 1)
            let image = (0..<16).map { Double(grown.pixels[s * 16 + $0]) }
            // Rounding to bytes moves each pixel by at most 0.5: at most 0.5 · √16 = 2 in all.
            let onSegment = rare.contains(image, tolerance: 2.001)
            #expect(onSegment, "synthetic image \(s): \(image)")
        }
    }

    @Test("SMOTE throws when a class to grow has no more than k images")
    func tooFewImages() throws {
        let labels = [Int](repeating: 0, count: 20) + [Int](repeating: 1, count: 5)
        var rng = SeededGenerator(seed: 1)
        let points = Tensor.randomNormal(shape: [25, 2], using: &rng)
        #expect(throws: ResamplingError.tooFewImagesForNeighbours(classIndex: 1, count: 5, neighbours: 5)) {
            try SMOTE(neighbours: 5, seed: 0).synthesize(embeddings: points, labels: labels, classCount: 2)
        }
        let synthetic = try SMOTE(neighbours: 4, seed: 0).synthesize(embeddings: points, labels: labels, classCount: 2)
        #expect(synthetic.labels == [Int](repeating: 1, count: 15))
        // A class that is not grown may be as small as it likes.
        #expect(try SMOTE(strategy: .counts([0: 30]), neighbours: 5, seed: 0)
            .synthesize(embeddings: points, labels: labels, classCount: 2).labels.count == 10)
    }
}
