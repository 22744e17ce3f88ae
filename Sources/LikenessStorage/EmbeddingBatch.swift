import LikenessCore

/// Rows of embeddings with their labels and identifiers: what is appended to an embedding
/// store and read back from it.
public struct EmbeddingBatch: Sendable, Equatable {
    /// `N × D`: row `i` is the embedding of item `i`.
    public var embeddings: Tensor
    /// `N` indices into the store's class list, or −1 for an item without a label.
    public var labels: [Int]
    /// `N` identifiers: a file path or an index into the dataset the items come from.
    public var ids: [String]

    public init(embeddings: Tensor, labels: [Int], ids: [String]) {
        precondition(embeddings.rank == 2, "embeddings of shape \(embeddings.shape), expected N×D")
        precondition(labels.count == embeddings.shape[0] && ids.count == embeddings.shape[0],
                     "\(embeddings.shape[0]) embeddings with \(labels.count) labels and \(ids.count) ids")
        self.embeddings = embeddings
        self.labels = labels
        self.ids = ids
    }

    /// The number of rows `N`.
    public var count: Int { labels.count }
    /// The embedding dimension `D`.
    public var dimension: Int { embeddings.shape[1] }
}
