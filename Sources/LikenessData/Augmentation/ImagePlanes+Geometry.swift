import Foundation
import LikenessCore

extension ImagePlanes {
    func flipColumns() {
        for row in 0..<(channels * height) {
            let r = base + row * width
            for x in 0..<(width / 2) { swap(&r[x], &r[width - 1 - x]) }
        }
    }

    func flipRows() {
        for ch in 0..<channels {
            let p = base + ch * plane
            for y in 0..<(height / 2) {
                for x in 0..<width { swap(&p[y * width + x], &p[(height - 1 - y) * width + x]) }
            }
        }
    }

    /// Rotation by `angle` radians about the centre: each output pixel reads the source at
    /// the point rotated by `−angle`.
    func rotate(by angle: Float) {
        let (cx, cy) = (Float(width - 1) / 2, Float(height - 1) / 2)
        let (c, s) = (cos(angle), sin(angle))
        warp { x, y in (c * (x - cx) + s * (y - cy) + cx, -s * (x - cx) + c * (y - cy) + cy) }
    }

    /// Scaling by `factor` about the centre.
    func zoom(by factor: Float) {
        let (cx, cy) = (Float(width - 1) / 2, Float(height - 1) / 2)
        warp { x, y in (cx + (x - cx) / factor, cy + (y - cy) / factor) }
    }

    /// A crop for `randomResizedCrop`, as torchvision's `RandomResizedCrop.get_params` draws it:
    /// up to 10 draws of an area `a · H · W` (`a` in `area`) and a width/height ratio `r`
    /// (log-uniform in `aspectRatio`), `w = round(√(a·H·W·r))`, `h = round(√(a·H·W / r))`, at a
    /// uniform place; the first that fits is kept, else the centre crop of the whole image with
    /// its ratio clamped to `aspectRatio`.
    func randomCrop(area: ClosedRange<Float>, aspectRatio: ClosedRange<Float>,
                    using rng: inout SeededGenerator) -> (top: Int, left: Int, height: Int, width: Int) {
        let logRatio = log(aspectRatio.lowerBound)...log(aspectRatio.upperBound)
        for _ in 0..<10 {
            let target = rng.nextUniform(in: area) * Float(plane)
            let ratio = exp(rng.nextUniform(in: logRatio))
            let w = Int((target * ratio).squareRoot().rounded()), h = Int((target / ratio).squareRoot().rounded())
            guard w >= 1, h >= 1, w <= width, h <= height else { continue }
            return (rng.nextIndex(below: height - h + 1), rng.nextIndex(below: width - w + 1), h, w)
        }
        let ratio = Float(width) / Float(height)
        var (h, w) = (height, width)
        if ratio < aspectRatio.lowerBound {
            h = max(1, Int((Float(width) / aspectRatio.lowerBound).rounded()))
        } else if ratio > aspectRatio.upperBound {
            w = max(1, Int((Float(height) * aspectRatio.upperBound).rounded()))
        }
        return ((height - h) / 2, (width - w) / 2, h, w)
    }

    /// Resizes the `crop` (a rectangle inside the image) to the whole image, bilinear:
    /// output `(x, y)` reads the crop at `(left + (x + ½)·w/W − ½, top + (y + ½)·h/H − ½)`,
    /// clamped to the crop's pixels (PyTorch's `align_corners=False`).
    func resize(crop: (top: Int, left: Int, height: Int, width: Int)) {
        precondition(crop.top >= 0 && crop.left >= 0 && crop.height >= 1 && crop.width >= 1
                     && crop.top + crop.height <= height && crop.left + crop.width <= width, "crop \(crop) outside \(height)×\(width)")
        let sx = Float(crop.width) / Float(width), sy = Float(crop.height) / Float(height)
        let right = Float(crop.left + crop.width - 1), bottom = Float(crop.top + crop.height - 1)
        warp { x, y in
            (min(max(Float(crop.left) + (x + 0.5) * sx - 0.5, Float(crop.left)), right),
             min(max(Float(crop.top) + (y + 0.5) * sy - 0.5, Float(crop.top)), bottom))
        }
    }

