import LikenessCore
import LikenessMetrics

/// Per-class logit offsets (`LogitOffsets`) fitted on the validation images after training and
/// added to the head's bias, so that every consumer of the model file predicts with them.
///
/// The offsets are fitted on the images whose balanced accuracy then measures them, which flatters
/// the result; `crossFittedBalancedAccuracy` is the honest figure: the validation images split in
/// two halves (alternate images of each class), each half classified with the offsets fitted on
/// the other.
public struct OffsetCalibration: Sendable, Codable, Equatable {
    /// The offsets added to the head's bias, one per class.
    public var offsets: [Float]
    /// The validation images' balanced accuracy before the offsets.
    public var balancedAccuracyBefore: Double
    /// Their balanced accuracy with the offsets (fitted on them).
    public var balancedAccuracy: Double
    /// Their balanced accuracy with the offsets of the other half's fit.
    public var crossFittedBalancedAccuracy: Double

    /// Fits the offsets on `validation`'s logits under `model` and adds them to its head (its
    /// last layer, a `Linear`).
    public static func calibrate(_ model: Sequential, on validation: ValidationImages) -> OffsetCalibration {
        guard let head = model.layers.last?.layer as? Linear else { preconditionFailure("offset calibration needs a Linear head") }
        let logits = model.outputs(for: validation.dataset, indices: validation.indices)
        let labels = validation.dataset.labels(validation.indices)
        let classCount = logits.shape[1]
        func balancedAccuracy(_ predicted: [Int]) -> Double {
            ConfusionMatrix(trueLabels: labels, predictedLabels: predicted, classCount: classCount).balancedAccuracy
        }
        let fitted = LogitOffsets.fit(logits: logits, labels: labels)

        // Two halves, alternate images of each class; each classified with the other half's offsets.
        var seen = [Int](repeating: 0, count: classCount)
        let half = labels.map { label -> Int in
            defer { seen[label] += 1 }
            return seen[label] % 2
        }
        var predicted = [Int](repeating: 0, count: labels.count)
        for part in 0..<2 {
            let fitRows = half.indices.filter { half[$0] != part }, scoredRows = half.indices.filter { half[$0] == part }
            guard !scoredRows.isEmpty else { continue }
            let offsets = fitRows.isEmpty ? LogitOffsets(offsets: Array(repeating: 0, count: classCount))
                : LogitOffsets.fit(logits: logits.rows(at: fitRows), labels: fitRows.map { labels[$0] })
            for (row, answer) in zip(scoredRows, offsets.adjust(logits.rows(at: scoredRows)).argmaxRows) { predicted[row] = answer }
        }

        head.bias.value = Tensor(shape: head.bias.value.shape, scalars: zip(head.bias.value.scalars, fitted.offsets).map { $0 + $1 })
        return OffsetCalibration(
            offsets: fitted.offsets,
            balancedAccuracyBefore: balancedAccuracy(logits.argmaxRows),
            balancedAccuracy: balancedAccuracy(fitted.adjust(logits).argmaxRows),
            crossFittedBalancedAccuracy: balancedAccuracy(predicted))
    }
}
