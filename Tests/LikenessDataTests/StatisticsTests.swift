import Foundation
import LikenessData
import Testing
import _LikenessTestSupport

@Suite struct StatisticsTests {
    /// Five 4×4 gray images: two flat black (class 0, duplicates), one flat white (class 1),
    /// a half black / half white image (class 1) and a copy of it labelled class 2.
    static let handMade: Dataset = {
        let black = [UInt8](repeating: 0, count: 16)
        let white = [UInt8](repeating: 255, count: 16)
        let half = (0..<16).map { $0 % 4 < 2 ? UInt8(0) : UInt8(255) }
        return Dataset(pixels: black + black + white + half + half, labels: [0, 0, 1, 1, 2],
                       classNames: ["dark", "light", "split", "none"], ids: (0..<5).map { "h#\($0)" },
                       height: 4, width: 4, channels: 1)
    }()

    @Test func countsAndImbalance() {
        let stats = DatasetStatistics(dataset: Self.handMade)
        #expect(stats.imageCount == 5)
        #expect(stats.classes.map(\.count) == [2, 2, 1, 0])
        #expect(stats.imbalanceRatio == 2)
        #expect(stats.emptyClasses == ["none"])
        #expect(stats.classes[2].share == 0.2)
    }

    @Test func brightnessContrastAndEdges() {
        let stats = DatasetStatistics(dataset: Self.handMade)
        #expect(stats.classes[0].brightness == 0 && stats.classes[0].contrast == 0)
        #expect(stats.classes[1].brightness == 0.75)                 // (1 + 0.5) / 2
        #expect(abs(stats.classes[1].contrast - 0.25) < 1e-6)         // (0 + 0.5) / 2
        #expect(abs(stats.classes[2].contrast - 0.5) < 1e-6)
        #expect(abs(stats.brightness - 0.4) < 1e-9)                   // (0 + 0 + 1 + 0.5 + 0.5) / 5
        // The split image's interior is 2×2 pixels, all on the vertical edge: Sobel ¼·(1+2+1) = 1.
        #expect(stats.classes[2].edgeDensity == 1)
        #expect(stats.classes[0].edgeDensity == 0)
        #expect(stats.classes[1].edgeDensity == 0.5)
        #expect(stats.channelStatistics.count == 1 && abs(stats.channelStatistics[0].mean - 0.4) < 1e-9)
        // Pixels are 0 or 1 with mean 0.4: standard deviation √(0.4 · 0.6).
        #expect(abs(stats.channelStatistics[0].standardDeviation - (0.24).squareRoot()) < 1e-9)
    }

    @Test func exactDuplicatesAreGrouped() {
        let stats = DatasetStatistics(dataset: Self.handMade)
        #expect(stats.duplicateGroups == [[0, 1], [3, 4]])
        #expect(stats.conflictingDuplicateGroups == 1)
        let subset = DatasetStatistics(dataset: Self.handMade, indices: [0, 2, 3])
        #expect(subset.duplicateGroups.isEmpty && subset.imageCount == 3)
    }

    @Test func colourChannelsAreMeasuredApart() {
        // Two 2×2 RGB images: pure red and pure blue.
        let red = [UInt8]([255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0])
        let blue = [UInt8]([0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255])
        let set = Dataset(pixels: red + blue, labels: [0, 1], classNames: ["r", "b"], ids: ["0", "1"],
                          height: 2, width: 2, channels: 3)
        let stats = DatasetStatistics(dataset: set)
        #expect(stats.classes[0].channelMeans == [1, 0, 0] && stats.classes[1].channelMeans == [0, 0, 1])
        #expect(stats.channelStatistics.map(\.mean) == [0.5, 0, 0.5])
        #expect(abs(stats.classes[0].brightness - 0.299) < 1e-6 && abs(stats.classes[1].brightness - 0.114) < 1e-6)
    }

    @Test func imageSizeSummary() {
        let summary = ImageSizeSummary(sizes: [ImageSize(height: 10, width: 20), ImageSize(height: 10, width: 20),
                                               ImageSize(height: 40, width: 10)])
        #expect(summary.minimumHeight == 10 && summary.maximumHeight == 40 && summary.meanHeight == 20)
        #expect(summary.minimumAspectRatio == 0.25 && summary.maximumAspectRatio == 2)
        #expect(summary.commonSizes.first == .init(height: 10, width: 20, count: 2))
    }

    @Test func sampleGridPlacesOneRowPerClass() throws {
        let grid = Self.handMade.sampleGrid(perClass: 2, scale: 1)
        // Three classes with images, two columns, 4-pixel cells, 2-pixel gaps.
        #expect(grid.height == 3 * 6 + 2 && grid.width == 2 * 6 + 2 && grid.channels == 1)
        #expect(grid.pixels[2 * grid.width + 2] == 0)                 // row 0: black
        #expect(grid.pixels[8 * grid.width + 2] == 255)               // row 1: white
        #expect(grid.pixels[14 * grid.width + 2] == 0 && grid.pixels[14 * grid.width + 5] == 255)  // row 2: split
        let dir = try TemporaryFolder()
        try grid.writePNG(to: dir.file("grid.png"))
        #expect(try RasterImage(contentsOf: dir.file("grid.png")) == grid)
    }

    @Test func classCountChartDrawsABarPerClass() throws {
        let chart = ClassCountChart(title: "A & B", names: ["a<b", "c"], counts: [100, 25])
        let svg = chart.svg
        #expect(svg.hasPrefix("<svg") && svg.contains("A &amp; B") && svg.contains("a&lt;b"))
        #expect(svg.components(separatedBy: "<rect x=").count - 1 == 2)
        #expect(svg.contains(#"width="420.0""#) && svg.contains(#"width="105.0""#))
        let dir = try TemporaryFolder()
        try chart.write(to: dir.file("c.svg"))
        #expect(try String(contentsOfFile: dir.file("c.svg"), encoding: .utf8) == svg)
    }
}
