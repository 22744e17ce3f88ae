import Foundation
import LikenessData
import Testing

@Suite struct SplitTests {
    /// Labels with uneven class sizes: 100, 37 and 8 images, interleaved.
    static let labels: [Int] = {
        var labels = [Int](repeating: 0, count: 100) + [Int](repeating: 1, count: 37) + [Int](repeating: 2, count: 8)
        var state: UInt64 = 99
        for i in stride(from: labels.count - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1
            labels.swapAt(i, Int(state >> 33) % (i + 1))
        }
        return labels
    }()

    @Test func stratifiedSplitKeepsEachClassProportion() {
        let split = DatasetSplit.stratified(labels: Self.labels, classCount: 3, validationFraction: 0.2,
                                            testFraction: 0.1, seed: 7)
        func counts(_ indices: [Int]) -> [Int] {
            (0..<3).map { c in indices.filter { Self.labels[$0] == c }.count }
        }
        #expect(counts(split.validation) == [20, 7, 2])    // round(n_c × 0.2)
        #expect(counts(split.test) == [10, 4, 1])          // round(n_c × 0.1)
        #expect(counts(split.train) == [70, 26, 5])
        let all = split.train + split.validation + split.test
        #expect(Set(all).count == Self.labels.count && all.count == Self.labels.count)
        #expect(split.train == split.train.sorted())
    }

    @Test func stratifiedSplitIsDeterministicPerSeed() {
        let a = DatasetSplit.stratified(labels: Self.labels, classCount: 3, validationFraction: 0.25, testFraction: 0.25, seed: 1)
        let b = DatasetSplit.stratified(labels: Self.labels, classCount: 3, validationFraction: 0.25, testFraction: 0.25, seed: 1)
        let c = DatasetSplit.stratified(labels: Self.labels, classCount: 3, validationFraction: 0.25, testFraction: 0.25, seed: 2)
        #expect(a == b)
        #expect(a.validation != c.validation)
    }

    @Test func stratifiedSplitOfASubsetStaysInside() {
        let subset = Array(stride(from: 0, to: Self.labels.count, by: 2))
        let split = DatasetSplit.stratified(labels: Self.labels, classCount: 3, validationFraction: 0.5,
                                            testFraction: 0, seed: 3, subset: subset)
        #expect(Set(split.train + split.validation) == Set(subset))
        #expect(split.test.isEmpty)
    }

    /// Labels laid out like a training file: `perClass` images of each of 10 classes, interleaved.
    static func trainingFileLabels(perClass: Int) -> [Int] {
        (0..<(10 * perClass)).map { ($0 * 7 + $0 / 10) % 10 }
    }

    @Test func protocolValidationIsTheLast500OfEachClass() {
        let labels = Self.trainingFileLabels(perClass: 600)
        let validation = FashionMNIST.validationIndices(labels: labels)
        let pool = FashionMNIST.trainingPoolIndices(labels: labels)
        #expect(validation.count == 5000 && pool.count == 1000)
        #expect(Set(validation).isDisjoint(with: pool))
        for c in 0..<10 {
            let members = labels.indices.filter { labels[$0] == c }
            #expect(Array(members.suffix(500)) == validation.filter { labels[$0] == c })
        }
    }

    @Test func longTailTakesTheFirstImagesOfEachClassOutsideValidation() throws {
        let labels = Self.trainingFileLabels(perClass: 6000)
        let longTail = try FashionMNIST.longTailIndices(labels: labels)
        let validation = Set(FashionMNIST.validationIndices(labels: labels))
        #expect(longTail.allSatisfy { !validation.contains($0) })
        let expected = [2139, 3056, 871, 5500, 764, 15, 153, 31, 229, 2521]
        for c in 0..<10 {
            let members = labels.indices.filter { labels[$0] == c }
            #expect(longTail.filter { labels[$0] == c } == Array(members.prefix(expected[c])))
        }
    }

    @Test func longTailNeedsEnoughImages() {
        let labels = Self.trainingFileLabels(perClass: 600)
        #expect(throws: ImbalanceProfileError.notEnoughImages(profile: "fmnist-lt", classIndex: 0, requested: 2139, available: 100)) {
            try FashionMNIST.longTailIndices(labels: labels)
        }
    }

    static let installed = FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/train-labels-idx1-ubyte.gz")
        && FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/train-images-idx3-ubyte.gz")

    /// The counts table of PROTOCOL.md, checked on Debian's Fashion-MNIST.
    @Test(.enabled(if: installed))
    func longTailCountsMatchTheProtocolTable() throws {
        let train = try FashionMNIST.load(split: .train)
        #expect(train.count == 60_000 && train.classCounts == [Int](repeating: 6000, count: 10))
        let longTail = try FashionMNIST.longTailIndices(labels: train.labels)
        let counts = train.subset(longTail).classCounts
        #expect(counts == [2139, 3056, 871, 5500, 764, 15, 153, 31, 229, 2521])
        #expect(longTail.count == 15_279)
        #expect(counts.max()! / counts.min()! == 366 && (Double(counts.max()!) / Double(counts.min()!)).rounded() == 367)
        let validation = FashionMNIST.validationIndices(labels: train.labels)
        #expect(validation.count == 5000 && Set(validation).isDisjoint(with: longTail))
        #expect(train.subset(validation).classCounts == [Int](repeating: 500, count: 10))
    }
}
