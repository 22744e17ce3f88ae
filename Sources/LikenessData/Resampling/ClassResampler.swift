/// A resampler that changes how many images each class has, as imbalanced-learn's samplers do,
/// with draws that follow from its seed. It works on index lists, so pixels are never copied.
public protocol ClassResampler: Sendable {
    /// Which classes change, and to how many images.
    var strategy: SamplingStrategy { get }
    var seed: UInt64 { get }

    /// The resampled images, as indices into `labels`.
    ///
    /// - Parameters:
    ///   - labels: the class of every image of the dataset, in `0..<classCount`.
    ///   - indices: the images to resample, as indices into `labels` (all images when nil).
    func resample(labels: [Int], classCount: Int, indices: [Int]?) throws(ResamplingError) -> [Int]
}

extension ClassResampler {
    /// The resampled images among `indices` (all images when nil), as indices into `dataset`.
    public func resample(_ dataset: Dataset, indices: [Int]? = nil) throws(ResamplingError) -> [Int] {
        try resample(labels: dataset.labels, classCount: dataset.classNames.count, indices: indices)
    }
}
