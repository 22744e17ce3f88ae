import LikenessCore
import LikenessTraining

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

    /// The largest input side (height or width) a description may give.
    public static let maximumInputSide = 4096
    /// The most input channels a description may give.
    public static let maximumInputChannels = 16
    /// The largest head: embedding dimensions or softmax classes.
    public static let maximumHeadSize = 1 << 16
    /// The most weights `denseLayerWeightCount` may reach (2²⁶, 256 MiB of float32), so that a
    /// description read from a file cannot make `makeNetwork` set gigabytes aside.
    public static let maximumLayerWeightCount = 1 << 26

    public init(
        backbone: Backbone, head: Head, channels: Int, height: Int, width: Int,
        normalization: InputNormalization = .unitInterval
    ) {
        self.init(unchecked: backbone, head: head, channels: channels, height: height, width: width, normalization: normalization)
        if let (expected, found) = validationFailure() { preconditionFailure("model description: expected \(expected), found \(found)") }
    }

    /// A description of sizes that come from data (a dataset's image size and class count),
    /// checked as those of a model archive are instead of trapping.
    ///
    /// - Throws: `StorageError.invalidValue` for the field `architecture`, saying what is expected.
    public static func checked(
        backbone: Backbone, head: Head, channels: Int, height: Int, width: Int,
        normalization: InputNormalization = .unitInterval
    ) throws -> ModelDescription {
        let description = ModelDescription(unchecked: backbone, head: head, channels: channels, height: height, width: width,
                                           normalization: normalization)
        if let (expected, found) = description.validationFailure() {
            throw StorageError(.invalidValue, filePath: nil, field: "architecture", expected: expected, found: found)
        }
        return description
    }

    private init(
        unchecked backbone: Backbone, head: Head, channels: Int, height: Int, width: Int, normalization: InputNormalization
    ) {
        self.backbone = backbone
        self.head = head
        self.channels = channels
        self.height = height
        self.width = width
        self.normalization = normalization
    }

    /// The number of weights of the dense layer the convolutions feed (for the `reference` and
    /// `small` backbones, the head), computed from the sizes without building anything: the one
    /// layer that grows with the input. The others are bounded by the backbone's filters and by
    /// `maximumHeadSize` (at most 2²³ weights).
    public var denseLayerWeightCount: Int {
        backbone.firstDenseLayerWeightCount(channels: channels, height: height, width: width, head: head)
    }

    /// A network of this architecture with fresh weights drawn from `seed` (`Network.make`).
    public func makeNetwork(seed: UInt64 = 0) -> Sequential {
        Network.make(backbone: backbone, head: head, channels: channels, height: height, width: width, seed: seed)
    }

    /// What is wrong with the description, as (expected, found), or nil if `makeNetwork` can
    /// build it: positive sizes, an input large enough for the backbone's poolings, a head of at
    /// least one dimension (two classes), and a normalisation with one entry or one per channel;
    /// and sizes within the limits above, so that a file cannot make the network gigabytes large.
    func validationFailure() -> (expected: String, found: String)? {
        let smallest = backbone.minimumInputSide, largest = Self.maximumInputSide
        if channels < 1 || height < smallest || width < smallest {
            return ("at least 1 channel and \(smallest)×\(smallest) pixels for the \(backbone) backbone",
                    "\(channels)×\(height)×\(width)")
        }
        if channels > Self.maximumInputChannels || height > largest || width > largest {
            return ("at most \(Self.maximumInputChannels) channels and \(largest)×\(largest) pixels", "\(channels)×\(height)×\(width)")
        }
        switch head {
        case .embedding(let dimension) where dimension < 1:
            return ("an embedding dimension of at least 1", "\(dimension)")
        case .softmax(let classCount) where classCount < 2:
            return ("a softmax head over at least 2 classes", "\(classCount)")
        case .projection(let hidden, let dimension) where hidden < 1 || dimension < 1:
            return ("a projection head of at least 1 hidden unit and dimension", "\(hidden) → \(dimension)")
        case .embedding(let size) where size > Self.maximumHeadSize, .softmax(let size) where size > Self.maximumHeadSize,
             .projection(let size, _) where size > Self.maximumHeadSize, .projection(_, let size) where size > Self.maximumHeadSize:
            return ("a head of at most \(Self.maximumHeadSize) dimensions or classes", "\(size)")
        default:
            break
        }
        if denseLayerWeightCount > Self.maximumLayerWeightCount {
            return ("at most \(Self.maximumLayerWeightCount) weights in a layer",
                    "\(denseLayerWeightCount) for \(channels)×\(height)×\(width) input to the \(backbone.rawValue) backbone and \(head)")
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

extension ModelDescription: Codable {
    private enum CodingKeys: String, CodingKey {
        case backbone, head, input, normalization
    }

    /// The head as `{"kind": "embedding" | "softmax" | "projection", "size": d or C}`, and a
    /// projection head's `"hidden": h`.
    private struct HeadRecord: Codable {
        enum Kind: String, Codable { case embedding, softmax, projection }
        var kind: Kind
        var size: Int
        var hidden: Int?

        enum CodingKeys: String, CodingKey { case kind, size, hidden }
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
        case .projection:
            guard let hidden = head.hidden else {
                throw DecodingError.keyNotFound(HeadRecord.CodingKeys.hidden, .init(codingPath: decoder.codingPath + [CodingKeys.head],
                                                                                  debugDescription: "a projection head's hidden width"))
            }
            self.head = .projection(hidden: hidden, dimension: head.size)
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
        case .projection(let hidden, let dimension):
            try container.encode(HeadRecord(kind: .projection, size: dimension, hidden: hidden), forKey: .head)
        }
        try container.encode(InputRecord(channels: channels, height: height, width: width), forKey: .input)
        try container.encode(normalization, forKey: .normalization)
    }
}
