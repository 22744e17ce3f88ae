import LikenessCore

/// Why training stopped, or could not start, on the data it was given.
public enum TrainingError: Error, Sendable, CustomStringConvertible {
    /// A NaN or an infinity in batch `batch` of epoch `epoch` (both 1-based). Training stopped
    /// there, and no checkpoint was written since the last epoch's. Unless the value's source is
    /// `updatedWeights`, the batch's update was not made: the network's parameters and buffers
    /// are those after the batch before.
    case nonFinite(epoch: Int, batch: Int, NonFiniteValue)
    /// Triplet training needs images of at least two classes (a negative for every anchor);
    /// `found` classes have training images.
    case tooFewClasses(found: Int)
    /// Triplet training needs at least two training images of every class it trains on (an
    /// anchor and a positive); the class `label`, named `className`, has `count`.
    case tooFewImages(label: Int, className: String, count: Int)
    /// Contrastive pre-training needs at least a batch of images (`needed`); `count` were given.
    case tooFewImagesForBatch(count: Int, needed: Int)

    public var description: String {
        switch self {
        case let .nonFinite(epoch, batch, value):
            "training stopped at epoch \(epoch), batch \(batch): \(value)"
        case let .tooFewClasses(found):
            "triplet training needs training images of at least 2 classes, found \(found)"
        case let .tooFewImages(label, className, count):
            "class \(label) (\(className)) has \(count) training image\(count == 1 ? "" : "s"): triplet training needs at least 2 of "
                + "every class (an anchor and a positive); leave the class out or add images"
        case let .tooFewImagesForBatch(count, needed):
            "contrastive pre-training needs at least a batch of \(needed) images, found \(count); give more images or a smaller batch size"
        }
    }
}
