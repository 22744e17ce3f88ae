import LikenessCore
import LikenessData

extension ConditionalGAN {
    /// `count` generated images of each class of `classes` (class indices of the GAN), as a
    /// dataset whose classes are those classes' names, in that order: pixel `round(255 · (y + 1) / 2)`
    /// for generator output `y`, ids `synthetic:NAME#k`.
    ///
    /// - Parameters:
    ///   - classNames: the name of each of the GAN's classes.
    ///   - seed: draws the noise; the same seed gives the same images.
    public func synthesize(classes: [Int], count: Int, classNames: [String], seed: UInt64, batchSize: Int = 256) -> Dataset {
        precondition(classNames.count == classCount, "\(classNames.count) class names for a GAN of \(classCount) classes")
        precondition(!classes.isEmpty && Set(classes).count == classes.count && classes.allSatisfy { (0..<classCount).contains($0) },
                     "classes \(classes) for a GAN of \(classCount)")
        precondition(count >= 1 && batchSize >= 1, "\(count) images per class in batches of \(batchSize)")
        var rng = SeededGenerator(seed: seed)
        let wanted = classes.flatMap { Array(repeating: $0, count: count) }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(wanted.count * channels * height * width)
        let plane = height * width
        for start in stride(from: 0, to: wanted.count, by: batchSize) {
            let labels = Array(wanted[start..<min(start + batchSize, wanted.count)])
            let images = generate(labels: labels, using: &rng).scalars
            // N × C × H × W in (−1, 1) to N × H × W × C bytes.
            for i in labels.indices {
                for p in 0..<plane {
                    for c in 0..<channels {
                        let y = images[(i * channels + c) * plane + p]
                        pixels.append(UInt8(min(max(((y + 1) * 127.5).rounded(), 0), 255)))
                    }
                }
            }
        }
        var ids: [String] = []
        for c in classes { ids += (0..<count).map { "synthetic:\(classNames[c])#\($0)" } }
        return Dataset(pixels: pixels, labels: classes.indices.flatMap { Array(repeating: $0, count: count) },
                       classNames: classes.map { classNames[$0] }, ids: ids, height: height, width: width, channels: channels)
    }
}
