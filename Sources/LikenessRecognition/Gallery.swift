import LikenessCore
import LikenessFiles

/// The classes a query can be recognised as: one prototype per enrolled class, the unit-length
/// mean of the class's unit embeddings, with the distance thresholds under which a query is
/// taken for a class (else it is "unknown").
///
/// Enrolling keeps, per class, the sum of every embedding enrolled and their number
/// (`PrototypeAccumulator`), so that shots added later move the prototype to the mean of all
/// shots, as if enrolled at once: `prototype = Σ e / ‖Σ e‖`. A gallery is pure data: the caller computes the embeddings with
/// the model whose digest the gallery records, and saves it with `save(to:)` (Gallery+File.swift).
public struct Gallery: Sendable, Equatable {
    /// A distance threshold and the rates measured at it when it was chosen.
    public struct Threshold: Sendable, Equatable {
        /// The largest Euclidean distance to a prototype at which a query is still taken for its class.
        public var distance: Float
        /// The fraction of calibration queries of other classes (or unknown ones) accepted at `distance`.
        public var falseAcceptanceRate: Double?
        /// The fraction of the class's own calibration queries rejected at `distance`.
        public var falseRejectionRate: Double?

        /// Where a class's own threshold comes from (the global one is always `.calibrated`).
        public var source: Source

        /// Where a threshold comes from.
        public enum Source: String, Sendable, Equatable, CaseIterable {
            /// Chosen from labelled images by `calibrate` (global, or per class with `--per-class`).
            case calibrated
            /// The global threshold moved by the class's shot count (`Gallery.shotThreshold`).
            case shots
        }

        public init(distance: Float, falseAcceptanceRate: Double? = nil, falseRejectionRate: Double? = nil, source: Source = .calibrated) {
            precondition(distance.isFinite && distance >= 0, "threshold distance \(distance)")
            precondition([falseAcceptanceRate, falseRejectionRate].allSatisfy { $0.map { (0...1).contains($0) } ?? true },
                         "threshold rates \(String(describing: falseAcceptanceRate)), \(String(describing: falseRejectionRate)) outside [0, 1]")
            self.distance = distance
            self.falseAcceptanceRate = falseAcceptanceRate
            self.falseRejectionRate = falseRejectionRate
            self.source = source
        }
    }

    /// What nearest-prototype decisions and thresholds compare: the raw distance `d = ‖q − p_c‖`,
    /// or the shot-adjusted distance `√max(0, d² − β_c)` (`ShotAdjustment`), which does not favour
    /// a prototype averaged over thousands of images over one made of a single image.
    public enum Score: String, Sendable, Equatable, CaseIterable {
        case raw
        case shotAdjusted = "shot-adjusted"
    }

    /// A class's prototype refined from an unlabelled pool (`Gallery.refine`).
    public struct Refinement: Sendable, Equatable {
        /// The number of pool images the refinement saw.
        public let poolSize: Int
        /// `Σ_i z_ic`: the pool's total soft assignment to the class, in images.
        public let poolWeight: Double

        public init(poolSize: Int, poolWeight: Double) {
            precondition(poolSize > 0 && poolWeight >= 0 && poolWeight.isFinite, "refinement of \(poolWeight) from \(poolSize) images")
            self.poolSize = poolSize
            self.poolWeight = poolWeight
        }
    }

    /// One enrolled class.
    public struct EnrolledClass: Sendable, Equatable {
        public let name: String
        /// `Σ e` over the unit embeddings enrolled, augmented views included (in float64, so
        /// that many shots add up exactly).
        public let sum: [Double]
        /// The number of images enrolled (shots).
        public let shotCount: Int
        /// The number of embeddings in `sum`: each shot itself and its augmented views
        /// (`shotCount` when enrolled without augmentation).
        public let viewCount: Int
        /// `Σ e / ‖Σ e‖`, the re-normalised mean of the enrolled embeddings; for a refined class,
        /// the refined prototype.
        public let prototype: [Float]
        /// The class's own threshold; nil to use the gallery's global one.
        public var threshold: Threshold?
        /// The content digests of the shots enrolled with one, in enrolment order (at most
        /// `shotCount`; shots enrolled without a digest, or before galleries kept them, have none).
        public let shotDigests: [String]
        /// How the prototype was refined from an unlabelled pool; nil: it is the shots' mean.
        public let refinement: Refinement?

