import Foundation
import LikenessCore

/// A random change to one image, drawn afresh for each image it is applied to.
///
/// Images are `C × H × W` floats in [0, 1] (one image of `Dataset.batch(_:)`); colour changes
/// clamp their results to [0, 1], and geometric ones fill what comes from outside the image
/// with 0. Where a parameter gives a bound, the amount is drawn uniformly within it.
public enum ImageTransform: Sendable, Hashable {
    /// Mirrors the columns: `x ↦ W − 1 − x`.
    case horizontalFlip
    /// Mirrors the rows: `y ↦ H − 1 − y`.
    case verticalFlip
    /// Rotates about the centre by an angle in `[−maxDegrees, maxDegrees]` (bilinear).
    case rotation(maxDegrees: Float)
    /// Shifts by up to `maxFraction · W` columns and `maxFraction · H` rows each way (bilinear).
    case translation(maxFraction: Float)
    /// Scales about the centre by a factor in `scale` (bilinear): above 1 zooms in.
    case zoom(scale: ClosedRange<Float>)
    /// Pads each side with `padding` zeros and crops an `H × W` window at a random place:
    /// a whole-pixel shift by up to `padding` each way.
    case randomCrop(padding: Int)
    /// torchvision's `RandomResizedCrop`: a crop of `area` × the image's area and width/height
    /// ratio in `aspectRatio` (log-uniform) at a random place, resized back to `H × W`
    /// (bilinear, pixel centres aligned); the centre crop of the whole image, its ratio clamped
    /// to `aspectRatio`, when 10 draws of the crop do not fit.
    case randomResizedCrop(area: ClosedRange<Float>, aspectRatio: ClosedRange<Float>)
    /// A crop of `area` × the image's area, width/height ratio log-uniform in `aspectRatio`, at a
    /// uniform place inside the image, turned by up to `maxDegrees` and moved by up to `maxShift`
    /// pixels each way, resized to `H × W`: one bilinear resampling (0 outside). Separate zoom,
    /// rotation and translation steps resample a small image three times and blur away its fine
    /// detail.
    case resizedCropRotation(area: ClosedRange<Float>, aspectRatio: ClosedRange<Float>, maxDegrees: Float, maxShift: Float)
    /// `x ↦ f · x` with `f` in `[max(0, 1 − maxChange), 1 + maxChange]`.
    case brightness(maxChange: Float)
    /// `x ↦ m + f · (x − m)`, `m` the image's mean luminance (mean value for other than 3
    /// channels), `f` in `[max(0, 1 − maxChange), 1 + maxChange]`.
    case contrast(maxChange: Float)
    /// RGB only: `x ↦ g + f · (x − g)`, `g = 0.299 r + 0.587 g + 0.114 b` of the pixel, `f` in
    /// `[max(0, 1 − maxChange), 1 + maxChange]`.
    case saturation(maxChange: Float)
    /// RGB only: turns the hue (HSV) by up to `maxShift` of a full turn each way, `maxShift ≤ 0.5`.
    case hue(maxShift: Float)
    /// `x ↦ x + ε`, `ε ~ N(0, std²)` for each value.
    case gaussianNoise(std: Float)
    /// Sets each pixel (all channels) with probability `fraction` to 0 or 1, equally likely.
    case saltAndPepper(fraction: Float)
    /// Fills a rectangle of `area` × the image's area and height/width ratio in `aspectRatio`
    /// (log-uniform) with uniform noise (Zhong et al., "Random Erasing Data Augmentation",
    /// AAAI 2020); no change when 10 draws of the rectangle do not fit.
    case randomErasing(area: ClosedRange<Float>, aspectRatio: ClosedRange<Float>)
    /// Sets to 0 a `size × size` square centred anywhere on the image, cut at the border
    /// (DeVries & Taylor, "Improved Regularization of CNNs with Cutout", 2017).
    case cutout(size: Int)
    /// Moves each pixel by `alpha ·` a uniform random field in [−1, 1]² smoothed by a Gaussian
    /// of standard deviation `sigma` pixels (bilinear) (Simard et al., ICDAR 2003).
    case elastic(alpha: Float, sigma: Float)
}

extension ImageTransform {
    /// Whether the change needs three (RGB) channels.
    public var needsColour: Bool {
        switch self {
        case .saturation, .hue: true
        default: false
        }
    }

