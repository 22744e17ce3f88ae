/// What the network puts on top of the backbone.
public enum Head: Sendable, Equatable, Codable {
    /// `dense (F → d)` then L2-normalisation: unit-length embeddings for triplet training.
    case embedding(dimension: Int)
    /// `dense (F → C)`: logits for a softmax classifier (the softmax is part of the loss).
    case softmax(classCount: Int)
    /// SimCLR's projection head: `dense (F → h)`, batch norm, ReLU, `dense (h → d)`, then
    /// L2-normalisation: the unit-length embeddings label-free pre-training (`likeness pretrain`)
    /// trains and serves.
    case projection(hidden: Int, dimension: Int)
}

extension Head {
    /// The head's outputs: the embedding dimension or the class count.
    package var outputCount: Int {
        switch self {
        case .embedding(let dimension), .projection(_, let dimension): dimension
        case .softmax(let classCount): classCount
        }
    }

    /// The outputs of the head's first dense layer, the one the backbone's features feed.
    package var firstLayerWidth: Int {
        switch self {
        case .projection(let hidden, _): hidden
        default: outputCount
        }
    }

    /// The dimension of the unit-length embeddings the head outputs; nil for a softmax head.
    public var embeddingDimension: Int? {
        switch self {
        case .embedding(let dimension), .projection(_, let dimension): dimension
        case .softmax: nil
        }
    }
}

extension Head: CustomStringConvertible {
    /// The head in words, for messages: "a softmax head over 5 classes", "an embedding head of
    /// dimension 64".
    public var description: String {
        switch self {
        case .embedding(let dimension): "an embedding head of dimension \(dimension)"
        case .softmax(let classCount): "a softmax head over \(classCount) class" + (classCount == 1 ? "" : "es")
        case .projection(let hidden, let dimension): "a projection head of dimension \(dimension) (hidden \(hidden))"
        }
    }
}
