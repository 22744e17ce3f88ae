extension Dataset {
    /// Image `i` as the dataset holds it (decoded and resized to the dataset's size and channels),
    /// e.g. to write it as PNG.
    public func image(_ i: Int) -> RasterImage {
        precondition(i >= 0 && i < count, "image index \(i) outside 0..<\(count)")
        let n = imageByteCount
        return RasterImage(pixels: Array(pixels[i * n..<(i + 1) * n]), height: height, width: width, channels: channels)
    }
}

extension Dataset {
    /// The images of `rows` as one picture: row `r` holds the images at `rows[r]` left to right,
    /// each cell `height × width` with a `gap`-pixel black border between cells and around them;
    /// shorter rows leave their last cells black.
    public func grid(rows: [[Int]], gap: Int = 2) -> RasterImage {
        precondition(!rows.isEmpty && gap >= 0, "a grid of \(rows.count) rows with gap \(gap)")
        let columns = max(rows.map(\.count).max() ?? 0, 1)
        let gridHeight = rows.count * (height + gap) + gap, gridWidth = columns * (width + gap) + gap
        var pixels = [UInt8](repeating: 0, count: gridHeight * gridWidth * channels)
        let rowBytes = width * channels
        for (r, row) in rows.enumerated() {
            for (c, i) in row.enumerated() {
                precondition(i >= 0 && i < count, "image index \(i) outside 0..<\(count)")
                let top = gap + r * (height + gap), left = gap + c * (width + gap)
                for y in 0..<height {
                    let source = (i * height + y) * rowBytes
                    let target = ((top + y) * gridWidth + left) * channels
                    pixels.replaceSubrange(target..<(target + rowBytes), with: self.pixels[source..<(source + rowBytes)])
                }
            }
        }
        return RasterImage(pixels: pixels, height: gridHeight, width: gridWidth, channels: channels)
    }
}