    /// The first parameter outside its range, with the range expected; `nil` when all are valid.
    var invalidParameter: (name: String, value: String, expected: String)? {
        func finite(_ range: ClosedRange<Float>) -> Bool { range.lowerBound.isFinite && range.upperBound.isFinite }
        switch self {
        case .horizontalFlip, .verticalFlip:
            return nil
        case .rotation(let d):
            return d >= 0 && d <= 180 ? nil : ("maxDegrees", "\(d)", "[0, 180]")
        case .translation(let f):
            return f >= 0 && f <= 1 ? nil : ("maxFraction", "\(f)", "[0, 1]")
        case .zoom(let s):
            return s.lowerBound > 0 && finite(s) ? nil : ("scale", "\(s)", "a range of positive factors")
        case .randomCrop(let p):
            return p >= 0 ? nil : ("padding", "\(p)", "0 or more pixels")
        case .brightness(let m), .contrast(let m), .saturation(let m):
            return m >= 0 && m.isFinite ? nil : ("maxChange", "\(m)", "0 or more")
        case .hue(let h):
            return h >= 0 && h <= 0.5 ? nil : ("maxShift", "\(h)", "[0, 0.5] of a turn")
        case .gaussianNoise(let s):
            return s >= 0 && s.isFinite ? nil : ("std", "\(s)", "0 or more")
        case .saltAndPepper(let f):
            return f >= 0 && f <= 1 ? nil : ("fraction", "\(f)", "[0, 1]")
        case .randomErasing(let area, let ratio), .randomResizedCrop(let area, let ratio):
            if !(area.lowerBound > 0 && area.upperBound <= 1) { return ("area", "\(area)", "a range within (0, 1]") }
            return ratio.lowerBound > 0 && finite(ratio) ? nil : ("aspectRatio", "\(ratio)", "a range of positive ratios")
        case .resizedCropRotation(let area, let ratio, let degrees, let shift):
            if let crop = ImageTransform.randomResizedCrop(area: area, aspectRatio: ratio).invalidParameter { return crop }
            if !(degrees >= 0 && degrees <= 180) { return ("maxDegrees", "\(degrees)", "[0, 180]") }
            return shift >= 0 && shift.isFinite ? nil : ("maxShift", "\(shift)", "0 or more pixels")
        case .cutout(let size):
            return size >= 1 ? nil : ("size", "\(size)", "1 or more pixels")
        case .elastic(let alpha, let sigma):
            if !(alpha >= 0 && alpha.isFinite) { return ("alpha", "\(alpha)", "0 or more pixels") }
            return sigma > 0 && sigma <= 100 ? nil : ("sigma", "\(sigma)", "(0, 100] pixels")
        }
    }

    /// Applies the change to one image, drawing its amounts from `rng`.
    func apply(to image: ImagePlanes, using rng: inout SeededGenerator) {
        switch self {
        case .horizontalFlip: image.flipColumns()
        case .verticalFlip: image.flipRows()
        case .rotation(let maxDegrees):
            let angle = rng.nextUniform(in: -maxDegrees...maxDegrees) * .pi / 180
            image.rotate(by: angle)
        case .translation(let f):
            let dx = rng.nextUniform(in: -f...f) * Float(image.width)
            let dy = rng.nextUniform(in: -f...f) * Float(image.height)
            image.warp { x, y in (x - dx, y - dy) }
        case .zoom(let scale):
            image.zoom(by: rng.nextUniform(in: scale))
        case .randomResizedCrop(let area, let aspectRatio):
            let crop = image.randomCrop(area: area, aspectRatio: aspectRatio, using: &rng)
            image.resize(crop: crop)
        case .resizedCropRotation(let area, let aspectRatio, let maxDegrees, let maxShift):
            let a = rng.nextUniform(in: area)
            let ratio = exp(rng.nextUniform(in: log(aspectRatio.lowerBound)...log(aspectRatio.upperBound)))
            // The crop's sides as fractions of the image's, and its centre's offset from the image's.
            let w = min(1, (a * ratio).squareRoot()), h = min(1, (a / ratio).squareRoot())
            let centre = (x: rng.nextUniform(in: -1...1) * (1 - w) / 2, y: rng.nextUniform(in: -1...1) * (1 - h) / 2)
            let angle = rng.nextUniform(in: -maxDegrees...maxDegrees) * .pi / 180
            let shift = (x: rng.nextUniform(in: -maxShift...maxShift), y: rng.nextUniform(in: -maxShift...maxShift))
            image.resample(cropWidth: w, height: h, centre: centre, angle: angle, shift: shift)
        case .randomCrop(let padding):
            let dx = rng.nextIndex(below: 2 * padding + 1) - padding
            let dy = rng.nextIndex(below: 2 * padding + 1) - padding
            image.shift(columns: dx, rows: dy)
        case .brightness(let m):
            image.scaleBrightness(by: rng.nextUniform(in: max(0, 1 - m)...(1 + m)))
        case .contrast(let m):
            image.scaleContrast(by: rng.nextUniform(in: max(0, 1 - m)...(1 + m)))
        case .saturation(let m):
            image.scaleSaturation(by: rng.nextUniform(in: max(0, 1 - m)...(1 + m)))
        case .hue(let h):
            image.turnHue(by: rng.nextUniform(in: -h...h))
        case .gaussianNoise(let std):
            image.addNoise(std: std, using: &rng)
        case .saltAndPepper(let fraction):
            image.saltAndPepper(fraction: fraction, using: &rng)
        case .randomErasing(let area, let aspectRatio):
            image.erase(area: area, aspectRatio: aspectRatio, using: &rng)
        case .cutout(let size):
            image.cutout(size: size, using: &rng)
        case .elastic(let alpha, let sigma):
            image.deformElastically(alpha: alpha, sigma: sigma, using: &rng)
        }
    }
}

/// One `C × H × W` image inside a batch tensor, changed in place by the transforms.
struct ImagePlanes {
    let base: UnsafeMutablePointer<Float>
    let channels: Int
    let height: Int
    let width: Int

    var plane: Int { height * width }
    var count: Int { channels * plane }
}
