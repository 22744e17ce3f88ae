import LikenessCore

/// What a dataset holds: class counts and imbalance, brightness, contrast, colour and edges
/// per class, and exact duplicates. All pixel measures are on values scaled to [0, 1].
public struct DatasetStatistics: Sendable, Equatable, Codable {
    /// The number of images measured.
    public var imageCount: Int
    public var height: Int
    public var width: Int
    public var channels: Int
    /// Per class, by class index (classes without images included, with zero measures).
    public var classes: [ClassStatistics]
    /// Largest class count over smallest non-empty one (1 for a balanced set).
    public var imbalanceRatio: Double
    /// The names of the classes without any image.
    public var emptyClasses: [String]
    /// Per channel, over every pixel of every image.
    public var channelStatistics: [ChannelStatistics]
    /// The mean over images of each image's mean luma.
    public var brightness: Double
    /// The mean over images of each image's luma standard deviation (RMS contrast).
    public var contrast: Double
    /// The mean over images of each image's edge density (see `edgeThreshold`).
    public var edgeDensity: Double
    /// The Sobel magnitude over which a pixel counts as an edge.
    public var edgeThreshold: Double
    /// Groups of images with identical pixels (two or more each), as dataset indices.
    public var duplicateGroups: [[Int]]
    /// The number of duplicate groups whose images carry different labels.
    public var conflictingDuplicateGroups: Int

    /// Measures the images at `indices` of `dataset` (all when nil).
    ///
    /// Luma is the pixel value for gray images and Y = 0.299 R + 0.587 G + 0.114 B for RGB.
    /// An image's edge density is the fraction of its interior pixels whose Sobel gradient
    /// magnitude ¼·√(gx² + gy²) (a step of height h gives h) exceeds `edgeThreshold`.
    public init(dataset: Dataset, indices: [Int]? = nil, edgeThreshold: Double = 0.25) {
        let chosen = indices ?? Array(0..<dataset.count)
        let n = chosen.count, c = dataset.channels
        let measures = ImageMeasures.compute(dataset: dataset, indices: chosen, edgeThreshold: Float(edgeThreshold))
        let classCount = dataset.classNames.count

        var perClass = [[Int]](repeating: [], count: classCount)
        for (k, i) in chosen.enumerated() { perClass[dataset.labels[i]].append(k) }
        classes = (0..<classCount).map { label in
            let members = perClass[label]
            let count = members.count
            guard count > 0 else {
                return ClassStatistics(name: dataset.classNames[label], count: 0, share: 0, brightness: 0, contrast: 0,
                                       edgeDensity: 0, channelMeans: [Double](repeating: 0, count: c),
                                       channelStandardDeviations: [Double](repeating: 0, count: c))
            }
            let pooled = measures.pooledChannels(members)
            return ClassStatistics(
                name: dataset.classNames[label], count: count, share: Double(count) / Double(n),
                brightness: members.reduce(0) { $0 + Double(measures.brightness[$1]) } / Double(count),
                contrast: members.reduce(0) { $0 + Double(measures.contrast[$1]) } / Double(count),
                edgeDensity: members.reduce(0) { $0 + Double(measures.edgeDensity[$1]) } / Double(count),
                channelMeans: pooled.map(\.mean), channelStandardDeviations: pooled.map(\.standardDeviation))
        }
        let nonEmpty = classes.map(\.count).filter { $0 > 0 }
        imbalanceRatio = nonEmpty.isEmpty ? 0 : Double(nonEmpty.max()!) / Double(nonEmpty.min()!)
        emptyClasses = classes.filter { $0.count == 0 }.map(\.name)
        imageCount = n
        height = dataset.height
        width = dataset.width
        channels = c
        channelStatistics = measures.pooledChannels(Array(0..<n))
        brightness = n == 0 ? 0 : measures.brightness.reduce(0) { $0 + Double($1) } / Double(n)
        contrast = n == 0 ? 0 : measures.contrast.reduce(0) { $0 + Double($1) } / Double(n)
        edgeDensity = n == 0 ? 0 : measures.edgeDensity.reduce(0) { $0 + Double($1) } / Double(n)
        self.edgeThreshold = edgeThreshold
        duplicateGroups = Self.duplicates(dataset: dataset, indices: chosen, hashes: measures.hashes)
        conflictingDuplicateGroups = duplicateGroups.filter { group in
            Set(group.map { dataset.labels[$0] }).count > 1
        }.count
    }

    /// Groups of identical images: same hash, then confirmed byte for byte.
    static func duplicates(dataset: Dataset, indices: [Int], hashes: [UInt64]) -> [[Int]] {
        var buckets = [UInt64: [Int]]()
        for (k, hash) in hashes.enumerated() { buckets[hash, default: []].append(indices[k]) }
        let size = dataset.imageByteCount
        var groups = [[Int]]()
        for bucket in buckets.values where bucket.count > 1 {
            var remaining = bucket
            while remaining.count > 1 {
                let first = remaining[0]
                let same = remaining.filter {
                    dataset.pixels[(first * size)..<((first + 1) * size)] == dataset.pixels[($0 * size)..<(($0 + 1) * size)]
                }
                if same.count > 1 { groups.append(same.sorted()) }
                remaining.removeAll { same.contains($0) }
            }
        }
        return groups.sorted { $0[0] < $1[0] }
    }
}

