import Foundation
import LikenessCore

/// How many images of each class to keep, to make an imbalanced (long-tailed) set from a
/// balanced one. Applying a profile gives index lists, never copies of pixels.
///
/// `maxCount` (n_max) is the count of the largest class; when nil it is the largest n_max that
/// every class's available images allow (n_max · n_c / n_max ≤ available_c for each class).
public struct ImbalanceProfile: Sendable, Equatable {
    /// The rule that gives each class's count from n_max.
    public enum Shape: Sendable, Equatable {
        /// n_c = round(n_max · p_c / max p): explicit proportions, one per class.
        case proportions([Double])
        /// n_c given outright; a `maxCount` rescales them so that the largest becomes n_max.
        case counts([Int])
        /// n_c = round(n_max · ratio^(−c/(C−1))): an exponential long tail from class 0 down to
        /// class C−1, whose imbalance ratio is `ratio` (Cui et al. 2019, "CIFAR-10-LT").
        case exponential(ratio: Double)
        /// n_c = round(n_max / ratio) for the minority classes, n_max for the others (Buda et al.
        /// 2018); nil minority classes: the last ⌊C/2⌋.
        case step(ratio: Double, minorityClasses: [Int]?)
        /// Two classes at `ratio`:1 (n_max and round(n_max / ratio)); every other class gets 0.
        case binary(ratio: Double, majorityClass: Int, minorityClass: Int)
    }

    /// A name for reports (`fmnist-lt`, `exponential-100`, …).
    public var name: String
    public var shape: Shape
    /// The count of the largest class; nil: the largest that every class's images allow.
    public var maxCount: Int?

    /// - Precondition: ratios at least 1, proportions and counts non-negative, `maxCount` positive.
    public init(name: String, shape: Shape, maxCount: Int? = nil) {
        switch shape {
        case .proportions(let p):
            precondition(!p.isEmpty && p.allSatisfy { $0 >= 0 && $0.isFinite } && p.contains { $0 > 0 },
                         "proportions must be non-negative with at least one positive: \(p)")
        case .counts(let n):
            precondition(!n.isEmpty && n.allSatisfy { $0 >= 0 }, "counts must be non-negative: \(n)")
        case .exponential(let ratio), .step(let ratio, _), .binary(let ratio, _, _):
            precondition(ratio >= 1 && ratio.isFinite, "imbalance ratio must be at least 1, got \(ratio)")
        }
        if case .binary(_, let majority, let minority) = shape {
            precondition(majority != minority && majority >= 0 && minority >= 0,
                         "binary profile needs two different classes, got \(majority) and \(minority)")
        }
        precondition(maxCount.map { $0 > 0 } ?? true, "maxCount must be positive, got \(maxCount!)")
        self.name = name
        self.shape = shape
        self.maxCount = maxCount
    }

    /// Which images of a class are kept when a class keeps fewer than it has.
    public enum Selection: Sendable, Equatable {
        /// The first n_c images of the class, in file order.
        case fileOrder
        /// n_c images of the class drawn without replacement with `seed`.
        case random(seed: UInt64)
    }

    /// The number of images each class keeps, given how many each class has available.
    ///
    /// - Throws: `ImbalanceProfileError.classCountMismatch` when the profile lists a different
    ///   number of classes, `.unknownClass` when it names a class the dataset lacks,
    ///   `.notEnoughImages` when a class has fewer images than the profile asks for.
    public func classCounts(available: [Int]) throws -> [Int] {
        let classCount = available.count
        let fractions = try classFractions(classCount: classCount)
        let nMax: Int
        if let maxCount {
            nMax = maxCount
        } else if case .counts(let n) = shape {
            nMax = n.max()!
        } else {
            // The largest n_max every class's images allow: n_max · f_c ≤ available_c.
            nMax = fractions.indices.filter { fractions[$0] > 0 }
                .map { Int((Double(available[$0]) / fractions[$0] + 1e-9).rounded(.down)) }.min() ?? 0
        }
        let counts = fractions.map { Int((Double(nMax) * $0).rounded()) }
        for c in 0..<classCount where counts[c] > available[c] {
            throw ImbalanceProfileError.notEnoughImages(profile: name, classIndex: c, requested: counts[c],
                                                        available: available[c])
        }
        return counts
    }

