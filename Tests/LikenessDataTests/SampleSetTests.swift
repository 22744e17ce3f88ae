import Foundation
import LikenessData
import Testing
import _LikenessTestSupport

/// The committed sample set (Datasets/sample, made by Scripts/make-sample-datasets.py).
@Suite struct SampleSetTests {
    static let idxFolder = repositoryRoot + "/Datasets/sample/fashion-mnist"
    static let imageFolder = repositoryRoot + "/Datasets/sample/image-folder"

    @Test func sampleIDXFilesLoadBalanced() throws {
        let train = try FashionMNIST.load(split: .train, directory: Self.idxFolder)
        let test = try FashionMNIST.load(split: .test, directory: Self.idxFolder)
        #expect(train.count == 200 && train.classCounts == [Int](repeating: 20, count: 10))
        #expect(test.count == 100 && test.classCounts == [Int](repeating: 10, count: 10))
        #expect(train.height == 28 && train.width == 28 && train.channels == 1)
    }

    @Test(.enabled(if: SplitTests.installed))
    func sampleIsTheFirstTwentyOfEachClass() throws {
        let sample = try FashionMNIST.load(split: .train, directory: Self.idxFolder)
        let full = try FashionMNIST.load(split: .train)
        var taken = [Int](repeating: 0, count: 10), chosen = [Int]()
        for (i, label) in full.labels.enumerated() where taken[label] < 20 {
            taken[label] += 1
            chosen.append(i)
        }
        let expected = full.subset(chosen)
        #expect(sample.pixels == expected.pixels && sample.labels == expected.labels)
    }

    @Test func sampleImageFolderHoldsBothFormatsAndSeveralSizes() throws {
        let folder = try ImageFolder(directory: Self.imageFolder)
        #expect(folder.classNames.count == 10 && folder.classNames[0] == "0-T-shirt-top" && folder.classNames[9] == "9-Ankle-boot")
        #expect(folder.files.count == 30)
        #expect(folder.files.filter { $0.hasSuffix(".jpg") }.count == 10)
        let sizes = try folder.imageHeaders().map(\.size)
        #expect(Set(sizes) == [ImageSize(height: 28, width: 28), ImageSize(height: 56, width: 56), ImageSize(height: 28, width: 36)])

        // The 28×28 gray PNGs, written by Pillow, decode to the IDX pixels exactly.
        let images = try folder.load(height: 28, width: 28, channels: 1)
        let sample = try FashionMNIST.load(split: .train, directory: Self.idxFolder)
        for c in 0..<10 {
            let first = sample.labels.firstIndex(of: c)!
            let png = folder.files.firstIndex { $0.hasPrefix("\(Self.imageFolder)/\(folder.classNames[c])/") && $0.hasSuffix(".png") }!
            #expect(Array(images.pixels[(png * 784)..<((png + 1) * 784)]) == Array(sample.pixels[(first * 784)..<((first + 1) * 784)]))
        }
        let rgb = try folder.load(height: 32, width: 32, channels: 3)
        #expect(rgb.channels == 3 && rgb.count == 30)
    }

    @Test func datasetSourcesResolveNamesAndPaths() throws {
        #expect(try DatasetSource(parsing: "fmnist-lt") == .fashionMNIST(.longTail, directory: FashionMNIST.defaultDirectory))
        #expect(try DatasetSource(parsing: "fashion-mnist:validation", directory: "/d") == .fashionMNIST(.validation, directory: "/d"))
        #expect(try DatasetSource(parsing: "mnist:test") == .mnist(.test, directory: MNIST.defaultDirectory))
        #expect(try DatasetSource(parsing: Self.idxFolder + "/") == .idx(
            images: Self.idxFolder + "/train-images-idx3-ubyte.gz", labels: Self.idxFolder + "/train-labels-idx1-ubyte.gz"))
        #expect(try DatasetSource(parsing: Self.idxFolder + "/t10k-images-idx3-ubyte.gz") == .idx(
            images: Self.idxFolder + "/t10k-images-idx3-ubyte.gz", labels: Self.idxFolder + "/t10k-labels-idx1-ubyte.gz"))
        #expect(try DatasetSource(parsing: Self.imageFolder) == .imageFolder(directory: Self.imageFolder))
        #expect(datasetFileError { _ = try DatasetSource(parsing: "/no/such/place") } == .missing(file: "/no/such/place"))

        let dir = try TemporaryFolder()
        try CIFAR10.writeBatch(makeDataset(count: 2, classes: 10, height: 32, width: 32, channels: 3), to: dir.file("test_batch.bin"))
        #expect(try DatasetSource(parsing: dir.path) == .cifar10(batches: [dir.file("test_batch.bin")], directory: dir.path))
        try CIFAR10.writeBatch(makeDataset(count: 2, classes: 10, height: 32, width: 32, channels: 3), to: dir.file("data_batch_1.bin"))
        #expect(try DatasetSource(parsing: dir.path) == .cifar10(batches: [dir.file("data_batch_1.bin")], directory: dir.path))
        #expect(try DatasetSource(parsing: dir.path).load().dataset.count == 2)
    }

    @Test func builtInPartsSelectTheProtocolSplits() throws {
        // The sample's 20 images per class are too few for the 500-image validation split:
        // every image then falls in validation and the pool is empty.
        let pool = try DatasetSource(parsing: "fashion-mnist:pool", directory: Self.idxFolder).load()
        #expect(pool.dataset.count == 200 && pool.selection.isEmpty)
        let folder = try DatasetSource(parsing: Self.imageFolder).load(imageSize: ImageSize(height: 20, width: 24), channels: 1)
        #expect(folder.dataset.height == 20 && folder.dataset.width == 24 && folder.sourceSizes?.count == 30)
        #expect(folder.selection == Array(0..<30))
    }
}
