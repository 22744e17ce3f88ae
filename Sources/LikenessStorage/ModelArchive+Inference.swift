import Dispatch
import LikenessCore
import LikenessData

extension ModelArchive {
    /// Checks that `dataset`'s images are the size and channels the model takes.
    public func requireInput(of dataset: Dataset, source: String) throws {
        let a = architecture
        guard dataset.channels == a.channels, dataset.height == a.height, dataset.width == a.width else {
            throw StorageError(.invalidValue, filePath: source, field: "images",
                               expected: "\(a.channels)×\(a.height)×\(a.width) images, as the model was trained on",
                               found: "\(dataset.channels)×\(dataset.height)×\(dataset.width)")
        }
    }

    /// The network's outputs in inference mode (embeddings, or logits for a softmax head) for the
    /// images at `indices`, normalised as the model expects, in batches: `N × D`.
    public func outputs(for dataset: Dataset, indices: [Int], batchSize: Int = 256, showProgress: Bool = false) -> Tensor {
        network.outputs(for: dataset, indices: indices, normalization: architecture.normalization, batchSize: batchSize,
                        showProgress: showProgress)
    }
}
