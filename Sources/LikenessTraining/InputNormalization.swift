import LikenessCore
import LikenessData

/// How pixels become network input: `x = (p − mean[c]) / std[c]` for a pixel `p` already
/// scaled to [0, 1] (as `Dataset.batch` gives it), with one entry per channel or one for all.
public struct InputNormalization: Sendable, Equatable, Codable {
    public var mean: [Float]
    public var standardDeviation: [Float]

    /// Pixels in [0, 1] as they are.
    public static let unitInterval = InputNormalization(mean: [0], standardDeviation: [1])

    public init(mean: [Float], standardDeviation: [Float]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// `batch` (`N × C × H × W`, values in [0, 1]) normalised channel by channel.
    public func apply(to batch: Tensor) -> Tensor {
        precondition(batch.rank == 4, "normalising a \(batch.shape) batch, expected N×C×H×W")
        let channels = batch.shape[1], plane = batch.shape[2] * batch.shape[3]
        precondition([mean.count, standardDeviation.count].allSatisfy { $0 == 1 || $0 == channels },
                     "normalisation with \(mean.count) means and \(standardDeviation.count) deviations for \(channels) channels")
        if self == .unitInterval { return batch }
        return Tensor(shape: batch.shape) { output in
            batch.withUnsafeBufferPointer { input in
                for index in input.indices {
                    let channel = index / plane % channels
                    let m = mean[mean.count == 1 ? 0 : channel]
                    let s = standardDeviation[standardDeviation.count == 1 ? 0 : channel]
                    output[index] = (input[index] - m) / s
                }
            }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case mean
        case standardDeviation = "std"
    }
}