    /// One bilinear resampling for `resizedCropRotation`: output pixel `(x, y)`, at `(u, v)` in
    /// the image's coordinates from its centre as fractions of its sides, reads the source at
    /// `R(angle) · (w·u, h·v) + centre`, then moved by `shift` pixels.
    func resample(cropWidth w: Float, height h: Float, centre: (x: Float, y: Float), angle: Float, shift: (x: Float, y: Float)) {
        let (c, s) = (cos(angle), sin(angle))
        let (W, H) = (Float(width), Float(height))
        warp { x, y in
            let u = (x + 0.5) / W - 0.5, v = (y + 0.5) / H - 0.5
            let su = c * w * u - s * h * v + centre.x, sv = s * w * u + c * h * v + centre.y
            return ((su + 0.5) * W - 0.5 + shift.x, (sv + 0.5) * H - 0.5 + shift.y)
        }
    }

    /// Whole-pixel shift: output `(x, y)` reads source `(x + columns, y + rows)`, 0 outside.
    func shift(columns dx: Int, rows dy: Int) {
        let source = Array(UnsafeBufferPointer(start: base, count: count))
        for ch in 0..<channels {
            let o = ch * plane
            for y in 0..<height {
                for x in 0..<width {
                    let sx = x + dx, sy = y + dy
                    base[o + y * width + x] = sx >= 0 && sx < width && sy >= 0 && sy < height
                        ? source[o + sy * width + sx] : 0
                }
            }
        }
    }

    /// Resamples the image: output pixel `(x, y)` takes the bilinear value of the source at
    /// `sourcePoint(x, y)`, counting pixels outside the image as 0.
    func warp(_ sourcePoint: (Float, Float) -> (Float, Float)) {
        let source = Array(UnsafeBufferPointer(start: base, count: count))
        for y in 0..<height {
            for x in 0..<width {
                let (sx, sy) = sourcePoint(Float(x), Float(y))
                setBilinear(x: x, y: y, from: source, at: sx, sy)
            }
        }
    }

    /// Writes pixel `(x, y)` of every channel from the bilinear interpolation of `source` at `(sx, sy)`.
    @inline(__always)
    private func setBilinear(x: Int, y: Int, from source: [Float], at sx: Float, _ sy: Float) {
        let fx = sx.rounded(.down), fy = sy.rounded(.down)
        let out = y * width + x
        guard fx > -2, fy > -2, fx < Float(width), fy < Float(height) else {
            for ch in 0..<channels { base[ch * plane + out] = 0 }
            return
        }
        let x0 = Int(fx), y0 = Int(fy)
        let wx = sx - fx, wy = sy - fy
        let inX0 = x0 >= 0, inX1 = x0 + 1 < width, inY0 = y0 >= 0, inY1 = y0 + 1 < height
        for ch in 0..<channels {
            let p = ch * plane
            var v: Float = 0
            if inY0 {
                if inX0 { v += (1 - wx) * (1 - wy) * source[p + y0 * width + x0] }
                if inX1 { v += wx * (1 - wy) * source[p + y0 * width + x0 + 1] }
            }
            if inY1 {
                if inX0 { v += (1 - wx) * wy * source[p + (y0 + 1) * width + x0] }
                if inX1 { v += wx * wy * source[p + (y0 + 1) * width + x0 + 1] }
            }
            base[p + out] = v
        }
    }

    /// Simard's elastic deformation: displacement fields of uniform noise in [−1, 1], smoothed
    /// by a Gaussian of `sigma` pixels and scaled by `alpha`.
    func deformElastically(alpha: Float, sigma: Float, using rng: inout SeededGenerator) {
        var dx = (0..<plane).map { _ in rng.nextUniform() * 2 - 1 }
        var dy = (0..<plane).map { _ in rng.nextUniform() * 2 - 1 }
        smooth(&dx, sigma: sigma)
        smooth(&dy, sigma: sigma)
        let source = Array(UnsafeBufferPointer(start: base, count: count))
        for y in 0..<height {
            for x in 0..<width {
                let p = y * width + x
                setBilinear(x: x, y: y, from: source, at: Float(x) + alpha * dx[p], Float(y) + alpha * dy[p])
            }
        }
    }

    /// Separable Gaussian smoothing of one `H × W` field, the border value repeated outside.
    private func smooth(_ field: inout [Float], sigma: Float) {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var pass = field
        for y in 0..<height {
            for x in 0..<width {
                var v: Float = 0
                for (t, k) in kernel.enumerated() {
                    v += k * field[y * width + min(max(x + t - radius, 0), width - 1)]
                }
                pass[y * width + x] = v
            }
        }
        for y in 0..<height {
            for x in 0..<width {
                var v: Float = 0
                for (t, k) in kernel.enumerated() {
                    v += k * pass[min(max(y + t - radius, 0), height - 1) * width + x]
                }
                field[y * width + x] = v
            }
        }
    }
}
