import LikenessCore

/// Nearest-prototype classification with a rejection threshold: a query `q` gets the class `c*`
/// of its nearest prototype, `c* = argmin_c ‖q − p_c‖₂` (ties to the lower row), when
/// `‖q − p_c*‖₂ ≤ τ_c*`, and is `unknown` otherwise.
///
/// Prototypes are unit vectors (`P × D`), one per enrolled class; queries are unit embeddings
/// (`Q × D`). Distances are `√ SquaredDistances.cross`: for one query and one prototype the
/// same `Float` as `calibrate` thresholds and `query` reports for the pair.
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

    /// The gallery's prototypes, class names and thresholds in force (each class's own, else the
    /// global one); `rejecting: false` leaves every threshold out (the nearest class always answers).
    public init(gallery: Gallery, rejecting: Bool = true) {
        self.init(prototypes: gallery.prototypes, classNames: gallery.classNames,
                  thresholds: gallery.classNames.map { rejecting ? gallery.threshold(forClass: $0)?.distance : nil })
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

    /// `Q × P` Euclidean distances between the rows of `a` (`Q × D`) and of `b` (`P × D`):
    /// `√ SquaredDistances.cross(a, b)`.
    public static func distances(_ a: Tensor, _ b: Tensor) -> Tensor {
        var d = SquaredDistances.cross(a, b)
        d.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = p[i].squareRoot() }
        }
        return d
    }

    public func classify(_ queries: Tensor) -> [Prediction] {
        classify(distances: distances(queries))
    }

    /// The answers for queries whose `Q × P` distances to the prototypes are `distances`.
    public func classify(distances dist: Tensor) -> [Prediction] {
        let p = classNames.count
        precondition(dist.rank == 2 && dist.shape[1] == p, "distances of shape \(dist.shape) for \(p) prototypes")
        return (0..<dist.shape[0]).map { i in
            var best = 0
            for j in 1..<max(p, 1) where dist[i, j] < dist[i, best] { best = j }
            let d = dist[i, best]
            let accepted = thresholds[best].map { d <= $0 } ?? true
            return Prediction(nearest: best, distance: d, accepted: accepted ? best : nil)
        }
    }
}
