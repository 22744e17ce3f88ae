import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// The product's paths agree with each other: one distance for one pair wherever it is
/// measured, and the one-shot measure equal to `compare` on the same gallery.
extension StorageTests {
    @Suite("Recognition paths agree")
    struct RecognitionAgreementTests {
        func unitRows(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
            var rng = SeededGenerator(seed: seed)
            return L2Normalize().forward(Tensor.randomNormal(shape: [n, d], using: &rng), training: false)
        }

        /// Rows near `centre`: `centre + spread · noise`, normalised (near pairs are where the
        /// Gram form of the distance loses its digits).
        func rows(near centre: Tensor, count: Int, spread: Float, seed: UInt64) -> Tensor {
            var rng = SeededGenerator(seed: seed)
            let d = centre.shape[1]
            let noise = Tensor.randomNormal(shape: [count, d], using: &rng)
            let near = Tensor(shape: [count, d]) { out in
                for i in 0..<count { for k in 0..<d { out[i * d + k] = centre[0, k] + spread * noise[i, k] } }
            }
            return L2Normalize().forward(near, training: false)
        }

        /// For every query and one prototype, the distance `calibrate` thresholds, the one
        /// `classify` compares with the threshold, and the one `query` reports (search over a
        /// store's chunks) are the same `Float`; at the threshold a query is accepted, one ulp
        /// below it it is unknown, one ulp above it accepted.
        @Test(arguments: [0.5, 0.01, 1e-4] as [Float])
        func calibrateClassifyAndQueryMeasureOneDistance(spread: Float) throws {
            let d = 64
            let shot = unitRows(1, d, seed: 3)
            var gallery = Gallery(modelDigest: "m", dimension: d)
            try gallery.enroll(name: "a", embeddings: shot)
            let queries = rows(near: gallery.prototypes, count: 50, spread: spread, seed: 4)

            let calibrated = PrototypeClassifier.distances(queries, gallery.prototypes)
            var search = try StreamingNeighbourSearch(queries: queries, k: 1)
            try search.add(BaseChunk(firstIndex: 0, rows: gallery.prototypes))
            let reported = search.results
            for i in 0..<queries.shape[0] {
                let distance = calibrated[i, 0]
                // What calibrate picks from this query alone as the genuine distance.
                let threshold = ThresholdCalibration.threshold(genuine: [distance], impostor: [2], target: .equalErrorRate).threshold
                #expect(threshold.bitPattern == distance.bitPattern)
                #expect(reported.distances[i].bitPattern == distance.bitPattern, "query \(i): \(reported.distances[i]) vs \(distance)")

                let query = Tensor(shape: [1, d], scalars: (0..<d).map { queries[i, $0] })
                for (tau, accepted) in [(threshold, true), (threshold.nextDown, false), (threshold.nextUp, true)] where tau >= 0 {
                    gallery.globalThreshold = Gallery.Threshold(distance: tau)
                    let answer = try #require(PrototypeClassifier(gallery: gallery).classify(query).first)
                    #expect(answer.distance.bitPattern == distance.bitPattern)
                    #expect((answer.accepted != nil) == accepted, "query \(i) at τ = \(tau), distance \(distance)")
                }
            }
        }

        /// `OneShotEvaluation` for one draw and `compare`'s embedding approach on a gallery file
        /// holding the same prototypes, rejection off, give the same recall for every class.
        @Test func oneShotMeasureEqualsCompareOnTheSameGallery() throws {
            var rng = SeededGenerator(seed: 11)
            func cluster(_ c: Int, count: Int) -> Tensor {
                var values: [Float] = []
                for _ in 0..<count {
                    var v = (0..<8).map { _ in rng.nextNormal() * 0.6 }
                    v[c] += 1
                    let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
                    values += v.map { $0 / norm }
                }
                return Tensor(shape: [count, 8], scalars: values)
            }
            func stack(_ parts: [Tensor]) -> Tensor {
                Tensor(shape: [parts.map { $0.shape[0] }.reduce(0, +), 8], scalars: parts.flatMap(\.scalars))
            }
            let known = (embeddings: stack([cluster(0, count: 40), cluster(1, count: 40), cluster(2, count: 40)]),
                         labels: [0, 1, 2].flatMap { Array(repeating: $0, count: 40) })
            let candidates = [cluster(3, count: 9), cluster(4, count: 9)]
            let test = (embeddings: stack((0..<5).map { cluster($0, count: 30) }), labels: (0..<5).flatMap { Array(repeating: $0, count: 30) })

            let evaluation = OneShotEvaluation(knownClasses: [0, 1, 2], novelClasses: [3, 4], draws: 1)
            let measured = try evaluation.run(known: known, candidates: candidates, test: test)
            #expect(measured.novelRecall.allSatisfy { $0 > 0 && $0 < 1 }, "a draw where recall says something: \(measured.novelRecall)")

            let folder = try TemporaryFolder()
            let (drawn, _) = try evaluation.gallery(draw: 0, known: try evaluation.knownGallery(known), candidates: candidates)
            try drawn.save(to: folder.file("gallery.h5"))
            let gallery = try Gallery.load(folder.file("gallery.h5"))
            #expect(gallery.globalThreshold == nil && gallery.classes.allSatisfy { $0.threshold == nil })
            let names = (0..<5).map(String.init)
            let outputs = ApproachOutputs.nearestPrototype(PrototypeClassifier(gallery: gallery), embeddings: test.embeddings,
                                                           classNames: names, name: "embedding", modelFile: "e.h5")
            let comparison = try Comparison(dataset: .init(name: "clusters"), classNames: names,
                                            sampleIDs: test.labels.indices.map(String.init), trueLabels: test.labels,
                                            approaches: [outputs])
            let recall = comparison.approaches[0].report.classes.map(\.recall)
            #expect(recall == measured.knownRecall + measured.novelRecall)
        }
    }
}

@Suite("Leave-one-out neighbours")
struct LeaveOneOutNeighbourTests {
    /// Against brute force on `SquaredDistances.squaredDistance`, with exact duplicates (whose
    /// distance ties are broken by index, the row itself left out).
    @Test func nearestOtherRowsMatchBruteForce() throws {
        var rng = SeededGenerator(seed: 5)
        let base = Tensor.randomNormal(shape: [30, 6], using: &rng)
        // Rows 30…32 repeat row 4; row 33 repeats row 0.
        let x = Tensor(shape: [34, 6], scalars: base.scalars + Array(repeating: (0..<6).map { base[4, $0] }, count: 3).flatMap { $0 }
                                                  + (0..<6).map { base[0, $0] })
        let k = 4
        let found = try ExactNearestNeighbours.nearestOtherRows(of: x, k: k)
        x.withUnsafeBufferPointer { p in
            for i in 0..<34 {
                let others = (0..<34).filter { $0 != i }.map { j in
                    (SquaredDistances.squaredDistance(p.baseAddress! + i * 6, p.baseAddress! + j * 6, count: 6), j)
                }.sorted { $0 < $1 }
                #expect(Array(found[i * k..<(i + 1) * k]) == others.prefix(k).map(\.1), "row \(i)")
            }
        }
        #expect(Array(found[4 * k..<4 * k + 3]) == [30, 31, 32] && Array(found[33 * k..<33 * k + 1]) == [0])
    }
}
