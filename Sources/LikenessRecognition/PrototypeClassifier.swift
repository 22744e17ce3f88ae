import LikenessCore

/// Nearest-prototype classification with a rejection threshold: a query `q` gets the class `c*`
/// of its best score, `c* = argmin_c s_c(q)`, `s_c(q) = √max(0, ‖q − p_c‖₂² − β_c)` (ties to the
/// lower row), when `s_c*(q) ≤ τ_c*`, and is `unknown` otherwise. The offsets `β_c` are 0 for
/// the raw score (`s_c = ‖q − p_c‖₂`, exactly), `Gallery.scoreOffsets` for the shot-adjusted one.
///
/// Prototypes are unit vectors (`P × D`), one per enrolled class; queries are unit embeddings
/// (`Q × D`). Distances are `√ SquaredDistances.cross`: for one query and one prototype the
/// same `Float` as `calibrate` thresholds and `query` reports for the pair.
public struct PrototypeClassifier: Sendable {
    /// One unit vector per class, `P × D`.
    public let prototypes: Tensor
    /// The class names, by prototype row.
    public let classNames: [String]
    /// The score above which a query is `unknown`, per class (nil: never unknown).
    public var thresholds: [Float?]
    /// `β_c`, subtracted from the squared distance to class `c`'s prototype (0: the raw distance).
    public let offsets: [Float]

    public init(prototypes: Tensor, classNames: [String], thresholds: [Float?]? = nil, offsets: [Float]? = nil) {
        precondition(prototypes.rank == 2 && prototypes.shape[0] == classNames.count,
                     "\(classNames.count) class names for prototypes of shape \(prototypes.shape)")
        precondition(thresholds.map { $0.count == classNames.count } ?? true, "one threshold per class")
        precondition(offsets.map { $0.count == classNames.count && $0.allSatisfy { $0 >= 0 && $0.isFinite } } ?? true,
                     "one finite offset of 0 or more per class")
        self.prototypes = prototypes
        self.classNames = classNames
        self.thresholds = thresholds ?? Array(repeating: nil, count: classNames.count)
        self.offsets = offsets ?? Array(repeating: 0, count: classNames.count)
    }

    /// The gallery's prototypes, class names, score offsets (`Gallery.scoreOffsets`) and thresholds
    /// in force (each class's own, else the global one); `rejecting: false` leaves every threshold
    /// out (the nearest class always answers).
    public init(gallery: Gallery, rejecting: Bool = true) {
        self.init(prototypes: gallery.prototypes, classNames: gallery.classNames,
                  thresholds: gallery.classNames.map { rejecting ? gallery.threshold(forClass: $0)?.distance : nil },
                  offsets: gallery.scoreOffsets)
    }

    /// The answer for one query.
    public struct Prediction: Sendable, Equatable {
        /// The class of the best score, whether or not it is within its threshold.
        public let nearest: Int
        /// The raw distance to that class's prototype.
        public let distance: Float
        /// Its score, which the threshold is compared with (`distance` for the raw score).
        public let score: Float
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

    /// `s_c = √max(0, d² − β_c)` for the distance `d` to class `c`'s prototype: `d` itself when `β_c = 0`.
    public func score(distance d: Float, toClass c: Int) -> Float {
        offsets[c] == 0 ? d : max(0, d * d - offsets[c]).squareRoot()
    }

    /// `Q × P` scores from the `Q × P` distances to the prototypes.
    public func scores(distances: Tensor) -> Tensor {
        precondition(distances.rank == 2 && distances.shape[1] == classNames.count, "distances of shape \(distances.shape) for \(classNames.count) prototypes")
        guard offsets.contains(where: { $0 != 0 }) else { return distances }
        var out = distances
        let p = classNames.count
        out.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] = score(distance: values[i], toClass: i % p) }
        }
        return out
    }

    /// The answers for queries whose `Q × P` distances to the prototypes are `distances`.
    public func classify(distances dist: Tensor) -> [Prediction] {
        let p = classNames.count
        precondition(dist.rank == 2 && dist.shape[1] == p, "distances of shape \(dist.shape) for \(p) prototypes")
        let scores = scores(distances: dist)
        return (0..<dist.shape[0]).map { i in
            var best = 0
            for j in 1..<max(p, 1) where scores[i, j] < scores[i, best] { best = j }
            let s = scores[i, best]
            let accepted = thresholds[best].map { s <= $0 } ?? true
            return Prediction(nearest: best, distance: dist[i, best], score: s, accepted: accepted ? best : nil)
        }
    }
}
