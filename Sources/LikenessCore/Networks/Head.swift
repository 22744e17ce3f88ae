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
