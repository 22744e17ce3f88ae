/// Counts of values in bins: `counts[b] = |{v : e_b ≤ v < e_{b+1}}|`, the last bin closed
/// (`e_{B−1} ≤ v ≤ e_B`), NumPy's `histogram(values, bins=binEdges)`; values outside
/// `[e_0, e_B]` are not counted.
public struct Histogram: Sendable, Equatable, Codable {
    /// `B + 1` increasing edges.
    public let binEdges: [Double]
    /// `B` counts, one per bin.
    public let counts: [Int]

    /// The histogram of `values` in the bins between `binEdges` (at least two, increasing).
    public init(values: some Sequence<Double>, binEdges: [Double]) {
        precondition(binEdges.count >= 2 && zip(binEdges, binEdges.dropFirst()).allSatisfy { $0 < $1 },
                     "bin edges \(binEdges): expected at least two, increasing")
        var counts = [Int](repeating: 0, count: binEdges.count - 1)
        let last = binEdges.count - 1
        for v in values where v >= binEdges[0] && v <= binEdges[last] {
            // The last edge at or below v, by bisection; v at the top edge falls in the last bin.
            var lo = 0, hi = last
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if binEdges[mid] <= v { lo = mid } else { hi = mid }
            }
            counts[lo] += 1
        }
        self.binEdges = binEdges
        self.counts = counts
    }

    /// `count + 1` evenly spaced edges from `lower` to `upper` (`e_b = lower + b (upper − lower) / count`).
    public static func evenEdges(from lower: Double, to upper: Double, count: Int) -> [Double] {
        precondition(count >= 1 && lower < upper, "\(count) bins from \(lower) to \(upper)")
        return (0...count).map { b in b == count ? upper : lower + Double(b) * (upper - lower) / Double(count) }
    }

    /// The values counted.
    public var total: Int { counts.reduce(0, +) }

    /// Decodes a histogram, refusing one whose counts are not one per bin, whose edges do not
    /// increase, or whose counts are negative.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let edges = try container.decode([Double].self, forKey: .binEdges)
        let counts = try container.decode([Int].self, forKey: .counts)
        guard edges.count >= 2, zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw DecodingError.dataCorruptedError(forKey: .binEdges, in: container,
                                                   debugDescription: "\(edges.count) bin edges: expected at least two, increasing")
        }
        guard counts.count == edges.count - 1, counts.allSatisfy({ $0 >= 0 }) else {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: container,
                                                   debugDescription: "\(counts.count) counts for \(edges.count - 1) bins: expected one count, 0 or more, per bin")
        }
        binEdges = edges
        self.counts = counts
    }
}
