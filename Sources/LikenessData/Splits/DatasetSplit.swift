import LikenessCore

/// A division of a dataset into training, validation and test images, as index lists into
/// the dataset (each sorted, disjoint from the others).
public struct DatasetSplit: Sendable, Equatable, Codable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// A stratified split: each class is shuffled with `seed` and divided on its own, so that
    /// every part keeps the class proportions of the whole.
    ///
    /// Class `c` with `n_c` images gives `round(n_c · validationFraction)` images to validation,
    /// `round(n_c · testFraction)` to test and the rest to training. The same labels, fractions
    /// and seed give the same split on every machine.
    ///
    /// - Parameters:
    ///   - labels: the class of each image, in `0..<classCount`.
    ///   - classCount: the number of classes.
    ///   - subset: the images to split (indices into `labels`); nil for all.
    /// - Precondition: both fractions in [0, 1] with a sum of at most 1.
    public static func stratified(labels: [Int], classCount: Int, validationFraction: Double, testFraction: Double,
                                  seed: UInt64, subset: [Int]? = nil) -> DatasetSplit {
        precondition((0...1).contains(validationFraction) && (0...1).contains(testFraction)
                     && validationFraction + testFraction <= 1,
                     "split fractions \(validationFraction) + \(testFraction) must lie in [0, 1] and sum to at most 1")
        var members = [[Int]](repeating: [], count: classCount)
        for i in subset ?? Array(labels.indices) {
            let label = labels[i]
            precondition(label >= 0 && label < classCount, "label \(label) of image \(i) outside 0..<\(classCount)")
            members[label].append(i)
        }
        var generator = SeededGenerator(seed: seed)
        var split = DatasetSplit(train: [], validation: [], test: [])
        for (c, indices) in members.enumerated() {
            // Each class draws from its own stream, so one class's size never changes another's draw.
            var classGenerator = generator.fork(stream: UInt64(c))
            let shuffled = seededShuffle(indices, using: &classGenerator)
            let n = shuffled.count
            let nValidation = Int((Double(n) * validationFraction).rounded())
            let nTest = min(Int((Double(n) * testFraction).rounded()), n - nValidation)
            split.validation += shuffled[0..<nValidation]
            split.test += shuffled[nValidation..<(nValidation + nTest)]
            split.train += shuffled[(nValidation + nTest)...]
        }
        split.train.sort()
        split.validation.sort()
        split.test.sort()
        return split
    }
}

/// `elements` in a Fisher–Yates order drawn from `generator`: the same on every platform
/// and Swift version, unlike the standard library's `shuffle(using:)`.
func seededShuffle<T>(_ elements: [T], using generator: inout SeededGenerator) -> [T] {
    var result = elements
    var i = result.count - 1
    while i > 0 {
        let j = Int(generator.next() % UInt64(i + 1))
        result.swapAt(i, j)
        i -= 1
    }
    return result
}