        package init(name: String, sum: [Double], shotCount: Int, viewCount: Int? = nil, prototype: [Float], threshold: Threshold?,
                     shotDigests: [String] = [], refinement: Refinement? = nil) {
            precondition(shotDigests.count <= shotCount, "\(shotDigests.count) shot digests for \(shotCount) shots")
            precondition((viewCount ?? shotCount) >= shotCount, "\(viewCount ?? 0) views for \(shotCount) shots")
            self.name = name
            self.sum = sum
            self.shotCount = shotCount
            self.viewCount = viewCount ?? shotCount
            self.prototype = prototype
            self.threshold = threshold
            self.shotDigests = shotDigests
            self.refinement = refinement
        }

        /// `n_eff = n + Σ_i z_ic`: the shots and, for a refined class, the pool's soft assignment
        /// to it, the number of images its prototype averages.
        public var effectiveShotCount: Double { Double(shotCount) + (refinement?.poolWeight ?? 0) }
    }

    /// The digest of the model archive whose embeddings the gallery holds.
    public let modelDigest: String
    /// `D`, the length of the embeddings and prototypes.
    public let dimension: Int
    /// The enrolled classes, in enrolment order.
    public private(set) var classes: [EnrolledClass]
    /// The threshold of classes without one of their own; nil accepts every nearest class.
    public var globalThreshold: Threshold?
    /// What decisions and thresholds compare (`Gallery.defaultScore` for a new gallery). The
    /// thresholds are on its scale: `calibrate` chooses it and the thresholds together.
    public var score: Score = Gallery.defaultScore

    /// The score of a new gallery, and of the one-shot measure: raw. Chosen on validation images
    /// (the demo's network; known classes from FMNIST-LT, each novel class from one of 250
    /// validation images, 20 draws, the other 2,500 validation images classified): the
    /// shot-adjusted score raises Sandal's recall 0.20 → 0.28 and Sneaker's 0.55 → 0.65 but lowers
    /// the known classes' 0.845 → 0.813, and the 10-way accuracy (the mean recall) 0.751 → 0.744.
    public static let defaultScore = Score.raw

    /// An empty gallery for `D`-dimensional embeddings of the model with `modelDigest`.
    public init(modelDigest: String, dimension: Int) {
        precondition(dimension > 0, "gallery of \(dimension)-dimensional embeddings")
        precondition(!modelDigest.utf8.contains(0), "model digest with a NUL character")
        self.modelDigest = modelDigest
        self.dimension = dimension
        classes = []
    }

    package init(modelDigest: String, dimension: Int, classes: [EnrolledClass], globalThreshold: Threshold?, score: Score) {
        self.init(modelDigest: modelDigest, dimension: dimension)
        self.classes = classes
        self.globalThreshold = globalThreshold
        self.score = score
    }

    /// The enrolled class named `name`, if any.
    public subscript(name: String) -> EnrolledClass? { classes.first { $0.name == name } }

    /// The names of the enrolled classes, in enrolment order.
    public var classNames: [String] { classes.map(\.name) }

    /// The prototypes as a `C × D` tensor, row `c` that of `classes[c]`.
    public var prototypes: Tensor {
        Tensor(shape: [classes.count, dimension], scalars: classes.flatMap(\.prototype))
    }

    /// The threshold in force for the class `name`: its own, else the global one.
    public func threshold(forClass name: String) -> Threshold? {
        self[name]?.threshold ?? globalThreshold
    }

