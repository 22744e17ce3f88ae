import LikenessCore

/// One transform of a pipeline and the probability that an image gets it.
public struct AugmentationStep: Sendable, Hashable {
    public var transform: ImageTransform
    public var probability: Float

    public init(_ transform: ImageTransform, probability: Float = 0.5) {
        self.transform = transform
        self.probability = probability
    }
}

/// Which images of a batch the per-image transforms change.
public enum AugmentationScope: Sendable, Hashable {
    case allImages
    /// Only images of classes with fewer than `limit` images, counted in `classCounts`
    /// (by class index): augmenting the rare classes alone.
    case classesWithFewerImages(than: Int, classCounts: [Int])

    /// Whether an image of class `label` is in scope.
    public func includes(_ label: Int) -> Bool {
        switch self {
        case .allImages: true
        case .classesWithFewerImages(let limit, let classCounts): classCounts[label] < limit
        }
    }
}

/// A batch after augmentation.
public struct AugmentedBatch: Sendable {
    /// `N × C × H × W`, in [0, 1].
    public var images: Tensor
    /// `N × classCount` soft labels, each row summing to 1: one-hot unless mixup or CutMix mixed the batch.
    public var targets: Tensor
    /// Whether mixup or CutMix mixed the batch (else `targets` are the labels' one-hot rows).
    public var isMixed: Bool
}

/// Random changes applied to the images of each batch: the steps in order, each with its
/// probability, to every image in scope, then mixup or CutMix over the whole batch.
///
/// Images are changed on `Parallel.threadCount` threads. Each image draws from its own
/// generator, a function of (`seed`, batch index, position in the batch), so a batch comes out
/// the same whatever the thread count.
public struct AugmentationPipeline: Sendable, Hashable {
    public var steps: [AugmentationStep]
    /// Applied after the steps, whatever their scope (its own `batches` says which batches it mixes).
    public var mixup: Mixup?
    public var scope: AugmentationScope
    public var seed: UInt64

    public init(_ steps: [AugmentationStep], mixup: Mixup? = nil, scope: AugmentationScope = .allImages, seed: UInt64) {
        self.steps = steps
        self.mixup = mixup
        self.scope = scope
        self.seed = seed
    }

    /// Checks the parameters, and that colour changes meet RGB images.
    public func validate(channels: Int) throws(AugmentationError) {
        for step in steps {
            guard step.probability >= 0 && step.probability <= 1 else { throw .probabilityOutOfRange(step.probability) }
            if let bad = step.transform.invalidParameter {
                throw .parameterOutOfRange(step.transform, parameter: bad.name, value: bad.value, expected: bad.expected)
            }
            if step.transform.needsColour && channels != 3 { throw .needsColour(step.transform, channels: channels) }
        }
        if let mixup {
            guard mixup.probability >= 0 && mixup.probability <= 1 else { throw .probabilityOutOfRange(mixup.probability) }
            if let alpha = mixup.alpha, !(alpha > 0 && alpha.isFinite) { throw .mixupAlphaOutOfRange(alpha) }
            if let alpha = mixup.cutMixAlpha, !(alpha > 0 && alpha.isFinite) { throw .cutMixAlphaOutOfRange(alpha) }
        }
    }

    /// Augments one batch.
    ///
    /// - Parameters:
    ///   - images: `N × C × H × W` in [0, 1], as `Dataset.batch(_:)` makes it.
    ///   - labels: the `N` classes, in `0..<classCount`.
    ///   - batchIndex: a number unique to the batch over the whole run (e.g. epoch × batches
    ///     per epoch + batch), so that no two batches draw the same changes.
    /// - Precondition: `validate(channels:)` passes for the images' channel count.
    public func apply(to images: Tensor, labels: [Int], classCount: Int, batchIndex: Int) -> AugmentedBatch {
        precondition(images.rank == 4 && images.shape[0] == labels.count,
                     "images of shape \(images.shape) for \(labels.count) labels: expected [\(labels.count), C, H, W]")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classCount }, "label outside 0..<\(classCount)")
        let (n, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        do throws(AugmentationError) {
            try validate(channels: channels)
        } catch {
            preconditionFailure(error.description)
        }
        var out = images
        let size = channels * height * width
        if !steps.isEmpty {
            out.withUnsafeMutableBufferPointer { buffer in
                Parallel.forEachChunk(n, grain: 1) { range in
                    for i in range where scope.includes(labels[i]) {
                        var rng = SeededGenerator(seed: seed, stream: batchIndex, i)
                        let image = ImagePlanes(base: buffer.baseAddress! + i * size,
                                                channels: channels, height: height, width: width)
                        for step in steps where rng.nextUniform() < step.probability {
                            step.transform.apply(to: image, using: &rng)
                        }
                    }
                }
            }
        }
        var mixed: Tensor?
        if let mixup {
            // Position −1: a stream no image uses.
            var rng = SeededGenerator(seed: seed, stream: batchIndex, -1)
            mixed = mixup.mix(&out, labels: labels, classCount: classCount, using: &rng)
        }
        return AugmentedBatch(images: out, targets: mixed ?? .oneHot(labels, classCount: classCount), isMixed: mixed != nil)
    }
}

extension AugmentationPipeline {
    /// The mild views of a shot averaged into its prototype (`likeness enroll --augment-shots`):
    /// a random resized crop of area 0.8–1 (width/height ratio 3/4–4/3), a rotation of up to
    /// ±10°, a whole-pixel shift of up to ±2 px each way and brightness ×[0.8, 1.2], each drawn for
    /// every view; no flip. Stronger, SimCLR-like views pull a one-shot prototype off its class
    /// (ONE-SHOT-MEASUREMENTS.md: Sneaker recall −0.2), mild ones add +0.02–0.04.
    public static func mildShotViews(seed: UInt64) -> AugmentationPipeline {
        AugmentationPipeline([
            AugmentationStep(.randomResizedCrop(area: 0.8...1, aspectRatio: 0.75...(4.0 / 3)), probability: 1),
            AugmentationStep(.rotation(maxDegrees: 10), probability: 1),
            AugmentationStep(.randomCrop(padding: 2), probability: 1),
            AugmentationStep(.brightness(maxChange: 0.2), probability: 1),
        ], seed: seed)
    }

    /// `count` views of each of the `N` images (`N × C × H × W`), image-major: `(N·count) × C × H × W`,
    /// rows `i·count ..< (i+1)·count` the views of image `i`, drawn from the streams
    /// `(seed, streams[i], v)`, so that an image's views depend on its stream alone, not on the
    /// images beside it.
    public func views(of images: Tensor, count: Int, streams: [Int]) -> Tensor {
        precondition(images.rank == 4 && images.shape[0] == streams.count, "images of shape \(images.shape) for \(streams.count) streams")
        precondition(count >= 1, "\(count) views")
        let n = images.shape[0], size = images.shape[1] * images.shape[2] * images.shape[3]
        var out: [Float] = []
        out.reserveCapacity(n * count * size)
        images.withUnsafeBufferPointer { pixels in
            for i in 0..<n {
                let copies = Tensor(shape: [count] + images.shape.dropFirst(),
                                    scalars: (0..<count).flatMap { _ in pixels[(i * size)..<((i + 1) * size)] })
                out += apply(to: copies, labels: [Int](repeating: 0, count: count), classCount: 1, batchIndex: streams[i]).images.scalars
            }
        }
        return Tensor(shape: [n * count] + images.shape.dropFirst(), scalars: out)
    }
}
