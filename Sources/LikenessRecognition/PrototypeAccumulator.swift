import LikenessCore

/// Class prototypes from unit embeddings: per class the sum `Σ e` (in float64, so that many
/// shots add up exactly, in any order of chunks) and the count, and the prototype
/// `p = Σ e / ‖Σ e‖`, the re-normalised mean (the mean and the sum point the same way).
///
/// The one place prototypes are made: the gallery's enrolment, the one-shot evaluation and the
/// benchmarks all add their shots here, so the figures measure the code `enroll` runs.
public struct PrototypeAccumulator: Sendable, Equatable {
    /// `D`, the length of the embeddings.
    public let dimension: Int
    /// `Σ e` per class label.
    public private(set) var sums: [[Double]]
    /// The number of shots (images) added per class label.
    public private(set) var counts: [Int]
    /// The number of embeddings added per class label: each shot and its augmented views.
    public private(set) var viewCounts: [Int]

    /// The length under which a sum has no direction: its shots cancel out.
    public static let smallestSumLength = 1e-9

    /// Empty sums for `classCount` labels of `D`-dimensional embeddings.
    public init(dimension: Int, classCount: Int) {
        precondition(dimension > 0 && classCount >= 0, "prototypes of \(classCount) classes in \(dimension) dimensions")
        self.dimension = dimension
        sums = Array(repeating: [Double](repeating: 0, count: dimension), count: classCount)
        counts = Array(repeating: 0, count: classCount)
        viewCounts = counts
    }

    /// Adds the rows of `embeddings` (unit length) to the sums of their shots' `labels` (−1:
    /// skip the shot): shot `i` is the rows `i·V ..< (i+1)·V`, `V = viewsPerShot` (the image
    /// itself and its augmented views), so `embeddings` is `(N·V) × D` for `N` labels.
    ///
    /// - Parameter filePath: the file the rows come from, for the errors.
    /// - Throws: `EnrollmentError.dimensionMismatch` if the rows are not `D` wide; `.invalidValue`
    ///   for a label outside −1..<`classCount` or a row not of unit length. Nothing is added then.
    public mutating func add(embeddings: Tensor, labels: [Int], viewsPerShot: Int = 1, filePath: String? = nil) throws {
        precondition(viewsPerShot >= 1, "\(viewsPerShot) views per shot")
        precondition(embeddings.rank == 2 && embeddings.shape[0] == labels.count * viewsPerShot,
                     "\(labels.count) labels of \(viewsPerShot) views each for embeddings of shape \(embeddings.shape)")
        guard embeddings.shape[1] == dimension else {
            throw EnrollmentError(.dimensionMismatch, filePath: filePath, field: "embeddings",
                                  expected: "\(dimension) (the gallery's)", found: "\(embeddings.shape[1])")
        }
        if let row = labels.firstIndex(where: { !(-1..<counts.count).contains($0) }) {
            throw EnrollmentError(.invalidValue, filePath: filePath, field: "labels",
                                  expected: "labels in -1..<\(counts.count) (the class list)", found: "\(labels[row]) in row \(row)")
        }
        if let (row, length) = embeddings.firstRowNotUnitLength() {
            throw EnrollmentError(.invalidValue, filePath: filePath, field: "embeddings",
                                  expected: "unit-length embeddings", found: "length \(length) in row \(row)")
        }
        embeddings.withUnsafeBufferPointer { values in
            for (shot, label) in labels.enumerated() where label >= 0 {
                for row in (shot * viewsPerShot)..<((shot + 1) * viewsPerShot) {
                    for j in 0..<dimension { sums[label][j] += Double(values[row * dimension + j]) }
                }
                counts[label] += 1
                viewCounts[label] += viewsPerShot
            }
        }
    }

    /// `sum / ‖sum‖` in float32: the prototype of shots whose embeddings add up to `sum`.
    ///
    /// - Parameter className: the class, for the error.
    /// - Throws: `EnrollmentError.invalidValue` when `‖sum‖ ≤ smallestSumLength` (no shots, or
    ///   shots that cancel out: a zero mean has no direction) or is not finite.
    public static func prototype(fromSum sum: [Double], className: String) throws -> [Float] {
        let length = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > smallestSumLength, length.isFinite else {
            throw EnrollmentError(.invalidValue, field: "embeddings of \"\(className)\"",
                                  expected: "shots with a mean of non-zero length",
                                  found: sum.allSatisfy { $0 == 0 } ? "no shots, or shots that cancel out" : "shots that cancel out")
        }
        return sum.map { Float($0 / length) }
    }

    /// The prototypes of `classes` (labels), in that order: `classes.count × D`.
    ///
    /// - Parameter classNames: the name of each label, for the errors.
    /// - Throws: as `prototype(fromSum:className:)`, for a class without shots too.
    public func prototypes(ofClasses classes: [Int], classNames: [String]) throws -> Tensor {
        var rows: [Float] = []
        rows.reserveCapacity(classes.count * dimension)
        for c in classes {
            precondition(counts.indices.contains(c), "class \(c) outside 0..<\(counts.count)")
            rows += try Self.prototype(fromSum: sums[c], className: classNames[c])
        }
        return Tensor(shape: [classes.count, dimension], scalars: rows)
    }
}