    /// Which threshold decides for a class.
    public enum ThresholdInForce: String, Sendable, Equatable {
        /// The gallery's global threshold.
        case global
        /// The class's own, calibrated on its labelled images.
        case `class`
        /// The class's own, moved from the global one by its shot count.
        case shots
        /// None: every nearest class is accepted.
        case none
    }

    /// Which threshold is in force for the class `name` (as `threshold(forClass:)` picks it).
    public func thresholdInForce(forClass name: String) -> ThresholdInForce {
        if let own = self[name]?.threshold { return own.source == .shots ? .shots : .class }
        return globalThreshold == nil ? .none : .global
    }

    // MARK: Enrolment

    /// Enrols the rows of `embeddings` (`N × D`, unit length) as shots of the class `name`,
    /// adding them to the class's earlier shots if it is enrolled already.
    ///
    /// - Throws: `EnrollmentError.dimensionMismatch` if the rows are not `D` wide, `.invalidValue`
    ///   if there are none, a row is not of unit length, the name is empty or holds NUL, or the
    ///   shots cancel out (a zero mean has no direction); the gallery is unchanged then.
    public mutating func enroll(name: String, embeddings: Tensor) throws {
        precondition(embeddings.rank == 2, "embeddings of shape \(embeddings.shape), expected N×D")
        guard embeddings.shape[0] > 0 else {
            throw EnrollmentError(.invalidValue, field: "embeddings", expected: "at least one embedding", found: "none")
        }
        try enroll(embeddings: embeddings, labels: [Int](repeating: 0, count: embeddings.shape[0]), classNames: [name])
    }

    /// Enrols every class that has labelled rows in `embeddings` (`N × D`, unit length), with
    /// `labels` indexing `classNames` (−1 for rows to skip): one prototype per class, merged
    /// with the class's earlier shots if it is enrolled already.
    ///
    /// - Throws: as `enroll(name:embeddings:)`, and `.invalidValue` for a label outside
    ///   −1..<`classNames.count`; the gallery is unchanged then.
    public mutating func enroll(embeddings: Tensor, labels: [Int], classNames: [String]) throws {
        var shots = PrototypeAccumulator(dimension: dimension, classCount: classNames.count)
        try shots.add(embeddings: embeddings, labels: labels)
        try enroll(shots, classNames: classNames)
    }

    /// Enrols the rows of `embeddings` as `enroll(embeddings:labels:classNames:)` does, shot `i`
    /// (rows `i·V ..< (i+1)·V`, `V = viewsPerShot`: the image and its augmented views) having
    /// the content digest `digests[i]` (of the image it was computed from), and skips every
    /// shot whose digest its class already holds, from earlier enrolments or an earlier shot of
    /// this call: enrolling one image twice counts it once. The digests enrolled are kept with
    /// their class.
    ///
    /// - Returns: the indices of the shots skipped, in order.
    /// - Throws: as `enroll(embeddings:labels:classNames:)`; the gallery is unchanged then.
    @discardableResult
    public mutating func enroll(embeddings: Tensor, labels: [Int], classNames: [String], digests: [String],
                                viewsPerShot: Int = 1) throws -> [Int] {
        precondition(digests.count == labels.count, "\(digests.count) digests for \(labels.count) labels")
        precondition(digests.allSatisfy { !$0.isEmpty && !$0.utf8.contains(0) }, "an empty shot digest or one with NUL")
        var held = classNames.map { Set(self[$0]?.shotDigests ?? []) }
        var added = [[String]](repeating: [], count: classNames.count)
        var kept = labels
        var skipped: [Int] = []
        for (row, label) in labels.enumerated() where classNames.indices.contains(label) {
            if held[label].insert(digests[row]).inserted {
                added[label].append(digests[row])
            } else {
                kept[row] = -1
                skipped.append(row)
            }
        }
        var shots = PrototypeAccumulator(dimension: dimension, classCount: classNames.count)
        try shots.add(embeddings: embeddings, labels: kept, viewsPerShot: viewsPerShot)
        try enroll(shots, classNames: classNames, digests: added)
        return skipped
    }

