/// Why a resampler cannot do what it was asked.
public enum ResamplingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Resampling needs at least two classes with images.
    case tooFewClasses(found: Int)
    /// `.minority` only grows and `.majority` only shrinks.
    case strategyNeedsOtherDirection(SamplingStrategy, ResamplingDirection)
    /// A class named in `.counts` has no image (or is outside the class list).
    case classHasNoImages(Int)
    /// `.counts` asks for a negative number of images.
    case negativeCount(classIndex: Int, count: Int)
    /// `.counts` asks an over-sampler to shrink a class or an under-sampler to grow one.
    case countAgainstDirection(classIndex: Int, requested: Int, count: Int, ResamplingDirection)
    /// `.counts` asks an over-sampler for more than `SamplingStrategy.maximumGrowth` times the
    /// largest class's images.
    case countAboveLimit(classIndex: Int, requested: Int, limit: Int)
    /// `.ratio` outside (0, 1].
    case ratioOutOfRange(Double)
    /// `.ratio` with other than two classes with images.
    case ratioNeedsTwoClasses(found: Int)
    /// `.ratio` would leave the minority as it is or shrink it (over-sampling), or grow the
    /// majority (under-sampling).
    case ratioAgainstDirection(Double, classIndex: Int, requested: Int, count: Int, ResamplingDirection)
    /// SMOTE needs `neighbours + 1` images in each class it grows.
    case tooFewImagesForNeighbours(classIndex: Int, count: Int, neighbours: Int)
    /// SMOTE's neighbours cannot be found among points holding a NaN or an infinity.
    case nonFiniteValue(row: Int, column: Int, value: Float)

    public var description: String {
        switch self {
        case .tooFewClasses(let found):
            "resampling needs at least 2 classes with images, found \(found)"
        case .strategyNeedsOtherDirection(let strategy, let direction):
            "sampling strategy '\(strategy)' cannot be used for \(direction.name): use "
                + (direction == .over ? "'minority', 'not majority', 'not minority', 'all' or 'auto'"
                                      : "'majority', 'not minority', 'not majority', 'all' or 'auto'")
        case .classHasNoImages(let c):
            "sampling strategy names class \(c), which has no image"
        case .negativeCount(let c, let count):
            "sampling strategy asks for \(count) images of class \(c): expected a count of 0 or more"
        case .countAgainstDirection(let c, let requested, let count, let direction):
            "sampling strategy asks for \(requested) images of class \(c), which holds \(count): "
                + "\(direction.name) expects a count \(direction == .over ? "of at least" : "of at most") \(count)"
        case .countAboveLimit(let c, let requested, let limit):
            "sampling strategy asks for \(requested) images of class \(c): over-sampling grows a class to at most "
                + "\(SamplingStrategy.maximumGrowth) times the largest class, \(limit) images"
        case .ratioOutOfRange(let ratio):
            "sampling ratio \(ratio) is outside (0, 1]"
        case .ratioNeedsTwoClasses(let found):
            "a sampling ratio needs exactly 2 classes with images, found \(found): give target counts instead"
        case .ratioAgainstDirection(let ratio, let c, let requested, let count, let direction):
            "sampling ratio \(ratio) asks for \(requested) images of class \(c), which holds \(count): "
                + "\(direction.name) expects \(direction == .over ? "more" : "at most \(count)"); increase the ratio"
        case .tooFewImagesForNeighbours(let c, let count, let k):
            "SMOTE with \(k) neighbours needs at least \(k + 1) images of each class it grows; "
                + "class \(c) has \(count): lower the neighbour count or leave the class out"
        case .nonFiniteValue(let row, let column, let value):
            "SMOTE: point \(row), column \(column) is \(value); expected finite values"
        }
    }
}

extension ResamplingDirection {
    var name: String { self == .over ? "over-sampling" : "under-sampling" }
}
