import Foundation
import LikenessData
import LikenessFiles
import Testing
import _LikenessTestSupport

@Suite struct IDXTests {
    @Test(arguments: [false, true])
    func datasetRoundTripsThroughIDX(compressed: Bool) throws {
        let dir = try TemporaryFolder()
        let original = makeDataset(count: 23, classes: 4, height: 5, width: 7, channels: 1)
        try original.writeIDX(images: dir.file("img"), labels: dir.file("lab"), compressed: compressed)
        let head = try dir.read("img").prefix(2)
        #expect((Array(head) == [0x1F, 0x8B]) == compressed)

        let loaded = try Dataset(idxImages: dir.file("img"), labels: dir.file("lab"), classNames: original.classNames,
                                 idPrefix: "made")
        #expect(loaded.pixels == original.pixels)
        #expect(loaded.labels == original.labels)
        #expect(loaded.ids == original.ids)
        #expect(loaded.height == 5 && loaded.width == 7 && loaded.channels == 1)
    }

    @Test func colourImagesUseFourDimensions() throws {
        let dir = try TemporaryFolder()
        let original = makeDataset(count: 6, classes: 3, height: 4, width: 3, channels: 3)
        try original.writeIDX(images: dir.file("img.gz"), labels: dir.file("lab.gz"), compressed: true)
        let array = try IDXArray(contentsOf: dir.file("img.gz"))
        #expect(array.shape == [6, 4, 3, 3])
        let loaded = try Dataset(idxImages: dir.file("img.gz"), labels: dir.file("lab.gz"))
        #expect(loaded.channels == 3 && loaded.pixels == original.pixels)
        #expect(loaded.classNames == ["0", "1", "2"])
        #expect(loaded.ids.first == "img.gz#0")
    }

    @Test func concatenatedGzipMembersDecodeAsOneStream() throws {
        let dir = try TemporaryFolder()
        let array = IDXArray(shape: [3, 10], bytes: (0..<30).map { UInt8($0 * 7 % 256) })
        let encoded = array.encoded
        try dir.write(Gzip.compress(Array(encoded[..<17])) + Gzip.compress(Array(encoded[17...])), to: "two.gz")
        #expect(try IDXArray(contentsOf: dir.file("two.gz")) == array)
    }

    @Test func missingFileIsNamed() {
        let error = datasetFileError { _ = try IDXArray(contentsOf: "/nonexistent/train-images-idx3-ubyte.gz") }
        #expect(error == .missing(file: "/nonexistent/train-images-idx3-ubyte.gz"))
        #expect(error.map { "\($0)" }?.contains("/nonexistent/train-images-idx3-ubyte.gz") == true)
    }

    @Test(arguments: [false, true])
    func truncatedDataIsReported(compressed: Bool) throws {
        let dir = try TemporaryFolder()
        let encoded = IDXArray(shape: [4, 5, 5], bytes: [UInt8](repeating: 9, count: 100)).encoded
        let cut = Array(encoded.dropLast(10))
        try dir.write(compressed ? Gzip.compress(cut) : cut, to: "cut")
        let error = datasetFileError { _ = try IDXArray(contentsOf: dir.file("cut")) }
        guard case .truncated(let file, let field, let expected, let found) = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
        #expect(file == dir.file("cut"))
        #expect(field.contains("4×5×5"))
        #expect(expected == 100 && found == 90)
        #expect("\(error!)".contains(dir.file("cut")))
    }

    @Test func gzipCutMidStreamIsReported() throws {
        let dir = try TemporaryFolder()
        var state: UInt32 = 7
        let noise = (0..<4000).map { _ -> UInt8 in state = state &* 1664525 &+ 1013904223; return UInt8(state >> 24) }
        let gz = Gzip.compress(IDXArray(shape: [40, 100], bytes: noise).encoded)
        try dir.write(Array(gz.prefix(gz.count / 2)), to: "half.gz")
        let error = datasetFileError { _ = try IDXArray(contentsOf: dir.file("half.gz")) }
        guard case .truncated(let file, _, 4000, let found) = error else {
            Issue.record("expected .truncated, got \(String(describing: error))")
            return
        }
        #expect(file == dir.file("half.gz") && found < 4000)
    }

    @Test func corruptGzipIsReported() throws {
        let dir = try TemporaryFolder()
        var gz = Gzip.compress(IDXArray(shape: [10, 10], bytes: [UInt8](repeating: 3, count: 100)).encoded)
        for i in 10..<(gz.count - 8) { gz[i] ^= 0x5A }
        try dir.write(gz, to: "bad.gz")
        let error = datasetFileError { _ = try IDXArray(contentsOf: dir.file("bad.gz")) }
        guard case .corrupt(let file, _) = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(file == dir.file("bad.gz"))
    }

