/// Why an augmentation pipeline cannot be applied to a dataset's images.
public enum AugmentationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A colour change (saturation, hue) asked of images without three channels.
    case needsColour(ImageTransform, channels: Int)
    /// A transform's parameter outside its range.
    case parameterOutOfRange(ImageTransform, parameter: String, value: String, expected: String)
    /// A step's or mixup's probability outside [0, 1].
    case probabilityOutOfRange(Float)
    /// Mixup's Beta parameter must be positive.
    case mixupAlphaOutOfRange(Float)
    /// CutMix's Beta parameter must be positive.
    case cutMixAlphaOutOfRange(Float)

    public var description: String {
        switch self {
        case .needsColour(let transform, let channels):
            "augmentation \(transform) needs RGB images (3 channels), the images have \(channels): "
                + "leave it out for grayscale data"
        case .parameterOutOfRange(let transform, let parameter, let value, let expected):
            "augmentation \(transform): \(parameter) is \(value), expected \(expected)"
        case .probabilityOutOfRange(let p):
            "augmentation probability \(p) is outside [0, 1]"
        case .mixupAlphaOutOfRange(let alpha):
            "mixup alpha \(alpha) must be positive and finite"
        case .cutMixAlphaOutOfRange(let alpha):
            "CutMix alpha \(alpha) must be positive and finite"
        }
    }
}
