import LikenessCore

/// Picks the distance threshold `τ` of a nearest-prototype classifier from labelled distances.
///
/// A *genuine* distance is a sample's distance to its own class's prototype; an *impostor*
/// distance is a sample's distance to the prototype of a class it does not belong to (or of any
/// class, for a sample of a class that is not enrolled). At threshold `τ`:
/// false-accept rate `FAR(τ) = |{impostor d ≤ τ}| / |impostors|`,
/// false-reject rate `FRR(τ) = |{genuine d > τ}| / |genuine|`.
public enum ThresholdCalibration {
    /// What the threshold is chosen for.
    public enum Target: Sendable, Equatable, Codable {
        /// The largest `τ` whose false-accept rate is at most the given rate.
        case falseAcceptRate(Double)
        /// The `τ` where the false-accept and false-reject rates are closest (the equal-error rate).
        case equalErrorRate
    }

    /// A chosen threshold and the rates it was chosen at.
    public struct Result: Sendable, Equatable, Codable {
        public let threshold: Float
        public let falseAcceptRate: Double
        public let falseRejectRate: Double
        public let genuineCount: Int
        public let impostorCount: Int
    }

    /// The threshold for `target` from genuine and impostor distances (each set non-empty).
    public static func threshold(genuine: [Float], impostor: [Float], target: Target) -> Result {
        precondition(!genuine.isEmpty && !impostor.isEmpty, "calibration needs genuine and impostor distances (\(genuine.count), \(impostor.count))")
        let g = genuine.sorted(), im = impostor.sorted()
        // Candidate thresholds: every distance seen, and one below them all (accept nothing).
        let candidates = [min(g[0], im[0]).nextDown] + (g + im).sorted()
        func rates(_ t: Float) -> (far: Double, frr: Double) {
            let accepted = countAtMost(im, t), kept = countAtMost(g, t)
            return (Double(accepted) / Double(im.count), Double(g.count - kept) / Double(g.count))
        }
        var best = candidates[0]
        switch target {
        case .falseAcceptRate(let rate):
            precondition(rate >= 0 && rate <= 1, "false-accept rate \(rate) outside [0, 1]")
            for t in candidates where rates(t).far <= rate { best = max(best, t) }
        case .equalErrorRate:
            var gap = Double.infinity
            for t in candidates {
                let r = rates(t)
                if abs(r.far - r.frr) < gap { gap = abs(r.far - r.frr); best = t }
            }
        }
        let r = rates(best)
        return Result(threshold: best, falseAcceptRate: r.far, falseRejectRate: r.frr,
                      genuineCount: g.count, impostorCount: im.count)
    }

    /// Genuine and impostor distances of labelled samples against prototypes, from the `Q × P`
    /// distance matrix: `labels[i]` is the prototype row of sample `i`'s class, or nil when its class
    /// is not enrolled. With `perClass`, the sets for one prototype row `c` only.
    public static func distances(_ distances: Tensor, labels: [Int?], forClass c: Int? = nil) -> (genuine: [Float], impostor: [Float]) {
        precondition(distances.rank == 2 && distances.shape[0] == labels.count, "distances \(distances.shape) for \(labels.count) labels")
        var genuine: [Float] = [], impostor: [Float] = []
        for (i, label) in labels.enumerated() {
            for j in 0..<distances.shape[1] where c == nil || c == j {
                if label == j { genuine.append(distances[i, j]) } else { impostor.append(distances[i, j]) }
            }
        }
        return (genuine, impostor)
    }

    /// The number of elements of the sorted array `xs` that are `≤ t`.
    static func countAtMost(_ xs: [Float], _ t: Float) -> Int {
        var lo = 0, hi = xs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if xs[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