    @Test func wrongMagicAndTypeAreReported() throws {
        let dir = try TemporaryFolder()
        try dir.write([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0], to: "png")
        let magic = datasetFileError { _ = try IDXArray(contentsOf: dir.file("png")) }
        guard case .invalidField(_, "magic number", _, let found) = magic else {
            Issue.record("expected .invalidField(magic number), got \(String(describing: magic))")
            return
        }
        #expect(found == "89 50 4e 47")

        try dir.write([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], to: "float")
        let type = datasetFileError { _ = try IDXArray(contentsOf: dir.file("float")) }
        guard case .invalidField(let file, "element type", _, let typeFound) = type else {
            Issue.record("expected .invalidField(element type), got \(String(describing: type))")
            return
        }
        #expect(file == dir.file("float") && typeFound.contains("float"))
    }

    @Test func hugeDeclaredSizesAreRefusedBeforeReading() throws {
        let dir = try TemporaryFolder()
        // 65535 × 65535 × 255 bytes declared by a 16-byte file.
        try dir.write([0, 0, 8, 3, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0xFF], to: "huge")
        let limited = datasetFileError { _ = try IDXArray(contentsOf: dir.file("huge")) }
        guard case .tooLarge(let file, _, IDXArray.defaultByteLimit, let found) = limited else {
            Issue.record("expected .tooLarge, got \(String(describing: limited))")
            return
        }
        #expect(file == dir.file("huge") && found == 65535 * 65535 * 255)

        // Within the limit but beyond what the file holds: refused from the file's length.
        try dir.write([0, 0, 8, 2, 0, 0x10, 0, 0, 0, 0, 0, 0x10, 1, 2, 3], to: "short")
        let short = datasetFileError { _ = try IDXArray(contentsOf: dir.file("short")) }
        #expect(short == .truncated(file: dir.file("short"), field: "data (dimensions 1048576×16)",
                                    expectedBytes: 16 * 1_048_576, foundBytes: 3))

        try dir.write(Gzip.compress([0, 0, 8, 2, 0, 0x10, 0, 0, 0, 0, 0, 0x10]), to: "bomb.gz")
        let bomb = datasetFileError { _ = try IDXArray(contentsOf: dir.file("bomb.gz")) }
        guard case .inconsistent(let bombFile, _, _, _) = bomb else {
            Issue.record("expected .inconsistent, got \(String(describing: bomb))")
            return
        }
        #expect(bombFile == dir.file("bomb.gz"))
    }

    @Test func headerDeclaringTwoToThe31ItemsIsRefused() throws {
        let dir = try TemporaryFolder()
        // 2^31 labels declared by a file that holds 3: refused from the file's length.
        try dir.write([0, 0, 8, 1, 0x80, 0, 0, 0, 1, 2, 3], to: "labels")
        let labels = datasetFileError { _ = try IDXArray(contentsOf: dir.file("labels")) }
        #expect(labels == .truncated(file: dir.file("labels"), field: "data (dimensions 2147483648)",
                                     expectedBytes: 1 << 31, foundBytes: 3))
        // 2^31 images of 28 × 28: past the 4 GiB limit, whatever the file holds.
        try dir.write(Gzip.compress([0, 0, 8, 3, 0x80, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]), to: "images.gz")
        let images = datasetFileError { _ = try IDXArray(contentsOf: dir.file("images.gz")) }
        #expect(images == .tooLarge(file: dir.file("images.gz"), field: "dimensions 2147483648×28×28",
                                    limit: IDXArray.defaultByteLimit, found: (1 << 31) * 28 * 28))
    }

    @Test func noImagesOfAHugeSizeAreRefused() throws {
        // Zero images of 65535 × 65535 × 65535 bytes: no data to read, but no image can be that large.
        let dir = try TemporaryFolder()
        try dir.write([0, 0, 8, 4, 0, 0, 0, 0] + Array(repeating: [0, 0, 0xFF, 0xFF] as [UInt8], count: 3).flatMap { $0 }, to: "images")
        try IDXArray(shape: [0], bytes: []).write(to: dir.file("labels"), compressed: false)
        let error = datasetFileError { _ = try Dataset(idxImages: dir.file("images"), labels: dir.file("labels")) }
        #expect(error == .tooLarge(file: dir.file("images"), field: "image size 65535×65535×65535",
                                   limit: IDXArray.defaultByteLimit, found: 65535 * 65535 * 65535))
    }

    @Test func gzipDataIsReadInGrowingPieces() throws {
        // 3 MiB and 5 bytes, read in pieces of 1 MiB, 1 MiB, then the rest; noise, so that the
        // file is not small enough for the declared size to be refused outright.
        let dir = try TemporaryFolder()
        let count = 3 << 20 + 5
        var state: UInt32 = 1
        let noise = (0..<count).map { _ -> UInt8 in state = state &* 1664525 &+ 1013904223; return UInt8(state >> 24) }
        let array = IDXArray(shape: [count], bytes: noise)
        try array.write(to: dir.file("big.gz"), compressed: true)
        #expect(try IDXArray(contentsOf: dir.file("big.gz")) == array)

        let cut = 2 << 20 + 1
        try dir.write(Gzip.compress(Array(array.encoded.prefix(8 + cut))), to: "cut.gz")
        let error = datasetFileError { _ = try IDXArray(contentsOf: dir.file("cut.gz")) }
        #expect(error == .truncated(file: dir.file("cut.gz"), field: "data (dimensions \(count))",
                                    expectedBytes: count, foundBytes: cut))
    }

    @Test func trailingBytesAreReported() throws {
        let dir = try TemporaryFolder()
        try dir.write(IDXArray(shape: [2], bytes: [1, 2]).encoded + [0, 0, 0], to: "long")
        let error = datasetFileError { _ = try IDXArray(contentsOf: dir.file("long")) }
        guard case .inconsistent(let file, "file length", _, let found) = error else {
            Issue.record("expected .inconsistent(file length), got \(String(describing: error))")
            return
        }
        #expect(file == dir.file("long") && found.hasPrefix("3 more bytes"))
    }

    @Test func labelCountMismatchNamesTheLabelsFile() throws {
        let dir = try TemporaryFolder()
        try IDXArray(shape: [3, 2, 2], bytes: [UInt8](repeating: 0, count: 12)).write(to: dir.file("i"), compressed: false)
        try IDXArray(shape: [4], bytes: [0, 1, 0, 1]).write(to: dir.file("l"), compressed: true)
        let error = datasetFileError { _ = try Dataset(idxImages: dir.file("i"), labels: dir.file("l")) }
        #expect(error == .inconsistent(file: dir.file("l"), field: "label count",
                                       expected: "3, the image count of \(dir.file("i"))", found: "4"))
    }

    @Test func labelOutsideTheClassesIsReported() throws {
        let dir = try TemporaryFolder()
        try IDXArray(shape: [3, 2, 2], bytes: [UInt8](repeating: 0, count: 12)).write(to: dir.file("i"), compressed: false)
        try IDXArray(shape: [3], bytes: [0, 1, 7]).write(to: dir.file("l"), compressed: false)
        let error = datasetFileError {
            _ = try Dataset(idxImages: dir.file("i"), labels: dir.file("l"), classNames: ["a", "b"])
        }
        #expect(error == .invalidField(file: dir.file("l"), field: "label of item 2", expected: "a class in 0..<2", found: "7"))
    }

    @Test func fashionMNISTLoadsFromItsFolder() throws {
        let dir = try TemporaryFolder()
        let made = makeDataset(count: 20, classes: 10, height: 28, width: 28, channels: 1)
        try made.writeIDX(images: dir.file("t10k-images-idx3-ubyte.gz"), labels: dir.file("t10k-labels-idx1-ubyte.gz"),
                          compressed: true)
        let test = try FashionMNIST.load(split: .test, directory: dir.path)
        #expect(test.pixels == made.pixels && test.labels == made.labels)
        #expect(test.classNames == FashionMNIST.classNames && test.ids[3] == "fashion-mnist-test#3")

        let error = datasetFileError { _ = try FashionMNIST.load(split: .train, directory: dir.path) }
        #expect(error == .missing(file: dir.file("train-images-idx3-ubyte.gz")))

        // Plain files are found under the name without `.gz`.
        try made.writeIDX(images: dir.file("train-images-idx3-ubyte"), labels: dir.file("train-labels-idx1-ubyte"),
                          compressed: false)
        #expect(try MNIST.load(split: .train, directory: dir.path).labels == made.labels)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/t10k-images-idx3-ubyte.gz")))
    func installedFashionMNISTTestFile() throws {
        let test = try FashionMNIST.load(split: .test)
        #expect(test.count == 10_000 && test.height == 28 && test.width == 28 && test.channels == 1)
        #expect(test.classCounts == [Int](repeating: 1000, count: 10))
    }
}
