/// The size and channels an image folder's images are read at when none are asked for.
///
///     size     = round(common · min(1, maximumSide / max(common.height, common.width)))
///     channels = 1 when every image is gray, else 3
///
/// `common` is the folder's most common size (the smaller one on a tie, as
/// `ImageSizeSummary.commonSizes` orders them); scaling keeps its aspect ratio, each side
/// rounded and at least 1.
public struct ImageFolderInput: Sendable, Equatable {
    /// The longest side a folder's own size is scaled down to by default.
    public static let defaultMaximumSide = 64

    /// The most common size among the folder's images.
    public var commonSize: ImageSize
    /// The size chosen: `commonSize`, scaled down when a side exceeds the maximum.
    public var size: ImageSize
    /// 1 (gray) or 3 (RGB).
    public var channels: Int

    /// Whether `size` is smaller than `commonSize`.
    public var isScaledDown: Bool { size != commonSize }

    /// - Precondition: `headers` is not empty; `maximumSide` is positive.
    public init(headers: [ImageHeader], maximumSide: Int = Self.defaultMaximumSide) {
        precondition(!headers.isEmpty, "no images to choose a size from")
        precondition(maximumSide > 0, "a maximum side of \(maximumSide)")
        let common = ImageSizeSummary(sizes: headers.map(\.size)).commonSizes[0]
        commonSize = ImageSize(height: common.height, width: common.width)
        let scale = min(1, Double(maximumSide) / Double(max(common.height, common.width)))
        func scaled(_ side: Int) -> Int { max(1, Int((Double(side) * scale).rounded())) }
        size = ImageSize(height: scaled(common.height), width: scaled(common.width))
        channels = headers.allSatisfy { $0.channels == 1 } ? 1 : 3
    }
}
