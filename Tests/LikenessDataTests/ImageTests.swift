import Foundation
import LikenessData
import Testing
import _LikenessTestSupport

@Suite struct ImageTests {
    static func gradient(height: Int, width: Int, channels: Int) -> RasterImage {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { pixels.append(UInt8((x * 255 / max(width - 1, 1) + y * 17 + c * 60) % 256)) }
            }
        }
        return RasterImage(pixels: pixels, height: height, width: width, channels: channels)
    }

    @Test(arguments: [1, 3])
    func pngRoundTripsExactly(channels: Int) throws {
        let dir = try TemporaryFolder()
        let image = Self.gradient(height: 9, width: 13, channels: channels)
        try image.writePNG(to: dir.file("a.png"))
        #expect(try RasterImage(contentsOf: dir.file("a.png")) == image)
        #expect(try RasterImage.size(contentsOf: dir.file("a.png")) == ImageSize(height: 9, width: 13))
    }

    @Test(arguments: [1, 3])
    func jpegRoundTripsClosely(channels: Int) throws {
        let dir = try TemporaryFolder()
        let image = Self.gradient(height: 16, width: 24, channels: channels)
        try image.writeJPEG(to: dir.file("a.jpg"), quality: 100)
        let decoded = try RasterImage(contentsOf: dir.file("a.jpg"))
        #expect(decoded.channels == channels && decoded.height == 16 && decoded.width == 24)
        let worst = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!
        #expect(worst <= 12)
        #expect(try RasterImage.size(contentsOf: dir.file("a.jpg")) == ImageSize(height: 16, width: 24))
    }

    @Test func bilinearResizeMatchesHandComputedValues() {
        // 2×2 → 4×4 with centres aligned: the outer ring copies the corners, inner values
        // blend at ¼ and ¾.
        let image = RasterImage(pixels: [0, 100, 200, 40], height: 2, width: 2, channels: 1)
        let big = image.resized(height: 4, width: 4)
        #expect(Array(big.pixels[0..<4]) == [0, 25, 75, 100])
        // Row 1 sits at source y = 0.25: 0.75 · row 0 + 0.25 · row 1.
        #expect(big.pixels[4] == 50 && big.pixels[7] == 85)
        #expect(Array(big.pixels[12..<16]) == [200, 160, 80, 40])
        // Downscaling a constant image keeps the constant.
        let flat = RasterImage(pixels: [UInt8](repeating: 77, count: 30 * 20 * 3), height: 30, width: 20, channels: 3)
        #expect(flat.resized(height: 7, width: 5).pixels.allSatisfy { $0 == 77 })
    }

    @Test func grayConversionUsesBT601Luma() {
        let rgb = RasterImage(pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30], height: 1, width: 4, channels: 3)
        #expect(rgb.converted(channels: 1).pixels == [76, 150, 29, 18])
        #expect(RasterImage(pixels: [9], height: 1, width: 1, channels: 1).converted(channels: 3).pixels == [9, 9, 9])
    }

    @Test func damagedImagesAreReported() throws {
        let dir = try TemporaryFolder()
        let image = Self.gradient(height: 32, width: 32, channels: 3)
        let png = try image.pngData()
        try dir.write(Array(png.prefix(png.count - 30)), to: "cut.png")
        let cutPNG = datasetFileError { _ = try RasterImage(contentsOf: dir.file("cut.png")) }
        guard case .corrupt(let file, _) = cutPNG else {
            Issue.record("expected .corrupt, got \(String(describing: cutPNG))")
            return
        }
        #expect(file == dir.file("cut.png"))

        let jpeg = try image.jpegData()
        try dir.write(Array(jpeg.prefix(jpeg.count / 2)), to: "cut.jpg")
        let cutJPEG = datasetFileError { _ = try RasterImage(contentsOf: dir.file("cut.jpg")) }
        guard case .corrupt(let jpegFile, _) = cutJPEG else {
            Issue.record("expected .corrupt, got \(String(describing: cutJPEG))")
            return
        }
        #expect(jpegFile == dir.file("cut.jpg"))

        try dir.write(Array("GIF89a....".utf8), to: "x.png")
        let gif = datasetFileError { _ = try RasterImage(contentsOf: dir.file("x.png")) }
        guard case .invalidField(dir.file("x.png"), "signature", _, _) = gif else {
            Issue.record("expected .invalidField(signature), got \(String(describing: gif))")
            return
        }
    }

    @Test func oversizedImagesAreRefusedFromTheirHeader() throws {
        let dir = try TemporaryFolder()
        try Self.gradient(height: 100, width: 120, channels: 1).writePNG(to: dir.file("big.png"))
        let error = datasetFileError { _ = try RasterImage(contentsOf: dir.file("big.png"), pixelLimit: 10_000) }
        #expect(error == .tooLarge(file: dir.file("big.png"), field: "image size 120×100 (pixels)", limit: 10_000, found: 12_000))
    }

    /// The CRC-32 of PNG chunks (polynomial 0xEDB88320).
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// `png` with the size in its header replaced by `side` × `side` (and the header's CRC with it).
    static func claimingSize(_ png: [UInt8], side: UInt32) -> [UInt8] {
        var png = png
        // IHDR data starts at byte 16: width, height (big-endian); its CRC covers bytes 12..<29.
        for (k, byte) in [side >> 24, side >> 16, side >> 8, side].enumerated() {
            png[16 + k] = UInt8(truncatingIfNeeded: byte)
            png[20 + k] = UInt8(truncatingIfNeeded: byte)
        }
        let crc = Self.crc32(png[12..<29])
        for k in 0..<4 { png[29 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        return png
    }

    @Test func pngClaimingMorePixelsThanItCanHoldIsRefused() throws {
        let dir = try TemporaryFolder()
        let png = Self.claimingSize(try Self.gradient(height: 4, width: 4, channels: 1).pngData(), side: 4000)
        try dir.write(png, to: "claim.png")
        #expect(try RasterImage.size(contentsOf: dir.file("claim.png")) == ImageSize(height: 4000, width: 4000))
        let error = datasetFileError { _ = try RasterImage(contentsOf: dir.file("claim.png")) }
        guard case .inconsistent(let file, "image size 4000×4000", _, "16000000 pixels") = error else {
            Issue.record("expected .inconsistent(image size), got \(String(describing: error))")
            return
        }
        #expect(file == dir.file("claim.png"))
    }

    @Test func hostileHeadersAreRefusedBeforeDecoding() throws {
        let dir = try TemporaryFolder()
        let rgb = try Self.gradient(height: 4, width: 4, channels: 3).pngData()
        try dir.write(Self.claimingSize(rgb, side: 100_000), to: "huge.png")
        let png = datasetFileError { _ = try RasterImage(contentsOf: dir.file("huge.png")) }
        #expect(png == .tooLarge(file: dir.file("huge.png"), field: "image size 100000×100000 (pixels)",
                                 limit: RasterImage.defaultPixelLimit, found: 100_000 * 100_000))
        // The largest size PNG allows, 2^31 − 1 on each side: libspng refuses its rows' length.
        try dir.write(Self.claimingSize(rgb, side: UInt32(Int32.max)), to: "largest.png")
        let largest = datasetFileError { _ = try RasterImage(contentsOf: dir.file("largest.png")) }
        guard case .corrupt(dir.file("largest.png"), _) = largest else {
            Issue.record("expected .corrupt, got \(String(describing: largest))")
            return
        }

        // A JPEG's frame header (SOF0: ff c0, length, precision, height, width) edited to 60000 × 60000.
        var jpeg = try Self.gradient(height: 8, width: 8, channels: 3).jpegData()
        let frame = try #require(jpeg.indices.dropLast().first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        for offset in [frame + 5, frame + 7] { (jpeg[offset], jpeg[offset + 1]) = (0xEA, 0x60) }
        try dir.write(jpeg, to: "huge.jpg")
        #expect(try RasterImage.size(contentsOf: dir.file("huge.jpg")) == ImageSize(height: 60000, width: 60000))
        let error = datasetFileError { _ = try RasterImage(contentsOf: dir.file("huge.jpg")) }
        #expect(error == .tooLarge(file: dir.file("huge.jpg"), field: "image size 60000×60000 (pixels)",
                                   limit: RasterImage.defaultPixelLimit, found: 60000 * 60000))
    }

    @Test func imageFolderLoadsResizedImagesWithTheirClasses() throws {
        let dir = try TemporaryFolder()
        for name in ["cats", "dogs", ".hidden"] {
            try FileManager.default.createDirectory(atPath: dir.file(name), withIntermediateDirectories: true)
        }
        let cat1 = Self.gradient(height: 8, width: 8, channels: 3)
        let cat2 = Self.gradient(height: 16, width: 12, channels: 3)
        let dog = Self.gradient(height: 10, width: 20, channels: 1)
        try cat1.writePNG(to: dir.file("cats/1.png"))
        try cat2.writePNG(to: dir.file("cats/2.PNG"))
        try dog.writeJPEG(to: dir.file("dogs/a.jpeg"), quality: 100)
        try dir.write(Array("notes".utf8), to: "dogs/readme.txt")
        try cat1.writePNG(to: dir.file(".hidden/x.png"))

        let folder = try ImageFolder(directory: dir.path)
        #expect(folder.classNames == ["cats", "dogs"])
        #expect(folder.labels == [0, 0, 1])
        #expect(folder.files == [dir.file("cats/1.png"), dir.file("cats/2.PNG"), dir.file("dogs/a.jpeg")])
        #expect(try folder.imageHeaders().map(\.size) == [ImageSize(height: 8, width: 8), ImageSize(height: 16, width: 12),
                                            ImageSize(height: 10, width: 20)])

        let rgb = try folder.load(height: 8, width: 8, channels: 3)
        #expect(rgb.count == 3 && rgb.channels == 3 && rgb.ids == folder.files)
        #expect(Array(rgb.pixels[0..<192]) == cat1.pixels)          // already 8×8: unchanged
        #expect(Array(rgb.pixels[192..<384]) == cat2.resized(height: 8, width: 8).pixels)
        let gray = try folder.load(height: 4, width: 4, channels: 1)
        #expect(Array(gray.pixels[0..<16]) == cat1.converted(channels: 1).resized(height: 4, width: 4).pixels)
    }

    @Test func imageFolderErrorsNameTheFile() throws {
        let dir = try TemporaryFolder()
        #expect(datasetFileError { _ = try ImageFolder(directory: dir.file("none")) } == .missing(file: dir.file("none")))
        let empty = datasetFileError { _ = try ImageFolder(directory: dir.path) }
        guard case .invalidField(dir.path, "class folders", _, "none") = empty else {
            Issue.record("expected .invalidField(class folders), got \(String(describing: empty))")
            return
        }
        try FileManager.default.createDirectory(atPath: dir.file("a"), withIntermediateDirectories: true)
        try Self.gradient(height: 4, width: 4, channels: 1).writePNG(to: dir.file("a/good.png"))
        try dir.write([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], to: "a/zbad.jpg")
        let folder = try ImageFolder(directory: dir.path)
        let error = datasetFileError { _ = try folder.load(height: 4, width: 4, channels: 1) }
        #expect(error?.file == dir.file("a/zbad.jpg"))

        // A class folder without an image would shift the labels of the classes after it if skipped.
        try FileManager.default.createDirectory(atPath: dir.file("b"), withIntermediateDirectories: true)
        try dir.write(Array("notes".utf8), to: "b/readme.txt")
        let emptyClass = datasetFileError { _ = try ImageFolder(directory: dir.path) }
        guard case .invalidField(dir.file("b"), "class folder", _, "none") = emptyClass else {
            Issue.record("expected .invalidField(class folder) naming b, got \(String(describing: emptyClass))")
            return
        }
    }
}
