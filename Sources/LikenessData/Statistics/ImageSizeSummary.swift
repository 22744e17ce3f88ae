/// The spread of image sizes in a folder, as the files declare them (before resizing).
public struct ImageSizeSummary: Sendable, Equatable, Codable {
    /// One size and how many images have it.
    public struct SizeCount: Sendable, Equatable, Codable {
        public var height: Int
        public var width: Int
        public var count: Int

        public init(height: Int, width: Int, count: Int) {
            self.height = height
            self.width = width
            self.count = count
        }
    }

    public var imageCount: Int
    public var minimumHeight: Int
    public var maximumHeight: Int
    public var meanHeight: Double
    public var minimumWidth: Int
    public var maximumWidth: Int
    public var meanWidth: Double
    /// Width over height: smallest, mean and largest.
    public var minimumAspectRatio: Double
    public var meanAspectRatio: Double
    public var maximumAspectRatio: Double
    /// The most frequent sizes, most frequent first (at most `commonSizeCount`).
    public var commonSizes: [SizeCount]

    /// The number of sizes listed in `commonSizes`.
    public static let commonSizeCount = 10

    /// - Precondition: `sizes` is not empty.
    public init(sizes: [ImageSize]) {
        precondition(!sizes.isEmpty, "no image sizes to summarise")
        let n = Double(sizes.count)
        imageCount = sizes.count
        minimumHeight = sizes.map(\.height).min()!
        maximumHeight = sizes.map(\.height).max()!
        meanHeight = Double(sizes.reduce(0) { $0 + $1.height }) / n
        minimumWidth = sizes.map(\.width).min()!
        maximumWidth = sizes.map(\.width).max()!
        meanWidth = Double(sizes.reduce(0) { $0 + $1.width }) / n
        let ratios = sizes.map(\.aspectRatio)
        minimumAspectRatio = ratios.min()!
        maximumAspectRatio = ratios.max()!
        meanAspectRatio = ratios.reduce(0, +) / n
        var counts = [ImageSize: Int]()
        for size in sizes { counts[size, default: 0] += 1 }
        commonSizes = counts
            .sorted { ($0.value, $1.key.height, $1.key.width) > ($1.value, $0.key.height, $0.key.width) }
            .prefix(Self.commonSizeCount)
            .map { SizeCount(height: $0.key.height, width: $0.key.width, count: $0.value) }
    }
}
