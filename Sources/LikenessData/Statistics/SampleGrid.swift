import LikenessCore

extension Dataset {
    /// A grid of sample images: one row per class that has images (in class order), up to
    /// `perClass` images per row, each enlarged `scale` times (nearest neighbour) and
    /// separated by 2-pixel white lines. Gray datasets give a gray grid, others RGB.
    ///
    /// - Parameters:
    ///   - indices: the images to draw from (all when nil).
    ///   - seed: nil takes each class's first images; a seed draws them at random.
    public func sampleGrid(indices: [Int]? = nil, perClass: Int = 8, scale: Int? = nil, seed: UInt64? = nil) -> RasterImage {
        precondition(perClass > 0, "perClass must be positive, got \(perClass)")
        var members = [[Int]](repeating: [], count: classNames.count)
        for i in indices ?? Array(0..<count) { members[labels[i]].append(i) }
        var generator = SeededGenerator(seed: seed ?? 0)
        let rows: [[Int]] = members.enumerated().compactMap { c, images in
            guard !images.isEmpty else { return nil }
            guard seed != nil else { return Array(images.prefix(perClass)) }
            var classGenerator = generator.fork(stream: UInt64(c))
            return Array(seededShuffle(images, using: &classGenerator).prefix(perClass))
        }
        let zoom = scale ?? max(1, 64 / max(height, width))
        let gap = 2, cellH = height * zoom, cellW = width * zoom
        let outChannels = channels == 1 ? 1 : 3
        let gridH = max(rows.count, 1) * (cellH + gap) + gap
        let gridW = perClass * (cellW + gap) + gap
        var pixels = [UInt8](repeating: 255, count: gridH * gridW * outChannels)
        for (r, row) in rows.enumerated() {
            for (col, i) in row.enumerated() {
                let top = gap + r * (cellH + gap), left = gap + col * (cellW + gap)
                let base = i * imageByteCount
                for y in 0..<cellH {
                    for x in 0..<cellW {
                        let src = base + ((y / zoom) * width + x / zoom) * channels
                        let dst = ((top + y) * gridW + left + x) * outChannels
                        for ch in 0..<outChannels { pixels[dst + ch] = self.pixels[src + min(ch, channels - 1)] }
                    }
                }
            }
        }
        return RasterImage(pixels: pixels, height: gridH, width: gridW, channels: outChannels)
    }
}
