import LikenessCore

/// Lloyd's k-means, `min Σᵢ ‖xᵢ − c_{a(i)}‖²` over the assignment `a` and the centres `c`,
/// seeded by k-means++ (Arthur and Vassilvitskii 2007: each further centre a row drawn with
/// probability ∝ its squared distance to the nearest centre so far); the best of `restarts` runs.
///
/// Rows are `N × D`; distances are `SquaredDistances.cross`, so a row's distance to a centre is
/// the one every other part of the toolkit measures. A cluster left empty takes the row farthest
/// from its centre (as scikit-learn does), so every run ends with `clusterCount` clusters.
public struct KMeans: Sendable, Equatable {
    /// `k`.
    public var clusterCount: Int
    /// Independent seedings; the run of least inertia is kept.
    public var restarts: Int
    /// Assignment rounds per run at most; a run stops earlier once no row changes cluster.
    public var maximumIterations: Int
    /// Seeds the k-means++ draws: the same seed gives the same partition.
    public var seed: UInt64

    public init(clusterCount: Int, restarts: Int = 4, maximumIterations: Int = 100, seed: UInt64 = 0) {
        precondition(clusterCount >= 1 && restarts >= 1 && maximumIterations >= 1,
                     "k-means of \(clusterCount) clusters, \(restarts) restarts, \(maximumIterations) iterations")
        self.clusterCount = clusterCount
        self.restarts = restarts
        self.maximumIterations = maximumIterations
        self.seed = seed
    }

    /// A partition of the rows.
    public struct Partition: Sendable, Equatable {
        /// `a(i)`, the cluster of row `i`, in `0..<k`.
        public let assignment: [Int]
        /// `k × D`: each cluster's mean.
        public let centres: Tensor
        /// `Σᵢ ‖xᵢ − c_{a(i)}‖²`.
        public let inertia: Double

        /// The rows of each cluster, in ascending order.
        public var members: [[Int]] {
            var members = [[Int]](repeating: [], count: centres.shape[0])
            for (row, cluster) in assignment.enumerated() { members[cluster].append(row) }
            return members
        }
    }

    /// The partition of least inertia over `restarts` runs.
    ///
    /// - Precondition: `rows` is `N × D` with `N ≥ clusterCount`, its entries finite.
    public func fit(_ rows: Tensor) -> Partition {
        precondition(rows.rank == 2 && rows.shape[0] >= clusterCount,
                     "k-means of \(clusterCount) clusters on rows of shape \(rows.shape)")
        var generator = SeededGenerator(seed: seed)
        var best: Partition?
        for _ in 0..<restarts {
            let run = lloyd(rows, centres: seeds(rows, using: &generator))
            if best == nil || run.inertia < best!.inertia { best = run }
        }
        return best!
    }

    /// k-means++ centres.
    private func seeds(_ rows: Tensor, using generator: inout SeededGenerator) -> Tensor {
        let n = rows.shape[0]
        var chosen = [Int(generator.next() % UInt64(n))]
        var nearest = column(SquaredDistances.cross(rows, rows.rows(at: chosen)), 0)
        while chosen.count < clusterCount {
            let total = nearest.reduce(0) { $0 + Double($1) }
            var next = chosen.last!
            if total > 0 {
                var target = Double(generator.nextUniform()) * total
                for (i, d) in nearest.enumerated() where d > 0 {
                    next = i
                    target -= Double(d)
                    if target < 0 { break }
                }
            } else {
                // Every row coincides with a centre: any row not yet chosen will do.
                next = (0..<n).first { !chosen.contains($0) } ?? next
            }
            chosen.append(next)
            let distances = column(SquaredDistances.cross(rows, rows.rows(at: [next])), 0)
            for i in 0..<n { nearest[i] = min(nearest[i], distances[i]) }
        }
        return rows.rows(at: chosen)
    }

    private func lloyd(_ rows: Tensor, centres start: Tensor) -> Partition {
        let n = rows.shape[0], d = rows.shape[1], k = clusterCount
        var centres = start
        var assignment = [Int](repeating: -1, count: n)
        // Assign, refill empty clusters, move the centres to their clusters' means; until no row
        // changes cluster. A row keeps its cluster on a tie, so coincident rows settle.
        for iteration in 0...maximumIterations {
            let all = SquaredDistances.cross(rows, centres)
            var next = assignment
            var distances = [Float](repeating: 0, count: n)
            for i in 0..<n {
                var cluster = max(assignment[i], 0), distance = all[i, cluster]
                for c in 0..<k where all[i, c] < distance { (cluster, distance) = (c, all[i, c]) }
                next[i] = cluster
                distances[i] = distance
            }
            // An empty cluster takes the row farthest from its centre, from a cluster of two or more.
            var counts = [Int](repeating: 0, count: k)
            for c in next { counts[c] += 1 }
            for empty in (0..<k).filter({ counts[$0] == 0 }) {
                guard let far = distances.indices.filter({ counts[next[$0]] > 1 }).max(by: { distances[$0] < distances[$1] }) else { break }
                counts[next[far]] -= 1
                next[far] = empty
                counts[empty] = 1
                distances[far] = 0
            }
            let changed = next != assignment
            assignment = next
            centres = means(rows, assignment: assignment, counts: counts, dimension: d)
            if !changed || iteration == maximumIterations { break }
        }
        var inertia = 0.0
        for i in 0..<n {
            for j in 0..<d {
                let difference = Double(rows[i, j]) - Double(centres[assignment[i], j])
                inertia += difference * difference
            }
        }
        return Partition(assignment: assignment, centres: centres, inertia: inertia)
    }

    private func means(_ rows: Tensor, assignment: [Int], counts: [Int], dimension d: Int) -> Tensor {
        var sums = [Double](repeating: 0, count: clusterCount * d)
        for (i, c) in assignment.enumerated() {
            for j in 0..<d { sums[c * d + j] += Double(rows[i, j]) }
        }
        return Tensor(shape: [clusterCount, d], scalars: sums.indices.map { Float(sums[$0] / Double(max(counts[$0 / d], 1))) })
    }

    private func column(_ matrix: Tensor, _ c: Int) -> [Float] {
        (0..<matrix.shape[0]).map { matrix[$0, c] }
    }
}
