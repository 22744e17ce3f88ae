import Dispatch
import LikenessCore
import LikenessData
import LikenessRecognition
import LikenessTraining

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

extension ModelArchive {
    /// The embeddings of the shots at `indices`, each followed by those of `augmentedViews` mild
    /// views of it (`AugmentationPipeline.mildShotViews(seed:)`, image `i`'s views drawn from
    /// stream `i`, so they do not depend on the other shots): `(N·(1+V)) × D`, shot `k`'s rows
    /// `k·(1+V) ..< (k+1)·(1+V)`, the image itself first, as `Gallery.enroll(…viewsPerShot:)` takes them.
    public func shotOutputs(for dataset: Dataset, indices: [Int], augmentedViews: Int, seed: UInt64 = 0,
                            batchSize: Int = 256, showProgress: Bool = false) -> Tensor {
        precondition(augmentedViews >= 0, "\(augmentedViews) augmented views")
        guard augmentedViews > 0 else { return outputs(for: dataset, indices: indices, batchSize: batchSize, showProgress: showProgress) }
        let perShot = 1 + augmentedViews
        let pipeline = AugmentationPipeline.mildShotViews(seed: seed)
        let shotsPerBatch = max(1, batchSize / perShot)
        let progress = showProgress ? ProgressBar("embedding shots and views", total: indices.count, unit: "images") : nil
        var rows: [Float] = []
        for start in stride(from: 0, to: indices.count, by: shotsPerBatch) {
            let chunk = Array(indices[start..<min(start + shotsPerBatch, indices.count)])
            let images = dataset.batch(chunk)
            let views = pipeline.views(of: images, count: augmentedViews, streams: chunk)
            let size = dataset.imageByteCount
            // Each image, then its views.
            var batch: [Float] = []
            batch.reserveCapacity(chunk.count * perShot * size)
            for k in chunk.indices {
                batch += images.scalars[(k * size)..<((k + 1) * size)]
                batch += views.scalars[(k * augmentedViews * size)..<((k + 1) * augmentedViews * size)]
            }
            let input = Tensor(shape: [chunk.count * perShot, dataset.channels, dataset.height, dataset.width], scalars: batch)
            rows += network.forward(architecture.normalization.apply(to: input), training: false).scalars
            progress?.advance(by: chunk.count)
        }
        progress?.finish()
        let width = network.outputShape(for: [1, dataset.channels, dataset.height, dataset.width])[1]
        return Tensor(shape: [indices.count * perShot, width], scalars: rows)
    }
}

extension ModelArchive {
    /// `OneShotEvaluation`'s augmented views: candidate `i` of novel class `k` is the image
    /// `candidates[k][i]` of `dataset`, its `augmentedViews` views embedded as `shotOutputs` makes
    /// them; nil for no views.
    public func shotViews(of dataset: Dataset, candidates: [[Int]], augmentedViews: Int) -> OneShotEvaluation.ShotViews? {
        guard augmentedViews > 0 else { return nil }
        return { k, i in
            let rows = shotOutputs(for: dataset, indices: [candidates[k][i]], augmentedViews: augmentedViews)
            return Tensor(shape: [augmentedViews, rows.shape[1]], scalars: rows.scalars.dropFirst(rows.shape[1]))
        }
    }
}
