/// Which classes a resampler grows or shrinks, and to how many images, with the meaning
/// imbalanced-learn gives its `sampling_strategy`.
///
/// Only classes with images take part: a class with none can be neither grown nor counted as
/// the minority. Among classes tied for the smallest (largest) count, the minority (majority)
/// is the one with the lowest index, as in imbalanced-learn.
public enum SamplingStrategy: Sendable, Hashable {
    /// Over-sampling: `.notMajority`; under-sampling: `.notMinority`.
    case auto
    /// Over-sampling only: the minority class grows to the majority's count.
    case minority
    /// Under-sampling only: the majority class shrinks to the minority's count.
    case majority
    /// Every class but the majority grows (over) or shrinks (under) to the majority's
    /// (minority's) count.
    case notMajority
    /// Every class but the minority grows (over) or shrinks (under) to the majority's
    /// (minority's) count.
    case notMinority
    /// Every class grows (over) or shrinks (under) to the majority's (minority's) count.
    case all
    /// The number of images each listed class should hold after resampling; other classes
    /// are left as they are.
    case counts([Int: Int])
    /// Two classes only. Over-sampling: the minority grows to `⌊ratio · n_majority⌋`;
    /// under-sampling: the majority shrinks to `⌊n_minority / ratio⌋`; `ratio` in (0, 1].
    case ratio(Double)
}

extension SamplingStrategy {
    /// The most an over-sampled class may hold, as a multiple of the largest class's count.
    public static let maximumGrowth = 100
}

/// Whether a resampler adds images (over-sampling) or removes them (under-sampling).
public enum ResamplingDirection: Sendable, Hashable {
    case over, under
}

extension SamplingStrategy: CustomStringConvertible {
    /// The strategy as imbalanced-learn spells it.
    public var description: String {
        switch self {
        case .auto: "auto"
        case .minority: "minority"
        case .majority: "majority"
        case .notMajority: "not majority"
        case .notMinority: "not minority"
        case .all: "all"
        case .counts(let counts):
            "{" + counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .ratio(let ratio): "\(ratio)"
        }
    }
}

extension SamplingStrategy {
    /// The number of images each class should hold after resampling, by class index.
    ///
    /// Over-sampling never lowers a count and under-sampling never raises one; a strategy
    /// that would is an error, as are `.majority` with over-sampling, `.minority` with
    /// under-sampling, fewer than two classes with images, and `.ratio` with more than two.
    /// Over-sampling grows a class to at most `maximumGrowth` times the largest class's count
    /// (`.counts` asking for more is an error): beyond that, copies or synthetic images only
    /// cost memory.
    public func targetCounts(classCounts: [Int], direction: ResamplingDirection) throws(ResamplingError) -> [Int] {
        precondition(classCounts.allSatisfy { $0 >= 0 }, "negative class count in \(classCounts)")
        let present = classCounts.indices.filter { classCounts[$0] > 0 }
        guard present.count > 1 else { throw .tooFewClasses(found: present.count) }
        // `max(by:)` and `min(by:)` keep the first of equal elements: the lowest class index.
        let majority = present.max { classCounts[$0] < classCounts[$1] }!
        let minority = present.min { classCounts[$0] < classCounts[$1] }!
        let level = direction == .over ? classCounts[majority] : classCounts[minority]

        func equalise(_ selected: (Int) -> Bool) -> [Int] {
            classCounts.indices.map { c in classCounts[c] > 0 && selected(c) ? level : classCounts[c] }
        }

        switch self {
        case .auto:
            return equalise { direction == .over ? $0 != majority : $0 != minority }
        case .minority:
            guard direction == .over else { throw .strategyNeedsOtherDirection(self, direction) }
            return equalise { $0 == minority }
        case .majority:
            guard direction == .under else { throw .strategyNeedsOtherDirection(self, direction) }
            return equalise { $0 == majority }
        case .notMajority:
            return equalise { $0 != majority }
        case .notMinority:
            return equalise { $0 != minority }
        case .all:
            return equalise { _ in true }
        case .counts(let requested):
            var targets = classCounts
            for (c, target) in requested.sorted(by: { $0.key < $1.key }) {
                guard classCounts.indices.contains(c), classCounts[c] > 0 else { throw .classHasNoImages(c) }
                guard target >= 0 else { throw .negativeCount(classIndex: c, count: target) }
                let limit = Self.maximumGrowth * classCounts[majority]
                if direction == .over && target > limit { throw .countAboveLimit(classIndex: c, requested: target, limit: limit) }
                switch direction {
                case .over where target < classCounts[c], .under where target > classCounts[c]:
                    throw .countAgainstDirection(classIndex: c, requested: target, count: classCounts[c], direction)
                default:
                    targets[c] = target
                }
            }
            return targets
        case .ratio(let ratio):
            guard ratio > 0 && ratio <= 1 else { throw .ratioOutOfRange(ratio) }
            guard present.count == 2 else { throw .ratioNeedsTwoClasses(found: present.count) }
            var targets = classCounts
            switch direction {
            case .over:
                // imbalanced-learn truncates `ratio · n_majority − n_minority` and wants it positive.
                let added = Int(ratio * Double(classCounts[majority]) - Double(classCounts[minority]))
                guard added > 0 else {
                    throw .ratioAgainstDirection(ratio, classIndex: minority, requested: classCounts[minority] + added,
                                                 count: classCounts[minority], direction)
                }
                targets[minority] += added
            case .under:
                let kept = Int(Double(classCounts[minority]) / ratio)
                guard kept <= classCounts[majority] else {
                    throw .ratioAgainstDirection(ratio, classIndex: majority, requested: kept,
                                                 count: classCounts[majority], direction)
                }
                targets[majority] = kept
            }
            return targets
        }
    }
}