    /// Each class's count as a fraction of n_max (1 for the largest class, 0 for dropped ones).
    private func classFractions(classCount: Int) throws -> [Double] {
        func checkClass(_ c: Int) throws {
            guard c >= 0 && c < classCount else {
                throw ImbalanceProfileError.unknownClass(profile: name, classIndex: c, classCount: classCount)
            }
        }
        switch shape {
        case .counts(let n):
            guard n.count == classCount else {
                throw ImbalanceProfileError.classCountMismatch(profile: name, expected: classCount, found: n.count)
            }
            let largest = Double(max(n.max()!, 1))
            return n.map { Double($0) / largest }
        case .proportions(let p):
            guard p.count == classCount else {
                throw ImbalanceProfileError.classCountMismatch(profile: name, expected: classCount, found: p.count)
            }
            let largest = p.max()!
            return p.map { $0 / largest }
        case .exponential(let ratio):
            guard classCount >= 2 else { return [Double](repeating: 1, count: classCount) }
            return (0..<classCount).map { pow(ratio, -Double($0) / Double(classCount - 1)) }
        case .step(let ratio, let minorityClasses):
            let minority = minorityClasses ?? Array((classCount - classCount / 2)..<classCount)
            for c in minority { try checkClass(c) }
            return (0..<classCount).map { minority.contains($0) ? 1 / ratio : 1 }
        case .binary(let ratio, let majority, let minority):
            try checkClass(majority)
            try checkClass(minority)
            return (0..<classCount).map { $0 == majority ? 1 : $0 == minority ? 1 / ratio : 0 }
        }
    }

    /// The images the profile keeps, as sorted indices into `labels`.
    ///
    /// - Parameters:
    ///   - labels: the class of each image.
    ///   - classCount: the number of classes.
    ///   - pool: the images the profile may take (indices into `labels`, e.g. a split's
    ///     training part); nil for all.
    ///   - selection: which images of a class are kept.
    /// - Throws: any `ImbalanceProfileError` of `classCounts(available:)`.
    public func apply(labels: [Int], classCount: Int, pool: [Int]? = nil,
                      selection: Selection = .fileOrder) throws -> [Int] {
        var members = [[Int]](repeating: [], count: classCount)
        for i in (pool ?? Array(labels.indices)).sorted() {
            let label = labels[i]
            precondition(label >= 0 && label < classCount, "label \(label) of image \(i) outside 0..<\(classCount)")
            members[label].append(i)
        }
        let counts = try classCounts(available: members.map(\.count))
        var chosen = [Int]()
        chosen.reserveCapacity(counts.reduce(0, +))
        switch selection {
        case .fileOrder:
            for c in 0..<classCount { chosen += members[c].prefix(counts[c]) }
        case .random(let seed):
            var generator = SeededGenerator(seed: seed)
            for c in 0..<classCount {
                var classGenerator = generator.fork(stream: UInt64(c))
                chosen += seededShuffle(members[c], using: &classGenerator).prefix(counts[c])
            }
        }
        return chosen.sorted()
    }

    /// The profile applied to `dataset`; see `apply(labels:classCount:pool:selection:)`.
    public func apply(to dataset: Dataset, pool: [Int]? = nil, selection: Selection = .fileOrder) throws -> [Int] {
        try apply(labels: dataset.labels, classCount: dataset.classNames.count, pool: pool, selection: selection)
    }
}

/// Why a profile cannot be applied to a dataset.
public enum ImbalanceProfileError: Error, Equatable, Sendable {
    /// The profile lists `found` classes; the dataset has `expected`.
    case classCountMismatch(profile: String, expected: Int, found: Int)
    /// The profile names class `classIndex`, which the dataset's `classCount` classes lack.
    case unknownClass(profile: String, classIndex: Int, classCount: Int)
    /// Class `classIndex` has `available` images; the profile asks for `requested`.
    case notEnoughImages(profile: String, classIndex: Int, requested: Int, available: Int)
}

extension ImbalanceProfileError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .classCountMismatch(let profile, let expected, let found):
            return "imbalance profile \(profile) is for \(found) classes; the dataset has \(expected)"
        case .unknownClass(let profile, let c, let classCount):
            return "imbalance profile \(profile) names class \(c); the dataset's classes are 0..<\(classCount)"
        case .notEnoughImages(let profile, let c, let requested, let available):
            return "imbalance profile \(profile) asks for \(requested) images of class \(c), which has \(available)"
        }
    }
}

