import LikenessCore

/// What a saved network is: the backbone and head it is built from, the input it takes and how
/// pixels are prepared for it. `makeNetwork` rebuilds the network; its weights come from the archive.
///
/// Stored as the model archive's `architecture` attribute (JSON):
///
///     {"backbone": "reference", "head": {"kind": "embedding", "size": 64},
///      "input": {"channels": 1, "height": 28, "width": 28},
///      "normalization": {"mean": [0], "std": [1]}, "layers": [...]}
public struct ModelDescription: Sendable, Equatable {
    public var backbone: Backbone
    public var head: Head
    /// The input's shape: `channels × height × width` per image.
    public var channels: Int
    public var height: Int
    public var width: Int
    public var normalization: InputNormalization

    public init(
        backbone: Backbone, head: Head, channels: Int, height: Int, width: Int,
        normalization: InputNormalization = .unitInterval
    ) {
        self.backbone = backbone
        self.head = head
        self.channels = channels
        self.height = height
        self.width = width
        self.normalization = normalization
        if let (expected, found) = validationFailure() { preconditionFailure("model description: expected \(expected), found \(found)") }
    }

    /// A network of this architecture with fresh weights drawn from `seed` (`Network.make`).
    public func makeNetwork(seed: UInt64 = 0) -> Sequential {
        Network.make(backbone: backbone, head: head, channels: channels, height: height, width: width, seed: seed)
    }

    /// What is wrong with the description, as (expected, found), or nil if `makeNetwork` can
    /// build it: positive sizes, an input large enough for the backbone's poolings, a head of at
    /// least one dimension (two classes), and a normalisation with one entry or one per channel.
    func validationFailure() -> (expected: String, found: String)? {
        let smallest = 1 << backbone.poolingCount
        if channels < 1 || height < smallest || width < smallest {
            return ("at least 1 channel and \(smallest)×\(smallest) pixels for the \(backbone) backbone",
                    "\(channels)×\(height)×\(width)")
        }
        switch head {
        case .embedding(let dimension) where dimension < 1:
            return ("an embedding dimension of at least 1", "\(dimension)")
        case .softmax(let classCount) where classCount < 2:
            return ("a softmax head over at least 2 classes", "\(classCount)")
        default:
            break
        }
        let counts = [normalization.mean.count, normalization.standardDeviation.count]
        if !counts.allSatisfy({ $0 == 1 || $0 == channels }) {
            return ("1 or \(channels) normalisation means and standard deviations",
                    "\(counts[0]) means and \(counts[1]) standard deviations")
        }
        if !normalization.standardDeviation.allSatisfy({ $0 > 0 && $0.isFinite }) || !normalization.mean.allSatisfy(\.isFinite) {
            return ("finite means and positive standard deviations", "\(normalization)")
        }
        return nil
    }
}

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

extension ModelDescription: Codable {
    private enum CodingKeys: String, CodingKey {
        case backbone, head, input, normalization
    }

    /// The head as `{"kind": "embedding" | "softmax", "size": d or C}`.
    private struct HeadRecord: Codable {
        enum Kind: String, Codable { case embedding, softmax }
        var kind: Kind
        var size: Int
    }

    private struct InputRecord: Codable {
        var channels: Int
        var height: Int
        var width: Int
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        backbone = try container.decode(Backbone.self, forKey: .backbone)
        let head = try container.decode(HeadRecord.self, forKey: .head)
        switch head.kind {
        case .embedding: self.head = .embedding(dimension: head.size)
        case .softmax: self.head = .softmax(classCount: head.size)
        }
        let input = try container.decode(InputRecord.self, forKey: .input)
        (channels, height, width) = (input.channels, input.height, input.width)
        normalization = try container.decode(InputNormalization.self, forKey: .normalization)
        if let (expected, found) = validationFailure() {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected \(expected), found \(found)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(backbone, forKey: .backbone)
        switch head {
        case .embedding(let dimension): try container.encode(HeadRecord(kind: .embedding, size: dimension), forKey: .head)
        case .softmax(let classCount): try container.encode(HeadRecord(kind: .softmax, size: classCount), forKey: .head)
        }
        try container.encode(InputRecord(channels: channels, height: height, width: width), forKey: .input)
        try container.encode(normalization, forKey: .normalization)
    }
}

extension Backbone {
    /// How many 2×2 max-poolings the backbone applies (see `Backbone.layers`): its input must
    /// be at least `2^poolingCount` pixels on each side.
    var poolingCount: Int {
        switch self {
        case .reference: 2
        case .cifar, .small: 3
        }
    }
}
