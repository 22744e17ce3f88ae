import LikenessCore

/// A labelled image set held in memory as 8-bit pixels.
///
/// Pixels are stored `N × H × W × C` (channels last, as image files store them), one byte
/// per channel. Splits, imbalance profiles, samplers and resamplers work on index lists into
/// a dataset, never on copies of its pixels; `batch(_:)` turns a list of indices into the
/// `N × C × H × W` float tensor the networks take, scaled to [0, 1].
public struct Dataset: Sendable {
    /// The pixels, `count × height × width × channels` bytes.
    public var pixels: [UInt8]
    /// The class index of each image, in `0..<classNames.count`.
    public var labels: [Int]
    /// The name of each class, by class index.
    public var classNames: [String]
    /// Where each image came from (a file path, or `name#index` for images inside one file).
    public var ids: [String]
    public let height: Int
    public let width: Int
    public let channels: Int

    public init(pixels: [UInt8], labels: [Int], classNames: [String], ids: [String],
                height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0 && channels > 0, "image size \(height)×\(width)×\(channels)")
        precondition(pixels.count == labels.count * height * width * channels,
                     "\(pixels.count) pixel bytes for \(labels.count) images of \(height)×\(width)×\(channels)")
        precondition(ids.count == labels.count, "\(ids.count) ids for \(labels.count) images")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classNames.count }, "label outside 0..<\(classNames.count)")
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
        self.ids = ids
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// The number of images.
    public var count: Int { labels.count }
    /// The number of bytes of one image.
    public var imageByteCount: Int { height * width * channels }

    /// The number of images of each class, by class index.
    public var classCounts: [Int] { classCounts(of: labels.indices) }

    /// The number of images of each class among those at `indices`, by class index.
    public func classCounts(of indices: some Sequence<Int>) -> [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for i in indices { counts[labels[i]] += 1 }
        return counts
    }

    /// The images at `indices` as an `n × C × H × W` tensor scaled to [0, 1].
    public func batch(_ indices: some Collection<Int>) -> Tensor {
        let plane = height * width, c = channels, size = imageByteCount
        let idx = Array(indices)
        return Tensor(shape: [idx.count, c, height, width]) { out in
            pixels.withUnsafeBufferPointer { px in
                Parallel.forEachChunk(idx.count, grain: 16) { range in
                    for b in range {
                        let i = idx[b]
                        precondition(i >= 0 && i < count, "image index \(i) outside 0..<\(count)")
                        let src = px.baseAddress! + i * size
                        let dst = out.baseAddress! + b * size
                        for p in 0..<plane {
                            for ch in 0..<c {
                                dst[ch * plane + p] = Float(src[p * c + ch]) * (1 / 255)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The labels at `indices`.
    public func labels(_ indices: some Collection<Int>) -> [Int] {
        indices.map { labels[$0] }
    }

    /// The images at `indices` as a new dataset (pixels copied).
    public func subset(_ indices: some Collection<Int>) -> Dataset {
        var px = [UInt8]()
        px.reserveCapacity(indices.count * imageByteCount)
        for i in indices { px += pixels[(i * imageByteCount)..<((i + 1) * imageByteCount)] }
        return Dataset(pixels: px, labels: indices.map { labels[$0] }, classNames: classNames,
                       ids: indices.map { ids[$0] }, height: height, width: width, channels: channels)
    }
}

extension Dataset {
    /// This dataset followed by `other`'s images, which must have the same size, channels and classes.
    public func appending(_ other: Dataset) -> Dataset {
        precondition(other.height == height && other.width == width && other.channels == channels,
                     "appending \(other.height)×\(other.width)×\(other.channels) images to \(height)×\(width)×\(channels) ones")
        precondition(other.classNames == classNames, "appending a dataset with other classes")
        return Dataset(pixels: pixels + other.pixels, labels: labels + other.labels, classNames: classNames,
                       ids: ids + other.ids, height: height, width: width, channels: channels)
    }

    /// This dataset followed by copies of its images `groups[g]`, each group a new class named
    /// `names[g]` (appended to the class list): how images found to form classes of their own
    /// (`ClassDiscovery`) are trained on beside the labelled ones. The copies keep their ids.
    ///
    /// - Precondition: one name per group, none already a class; indices inside the dataset.
    public func appendingClasses(_ groups: [[Int]], named names: [String]) -> Dataset {
        precondition(groups.count == names.count, "\(groups.count) groups for \(names.count) class names")
        precondition(Set(names).count == names.count && names.allSatisfy { !classNames.contains($0) },
                     "new class names \(names) repeat or are among \(classNames)")
        let copies = groups.flatMap { $0 }
        let added = subset(copies)
        let labels = groups.indices.flatMap { g in [Int](repeating: classNames.count + g, count: groups[g].count) }
        return Dataset(pixels: pixels + added.pixels, labels: self.labels + labels, classNames: classNames + names,
                       ids: ids + added.ids, height: height, width: width, channels: channels)
    }

    /// The same images with the class list `classNames`, matched by name: label `ℓ` becomes
    /// `classNames.firstIndex(of: self.classNames[ℓ])`.
    ///
    /// - Precondition: `classNames` holds every one of this dataset's class names.
    public func relabelled(classNames target: [String]) -> Dataset {
        let map = classNames.map { name in
            guard let c = target.firstIndex(of: name) else { preconditionFailure("class '\(name)' is not among \(target)") }
            return c
        }
        return Dataset(pixels: pixels, labels: labels.map { map[$0] }, classNames: target, ids: ids,
                       height: height, width: width, channels: channels)
    }
}
