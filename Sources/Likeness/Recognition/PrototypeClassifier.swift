import LikenessCore

/// Nearest-prototype classification with a rejection threshold: a query `q` gets the class `c*`
/// of its nearest prototype, `c* = argmin_c ‖q − p_c‖₂`, when `‖q − p_c*‖₂ ≤ τ_c*`, and is
/// `unknown` otherwise.
///
/// Prototypes are unit vectors (`P × D`), one per enrolled class; queries are unit embeddings
/// (`Q × D`). Distances come from one matrix product: `‖q − p‖² = ‖q‖² + ‖p‖² − 2 q·p`.
public struct PrototypeClassifier: Sendable {
    /// One unit vector per class, `P × D`.
    public let prototypes: Tensor
    /// The class names, by prototype row.
    public let classNames: [String]
    /// The distance above which a query is `unknown`, per class (nil: never unknown).
    public var thresholds: [Float?]

    public init(prototypes: Tensor, classNames: [String], thresholds: [Float?]? = nil) {
        precondition(prototypes.rank == 2 && prototypes.shape[0] == classNames.count,
                     "\(classNames.count) class names for prototypes of shape \(prototypes.shape)")
        precondition(thresholds.map { $0.count == classNames.count } ?? true, "one threshold per class")
        self.prototypes = prototypes
        self.classNames = classNames
        self.thresholds = thresholds ?? Array(repeating: nil, count: classNames.count)
    }

    /// The answer for one query.
    public struct Prediction: Sendable, Equatable {
        /// The nearest class, whether or not it is within its threshold.
        public let nearest: Int
        /// The distance to the nearest class's prototype.
        public let distance: Float
        /// The nearest class if within its threshold, nil for `unknown`.
        public let accepted: Int?
    }

    /// `Q × P` Euclidean distances from each query to each prototype.
    public func distances(_ queries: Tensor) -> Tensor {
        Self.distances(queries, prototypes)
    }

    /// `Q × P` Euclidean distances between the rows of `a` (`Q × D`) and of `b` (`P × D`).
    public static func distances(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "distances between \(a.shape) and \(b.shape)")
        let q = a.shape[0], p = b.shape[0], d = a.shape[1]
        let na = rowSquaredNorms(a), nb = rowSquaredNorms(b)
        return Tensor(shape: [q, p]) { out in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    GEMM.multiply(.none, .transposed, m: q, n: p, k: d, alpha: -2,
                                  a: ap.baseAddress!, b: bp.baseAddress!, c: out.baseAddress!)
                }
            }
            for i in 0..<q {
                for j in 0..<p { out[i * p + j] = max(out[i * p + j] + na[i] + nb[j], 0).squareRoot() }
            }
        }
    }

    static func rowSquaredNorms(_ t: Tensor) -> [Float] {
        let n = t.shape[0], d = t.shape[1]
        return t.withUnsafeBufferPointer { p in
            (0..<n).map { i in
                var s: Float = 0
                for j in 0..<d { s += p[i * d + j] * p[i * d + j] }
                return s
            }
        }
    }

    public func classify(_ queries: Tensor) -> [Prediction] {
        let dist = distances(queries)
        let p = classNames.count
        return (0..<queries.shape[0]).map { i in
            var best = 0
            for j in 1..<max(p, 1) where dist[i, j] < dist[i, best] { best = j }
            let d = dist[i, best]
            let accepted = thresholds[best].map { d <= $0 } ?? true
            return Prediction(nearest: best, distance: d, accepted: accepted ? best : nil)
        }
    }
}
