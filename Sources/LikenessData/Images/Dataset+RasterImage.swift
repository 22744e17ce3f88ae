extension Dataset {
    /// Image `i` as the dataset holds it (decoded and resized to the dataset's size and channels),
    /// e.g. to write it as PNG.
    public func image(_ i: Int) -> RasterImage {
        precondition(i >= 0 && i < count, "image index \(i) outside 0..<\(count)")
        let n = imageByteCount
        return RasterImage(pixels: Array(pixels[i * n..<(i + 1) * n]), height: height, width: width, channels: channels)
    }
}