/// The measures of one class.
public struct ClassStatistics: Sendable, Equatable, Codable {
    public var name: String
    public var count: Int
    /// The class's fraction of the images.
    public var share: Double
    /// The mean over the class's images of the image's mean luma.
    public var brightness: Double
    /// The mean over the class's images of the image's luma standard deviation.
    public var contrast: Double
    /// The mean over the class's images of the image's edge density.
    public var edgeDensity: Double
    /// Each channel's mean over every pixel of the class.
    public var channelMeans: [Double]
    /// Each channel's standard deviation over every pixel of the class.
    public var channelStandardDeviations: [Double]
}

/// The mean and standard deviation of one channel.
public struct ChannelStatistics: Sendable, Equatable, Codable {
    public var mean: Double
    public var standardDeviation: Double
}

/// Per-image measures, computed in parallel.
struct ImageMeasures {
    var brightness: [Float]
    var contrast: [Float]
    var edgeDensity: [Float]
    /// Per image and channel: the sum and sum of squares of the scaled values.
    var channelSums: [Double]
    var channelSquares: [Double]
    var hashes: [UInt64]
    let channels: Int
    let pixelsPerImage: Int

    static func compute(dataset: Dataset, indices: [Int], edgeThreshold: Float) -> ImageMeasures {
        let n = indices.count, c = dataset.channels, h = dataset.height, w = dataset.width
        let plane = h * w, size = dataset.imageByteCount
        var m = ImageMeasures(brightness: .init(repeating: 0, count: n), contrast: .init(repeating: 0, count: n),
                              edgeDensity: .init(repeating: 0, count: n),
                              channelSums: .init(repeating: 0, count: n * c), channelSquares: .init(repeating: 0, count: n * c),
                              hashes: .init(repeating: 0, count: n), channels: c, pixelsPerImage: plane)
        let threshold = edgeThreshold * edgeThreshold
        m.brightness.withUnsafeMutableBufferPointer { brightness in
        m.contrast.withUnsafeMutableBufferPointer { contrast in
        m.edgeDensity.withUnsafeMutableBufferPointer { edges in
        m.channelSums.withUnsafeMutableBufferPointer { sums in
        m.channelSquares.withUnsafeMutableBufferPointer { squares in
        m.hashes.withUnsafeMutableBufferPointer { hashes in
        dataset.pixels.withUnsafeBufferPointer { pixels in
            Parallel.forEachPart(n) { _, range in
                var luma = [Float](repeating: 0, count: plane)
                for k in range {
                    let image = UnsafeBufferPointer(rebasing: pixels[(indices[k] * size)..<((indices[k] + 1) * size)])
                    var hash: UInt64 = 0xCBF2_9CE4_8422_2325    // FNV-1a
                    for byte in image { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
                    hashes[k] = hash
                    for ch in 0..<c {
                        var s = 0.0, q = 0.0
                        for p in 0..<plane {
                            let v = Double(image[p * c + ch]) / 255
                            s += v
                            q += v * v
                        }
                        sums[k * c + ch] = s
                        squares[k * c + ch] = q
                    }
                    var mean: Float = 0
                    for p in 0..<plane {
                        let y: Float = c >= 3
                            ? 0.299 * Float(image[p * c]) + 0.587 * Float(image[p * c + 1]) + 0.114 * Float(image[p * c + 2])
                            : Float(image[p * c])
                        luma[p] = y / 255
                        mean += luma[p]
                    }
                    mean /= Float(plane)
                    var variance: Float = 0
                    for p in 0..<plane { variance += (luma[p] - mean) * (luma[p] - mean) }
                    brightness[k] = mean
                    contrast[k] = (variance / Float(plane)).squareRoot()
                    edges[k] = edgeFraction(luma, height: h, width: w, thresholdSquared: threshold)
                }
            }
        }}}}}}}
        return m
    }

    /// The fraction of interior pixels whose Sobel magnitude ¼·√(gx² + gy²) exceeds √thresholdSquared.
    static func edgeFraction(_ luma: [Float], height h: Int, width w: Int, thresholdSquared: Float) -> Float {
        guard h >= 3 && w >= 3 else { return 0 }
        var count = 0
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                let a = luma[(y - 1) * w + x - 1], b = luma[(y - 1) * w + x], cc = luma[(y - 1) * w + x + 1]
                let d = luma[y * w + x - 1], f = luma[y * w + x + 1]
                let g = luma[(y + 1) * w + x - 1], hh = luma[(y + 1) * w + x], i = luma[(y + 1) * w + x + 1]
                let gx = (cc + 2 * f + i - a - 2 * d - g) / 4
                let gy = (g + 2 * hh + i - a - 2 * b - cc) / 4
                if gx * gx + gy * gy > thresholdSquared { count += 1 }
            }
        }
        return Float(count) / Float((h - 2) * (w - 2))
    }

    /// Each channel's mean and standard deviation over every pixel of the images `members`.
    func pooledChannels(_ members: [Int]) -> [ChannelStatistics] {
        let total = Double(members.count * pixelsPerImage)
        return (0..<channels).map { ch in
            guard total > 0 else { return ChannelStatistics(mean: 0, standardDeviation: 0) }
            let s = members.reduce(0) { $0 + channelSums[$1 * channels + ch] }
            let q = members.reduce(0) { $0 + channelSquares[$1 * channels + ch] }
            let mean = s / total
            return ChannelStatistics(mean: mean, standardDeviation: max(q / total - mean * mean, 0).squareRoot())
        }
    }
}
