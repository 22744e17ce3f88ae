import LikenessData
import Testing

@Suite("Dataset images as raster images")
struct DatasetImageTests {
    @Test func imageIsTheRowOfPixelsAtItsIndex() throws {
        // Three 2×1 RGB images whose bytes count up from 0.
        let dataset = Dataset(pixels: (0..<18).map(UInt8.init), labels: [0, 1, 0], classNames: ["a", "b"],
                              ids: ["x", "y", "z"], height: 2, width: 1, channels: 3)
        let image = dataset.image(1)
        #expect(image == RasterImage(pixels: (6..<12).map(UInt8.init), height: 2, width: 1, channels: 3))
        // It round-trips through PNG, as the comparison report embeds it.
        #expect(try RasterImage(png: try image.pngData(), file: "y") == image)
    }
}
