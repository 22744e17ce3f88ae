import LikenessCore

/// New classes among unlabelled images (novel class discovery), found in the embedding space of
/// a network trained on the known classes, to be trained on as classes of their own:
///
/// 1. **unknown rows**: the pool rows farther from every known prototype than `τ`, the
///    `acceptedFraction` quantile of the known validation rows' distances to their nearest
///    prototype (a threshold that accepts that fraction of known images);
/// 2. **parts of known classes left out**: k-means with `subclusters` clusters of the unknown rows;
///    a cluster whose centre (its mean, normalised) lies nearer a known prototype than the two
///    nearest known prototypes lie to each other belongs to that class, and its rows are dropped;
/// 3. **new classes**: the rows left, in `newClasses` clusters by k-means.
///
/// Why: supervised training on the known classes pulls images of unseen classes onto them, and a
/// class enrolled from one image is then recognised only as well as its images already cluster.
/// Images far from every known class, grouped and trained on as classes, are pushed apart from
/// the known classes and from each other. The labels of the pool, if it has any, are never read;
/// the number of new classes is the one thing the caller states.
public struct ClassDiscovery: Sendable, Equatable {
    /// How many new classes the pool holds.
    public var newClasses: Int
    /// The fraction of known validation images the unknown-image threshold accepts.
    public var acceptedFraction: Double
    /// k-means clusters of the unknown rows in step 2.
    public var subclusters: Int
    /// Seeds both k-means.
    public var seed: UInt64

    public init(newClasses: Int, acceptedFraction: Double = 0.95, subclusters: Int = 10, seed: UInt64 = 0) {
        precondition(newClasses >= 1 && subclusters >= newClasses, "\(newClasses) new classes from \(subclusters) subclusters")
        precondition(acceptedFraction > 0 && acceptedFraction < 1, "accepted fraction \(acceptedFraction) outside (0, 1)")
        self.newClasses = newClasses
        self.acceptedFraction = acceptedFraction
        self.subclusters = subclusters
        self.seed = seed
    }

    /// What was found, with the figures of each step.
    public struct Result: Sendable, Equatable {
        /// Pool rows of each new class, ascending.
        public let classes: [[Int]]
        /// `τ`, the distance to the nearest known prototype past which a pool row is unknown.
        public let threshold: Float
        /// Pool rows past `τ`.
        public let unknownCount: Int
        /// Unknown rows dropped in step 2 as parts of known classes.
        public let droppedCount: Int
        /// The distance between the two nearest known prototypes.
        public let knownSeparation: Float
    }

    /// Finds the new classes among `pool`'s rows.
    ///
    /// - Parameters:
    ///   - prototypes: the known classes' prototypes, `C × D` unit rows (`C ≥ 2`).
    ///   - validation: embeddings of held-out known-class images, `V × D`.
    ///   - pool: embeddings of the unlabelled images, `N × D`.
    /// - Throws: `EnrollmentError.invalidValue` when no validation row is given, or when too few
    ///   pool rows are left at step 1 or 3 to make the clusters of the next step.
    public func discover(prototypes: Tensor, validation: Tensor, pool: Tensor) throws -> Result {
        precondition(prototypes.rank == 2 && prototypes.shape[0] >= 2, "prototypes of shape \(prototypes.shape): expected C × D, C ≥ 2")
        precondition(validation.rank == 2 && pool.rank == 2 && validation.shape[1] == prototypes.shape[1] && pool.shape[1] == prototypes.shape[1],
                     "validation \(validation.shape) and pool \(pool.shape) against prototypes \(prototypes.shape)")
        guard validation.shape[0] > 0 else {
            throw EnrollmentError(.invalidValue, field: "validation embeddings", expected: "at least one known-class image", found: "none")
        }
        let held = Self.nearestDistances(validation, prototypes).sorted()
        let threshold = held[min(held.count - 1, Int((acceptedFraction * Double(held.count)).rounded(.up)) - 1)]
        let poolDistances = Self.nearestDistances(pool, prototypes)
        let unknown = poolDistances.indices.filter { poolDistances[$0] > threshold }
        guard unknown.count >= subclusters else {
            throw EnrollmentError(.invalidValue, field: "pool", expected: "at least \(subclusters) images farther than \(threshold) from every known class",
                                  found: "\(unknown.count)")
        }
        let between = SquaredDistances.cross(prototypes, prototypes)
        var separation = Float.infinity
        for i in 0..<prototypes.shape[0] {
            for j in 0..<prototypes.shape[0] where j != i { separation = min(separation, between[i, j].squareRoot()) }
        }
        // The parts' centres are prototypes of their rows, as enrolment makes them.
        let unknownRows = pool.rows(at: unknown)
        let partition = KMeans(clusterCount: subclusters, seed: seed).fit(unknownRows)
        var centres = PrototypeAccumulator(dimension: pool.shape[1], classCount: subclusters)
        try centres.add(embeddings: unknownRows, labels: partition.assignment)
        let parts = partition.members.enumerated().filter { !$0.element.isEmpty }
        let centreDistances = Self.nearestDistances(
            try centres.prototypes(ofClasses: parts.map(\.offset), classNames: (0..<subclusters).map { "part \($0 + 1)" }), prototypes)
        let kept = zip(parts, centreDistances).filter { $0.1 > separation }.flatMap { $0.0.element.map { unknown[$0] } }.sorted()
        guard kept.count >= newClasses else {
            throw EnrollmentError(.invalidValue, field: "pool",
                                  expected: "at least \(newClasses) unknown images in parts apart from the known classes (a network that folds new classes onto known ones leaves none)",
                                  found: "\(kept.count) of the \(unknown.count) unknown images")
        }
        let classes = KMeans(clusterCount: newClasses, restarts: 8, seed: seed &+ 1).fit(pool.rows(at: kept)).members
            .map { $0.map { kept[$0] } }
        return Result(classes: classes, threshold: threshold, unknownCount: unknown.count,
                      droppedCount: unknown.count - kept.count, knownSeparation: separation)
    }

    /// `discover(prototypes:validation:pool:)` with a prototype for each label of `labels` (at
    /// least 2), made of the rows of `known` (`N × D`) as enrolment makes them.
    public func discover(known: Tensor, labels: [Int], validation: Tensor, pool: Tensor) throws -> Result {
        precondition(known.rank == 2 && known.shape[0] == labels.count && labels.allSatisfy { $0 >= 0 },
                     "\(labels.count) labels for known rows of shape \(known.shape)")
        let classes = Array(Set(labels)).sorted()
        let classCount = (classes.last ?? -1) + 1
        var accumulator = PrototypeAccumulator(dimension: known.shape[1], classCount: classCount)
        try accumulator.add(embeddings: known, labels: labels)
        let prototypes = try accumulator.prototypes(ofClasses: classes, classNames: (0..<classCount).map { "class \($0)" })
        return try discover(prototypes: prototypes, validation: validation, pool: pool)
    }

    /// Each row's distance to its nearest prototype.
    static func nearestDistances(_ rows: Tensor, _ prototypes: Tensor) -> [Float] {
        let all = SquaredDistances.cross(rows, prototypes)
        return (0..<rows.shape[0]).map { i in (0..<prototypes.shape[0]).map { all[i, $0] }.min()!.squareRoot() }
    }
}
