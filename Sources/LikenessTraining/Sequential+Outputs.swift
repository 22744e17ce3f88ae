import LikenessCore
import LikenessData

extension Sequential {
    /// The network's outputs in inference mode for the images at `indices`, each batch
    /// normalised by `normalization` first (training feeds the pixels in [0, 1] as they are):
    /// `N × D`. The one inference path, for validation during training and for a loaded model.
    public func outputs(for dataset: Dataset, indices: [Int], normalization: InputNormalization = .unitInterval,
                        batchSize: Int = 256, showProgress: Bool = false) -> Tensor {
        precondition(batchSize > 0, "batch size \(batchSize)")
        let width = outputShape(for: [1, dataset.channels, dataset.height, dataset.width])[1]
        let progress = showProgress ? ProgressBar("embedding", total: indices.count, unit: "images") : nil
        var out = Tensor(shape: [indices.count, width])
        out.withUnsafeMutableBufferPointer { o in
            for start in stride(from: 0, to: indices.count, by: batchSize) {
                let batch = Array(indices[start..<min(start + batchSize, indices.count)])
                let y = forward(normalization.apply(to: dataset.batch(batch)), training: false)
                y.withUnsafeBufferPointer { (o.baseAddress! + start * width).update(from: $0.baseAddress!, count: $0.count) }
                progress?.advance(by: batch.count)
            }
        }
        progress?.finish()
        return out
    }
}