    /// Removes the class `name`; throws `EnrollmentError.unknownClass` if it is not enrolled.
    public mutating func remove(className name: String) throws {
        guard let index = classes.firstIndex(where: { $0.name == name }) else { throw unknownClass(name) }
        classes.remove(at: index)
    }

    /// Sets the class `name`'s own threshold (nil: use the global one); throws
    /// `EnrollmentError.unknownClass` if it is not enrolled.
    public mutating func setThreshold(_ threshold: Threshold?, forClass name: String) throws {
        guard let index = classes.firstIndex(where: { $0.name == name }) else { throw unknownClass(name) }
        classes[index].threshold = threshold
    }

    private func unknownClass(_ name: String) -> EnrollmentError {
        EnrollmentError(.unknownClass, field: "class name",
                        expected: "one of \(describe(names: classNames))", found: "\"\(name)\"")
    }

    /// Enrols the shots gathered in `shots`, label `l` as the class `classNames[l]`: adds their
    /// sums and counts to the classes enrolled already, enrols the others at the end, after
    /// checking everything, so that an error leaves the gallery as it was. A refined class that
    /// gets new shots goes back to its shots' mean (refine it again to use the pool).
    ///
    /// - Throws: `EnrollmentError.invalidValue` for an empty name or one with NUL, or shots
    ///   that cancel out.
    public mutating func enroll(_ shots: PrototypeAccumulator, classNames: [String]) throws {
        try enroll(shots, classNames: classNames, digests: classNames.map { _ in [] })
    }

    /// `enroll(_:classNames:)`, adding `digests[l]` to the shot digests of the class `classNames[l]`.
    private mutating func enroll(_ shots: PrototypeAccumulator, classNames: [String], digests: [[String]]) throws {
        precondition(digests.count == classNames.count, "digests of \(digests.count) classes for \(classNames.count) names")
        precondition(shots.dimension == dimension && shots.counts.count == classNames.count,
                     "shots of \(shots.counts.count) classes in \(shots.dimension) dimensions for \(classNames.count) names in \(dimension)")
        var updated = classes
        for (label, name) in classNames.enumerated() where shots.counts[label] > 0 {
            if name.isEmpty || name.utf8.contains(0) {
                throw EnrollmentError(.invalidValue, field: "class name",
                                      expected: "a non-empty name without NUL characters", found: "\"\(name)\"")
            }
            let index = updated.firstIndex { $0.name == name }
            let previous = index.map { updated[$0] }
            let sum = zip(previous?.sum ?? [Double](repeating: 0, count: dimension), shots.sums[label]).map { $0 + $1 }
            let prototype = try PrototypeAccumulator.prototype(fromSum: sum, className: name)
            let enrolled = EnrolledClass(name: name, sum: sum, shotCount: (previous?.shotCount ?? 0) + shots.counts[label],
                                         viewCount: (previous?.viewCount ?? 0) + shots.viewCounts[label], prototype: prototype,
                                         threshold: previous?.threshold, shotDigests: (previous?.shotDigests ?? []) + digests[label])
            if let index { updated[index] = enrolled } else { updated.append(enrolled) }
        }
        classes = updated
    }

    /// Replaces the prototype of the class at `index` by `prototype` (unit length), refined as
    /// `refinement` says (nil: the shots' mean).
    mutating func setRefinedPrototype(_ prototype: [Float], refinement: Refinement?, ofClassAt index: Int) {
        let c = classes[index]
        classes[index] = EnrolledClass(name: c.name, sum: c.sum, shotCount: c.shotCount, viewCount: c.viewCount, prototype: prototype,
                                       threshold: c.threshold, shotDigests: c.shotDigests, refinement: refinement)
    }
}
