import Foundation
import LikenessData
import Testing
import _LikenessTestSupport

/// The size and channels an image folder is read at by default: its most common size, scaled
/// down to 64 on the longer side, gray when every image is.
@Suite struct ImageFolderInputTests {
    func headers(_ sizes: [(height: Int, width: Int, channels: Int)]) -> [ImageHeader] {
        sizes.map { ImageHeader(size: ImageSize(height: $0.height, width: $0.width), channels: $0.channels) }
    }

    @Test func theMostCommonSizeIsKeptUpToTheCap() {
        let input = ImageFolderInput(headers: headers([(40, 40, 3), (40, 40, 3), (20, 30, 1), (64, 64, 3)]))
        #expect(input.size == ImageSize(height: 40, width: 40))
        #expect(input.commonSize == input.size && !input.isScaledDown)
        #expect(input.channels == 3)
    }

    @Test func aLargerSizeIsScaledDownKeepingItsAspectRatio() {
        let wide = ImageFolderInput(headers: headers([(50, 100, 3), (50, 100, 3), (20, 20, 3)]))
        #expect(wide.size == ImageSize(height: 32, width: 64))
        #expect(wide.commonSize == ImageSize(height: 50, width: 100) && wide.isScaledDown)
        // 100 × 30 → 64 × 19.2, rounded; a side never reaches 0.
        #expect(ImageFolderInput(headers: headers([(100, 30, 1)])).size == ImageSize(height: 64, width: 19))
        #expect(ImageFolderInput(headers: headers([(1000, 1, 1)])).size == ImageSize(height: 64, width: 1))
        #expect(ImageFolderInput(headers: headers([(50, 100, 1)]), maximumSide: 10).size == ImageSize(height: 5, width: 10))
    }

    @Test func aTieGoesToTheSmallerSizeAndGrayNeedsEveryImageGray() {
        let tie = ImageFolderInput(headers: headers([(30, 30, 1), (28, 28, 1)]))
        #expect(tie.size == ImageSize(height: 28, width: 28))
        #expect(tie.channels == 1)
        #expect(ImageFolderInput(headers: headers([(28, 28, 1), (28, 28, 3)])).channels == 3)
    }

    /// Headers of real files give the channels (gray PNG and JPEG: 1; RGB: 3), and a folder loads
    /// at its own size and channels unless others are asked for.
    @Test func aFolderLoadsAtItsOwnSizeAndChannels() throws {
        let dir = try TemporaryFolder()
        for name in ["a", "b"] { try FileManager.default.createDirectory(atPath: dir.file(name), withIntermediateDirectories: true) }
        try ImageTests.gradient(height: 50, width: 100, channels: 1).writePNG(to: dir.file("a/1.png"))
        try ImageTests.gradient(height: 50, width: 100, channels: 1).writeJPEG(to: dir.file("a/2.jpg"))
        try ImageTests.gradient(height: 20, width: 40, channels: 1).writePNG(to: dir.file("b/1.png"))
        #expect(try RasterImage.header(contentsOf: dir.file("a/2.jpg")) == ImageHeader(size: ImageSize(height: 50, width: 100), channels: 1))
        let gray = try DatasetSource(parsing: dir.path).load()
        #expect((gray.dataset.height, gray.dataset.width, gray.dataset.channels) == (32, 64, 1))
        #expect(gray.folderInput?.commonSize == ImageSize(height: 50, width: 100))
        #expect(gray.enlargedImageCount == 1)

        try ImageTests.gradient(height: 50, width: 100, channels: 3).writeJPEG(to: dir.file("b/2.jpg"))
        #expect(try RasterImage.header(contentsOf: dir.file("b/2.jpg")).channels == 3)
        let colour = try DatasetSource(parsing: dir.path).load()
        #expect((colour.dataset.height, colour.dataset.width, colour.dataset.channels) == (32, 64, 3))
        let asked = try DatasetSource(parsing: dir.path).load(imageSize: ImageSize(height: 60, width: 60), channels: 1)
        #expect((asked.dataset.height, asked.dataset.width, asked.dataset.channels) == (60, 60, 1))
        #expect(asked.enlargedImageCount == 4)
    }
}
