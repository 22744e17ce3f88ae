/// What the network puts on top of the backbone.
public enum Head: Sendable, Equatable, Codable {
    /// `dense (F → d)` then L2-normalisation: unit-length embeddings for triplet training.
    case embedding(dimension: Int)
    /// `dense (F → C)`: logits for a softmax classifier (the softmax is part of the loss).
    case softmax(classCount: Int)
}

extension Head {
    /// The head's outputs: the embedding dimension or the class count.
    package var outputCount: Int {
        switch self {
        case .embedding(let dimension): dimension
        case .softmax(let classCount): classCount
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
        }
    }
}
