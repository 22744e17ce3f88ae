import Foundation
import Likeness
import Testing

/// `KMeans` against scikit-learn's partitions on a committed fixture (Fixtures/make_kmeans_fixture.py
/// made it); `ClassDiscovery` on embeddings whose new classes are known to the test.
@Suite("Class discovery")
struct ClassDiscoveryTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let name: String
            let dimension: Int
            let k: Int
            let rows: [Float]
            let inertia: Double
            let assignment: [Int]
        }
        let cases: [Case]

        static func load() throws -> Fixture {
            let url = try #require(Bundle.module.url(forResource: "kmeans", withExtension: "json", subdirectory: "Fixtures"))
            return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        }
    }

    /// Whether two assignments are the same partition, up to the clusters' numbering.
    static func samePartition(_ a: [Int], _ b: [Int]) -> Bool {
        var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
        for (x, y) in zip(a, b) {
            if forward[x, default: y] != y || backward[y, default: x] != x { return false }
            forward[x] = y
            backward[y] = x
        }
        return a.count == b.count
    }

    /// The inertia within 1e-4 (relative) of scikit-learn's best of 50 runs, computed afresh
    /// from the assignment; on well-apart blobs and on the sphere, the same partition.
    @Test func kMeansReachesScikitLearnsPartitions() throws {
        for fixture in try Fixture.load().cases {
            let n = fixture.rows.count / fixture.dimension
            let rows = Tensor(shape: [n, fixture.dimension], scalars: fixture.rows)
            let partition = KMeans(clusterCount: fixture.k, restarts: 10, seed: 1).fit(rows)
            #expect(Set(partition.assignment) == Set(0..<fixture.k), "\(fixture.name): every cluster holds rows")
            var inertia = 0.0
            for i in 0..<n {
                let c = partition.assignment[i]
                inertia += (0..<fixture.dimension).reduce(0.0) { sum, j in
                    let d = Double(rows[i, j]) - Double(partition.centres[c, j])
                    return sum + d * d
                }
            }
            #expect(abs(inertia - partition.inertia) <= 1e-4 * inertia, "\(fixture.name): reported \(partition.inertia), recomputed \(inertia)")
            #expect(partition.inertia <= fixture.inertia * (1 + 1e-4), "\(fixture.name): \(partition.inertia) vs scikit-learn's \(fixture.inertia)")
            if fixture.name != "overlapping" {
                #expect(Self.samePartition(partition.assignment, fixture.assignment), "\(fixture.name)")
            }
        }
    }

    /// Rows that coincide: k-means++ cannot draw distinct centres, and empty clusters take a row,
    /// so every cluster still holds one; the same seed gives the same partition.
    @Test func kMeansFillsEveryClusterAndRepeatsWithTheSeed() {
        let rows = Tensor(shape: [6, 2], scalars: [0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5])
        let partition = KMeans(clusterCount: 3, seed: 4).fit(rows)
        #expect(Set(partition.assignment) == Set(0..<3), "\(partition.assignment)")
        #expect(partition.inertia < 1e-9)
        var rng = SeededGenerator(seed: 3)
        let noise = Tensor.randomNormal(shape: [50, 3], using: &rng)
        #expect(KMeans(clusterCount: 4, seed: 9).fit(noise) == KMeans(clusterCount: 4, seed: 9).fit(noise))
    }

    /// Unit embeddings: 4 known classes around directions sharing a component (each 1 apart), 2
    /// new classes around 2 axes of their own (√2 from every known one), the pool holding both and
    /// known-class images spread wider than the validation images: the new classes are found
    /// whole and pure and the known-class pool images left out, whatever the pool's order.
    @Test func newClassesAreFoundAndKnownImagesLeftOut() throws {
        let d = 8
        var rng = SeededGenerator(seed: 11)
        func axis(_ i: Int) -> [Float] { (0..<d).map { $0 == i ? 1 : 0 } }
        func images(around centre: [Float], count: Int, spread: Float) -> [[Float]] {
            (0..<count).map { _ in
                let row = centre.map { $0 + spread * rng.nextNormal() }
                let length = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return row.map { $0 / length }
            }
        }
        func tensor(_ rows: [[Float]]) -> Tensor { Tensor(shape: [rows.count, d], scalars: rows.flatMap { $0 }) }
        let knownCentres = (0..<4).map { i in zip(axis(i), axis(4)).map { ($0 + $1) / Float(2).squareRoot() } }
        let prototypes = tensor(knownCentres)
        let validation = tensor(knownCentres.flatMap { images(around: $0, count: 20, spread: 0.05) })
        let knownPool = knownCentres.flatMap { images(around: $0, count: 40, spread: 0.1) }
        var pool = knownPool + images(around: axis(5), count: 50, spread: 0.05) + images(around: axis(7), count: 30, spread: 0.05)
        var truth = [Int](repeating: -1, count: knownPool.count) + [Int](repeating: 0, count: 50) + [Int](repeating: 1, count: 30)
        let order = Array(0..<pool.count).shuffled(using: &rng)
        pool = order.map { pool[$0] }
        truth = order.map { truth[$0] }

        let found = try ClassDiscovery(newClasses: 2, seed: 5).discover(prototypes: prototypes, validation: validation, pool: tensor(pool))
        #expect(found.classes.count == 2)
        let sets = found.classes.map { Set($0.map { truth[$0] }) }
        #expect(sets.allSatisfy { $0.count == 1 && !$0.contains(-1) }, "each class pure, no known image: \(sets)")
        #expect(Set(found.classes.map(\.count)) == [50, 30], "whole: \(found.classes.map(\.count))")
        #expect(found.unknownCount > 80 && found.unknownCount - found.droppedCount == 80,
                "known images past the threshold, all left out: \(found)")
        #expect(abs(found.knownSeparation - 1) < 0.01, "\(found.knownSeparation)")
        #expect(found.classes.allSatisfy { $0 == $0.sorted() })

        // The threshold is the accepted fraction's quantile of the validation rows' nearest distances.
        let distances = SquaredDistances.cross(validation, prototypes)
        let nearest = (0..<80).map { i in (0..<4).map { distances[i, $0] }.min()!.squareRoot() }.sorted()
        #expect(found.threshold == nearest[75], "\(found.threshold) vs the 76th of 80: \(nearest[75])")
    }

    @Test func withoutValidationOrUnknownImagesDiscoveryThrows() {
        let prototypes = Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        let near = Tensor(shape: [3, 2], scalars: [1, 0, 0, 1, 1, 0])
        #expect(throws: EnrollmentError.self) {
            try ClassDiscovery(newClasses: 1, subclusters: 2).discover(prototypes: prototypes, validation: Tensor(shape: [0, 2]), pool: near)
        }
        // Every pool image as near as the validation images: nothing unknown to cluster.
        #expect(throws: EnrollmentError.self) {
            try ClassDiscovery(newClasses: 1, subclusters: 2).discover(prototypes: prototypes, validation: near, pool: near)
        }
    }
}
