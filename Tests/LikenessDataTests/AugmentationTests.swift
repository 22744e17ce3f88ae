import Testing
import LikenessCore
import LikenessData

@Suite struct AugmentationTests {
    static let transforms: [ImageTransform] = [
        .horizontalFlip, .verticalFlip, .rotation(maxDegrees: 20), .translation(maxFraction: 0.2),
        .zoom(scale: 1.1...1.3), .randomCrop(padding: 2), .randomResizedCrop(area: 0.3...0.9, aspectRatio: 0.75...1.33), .brightness(maxChange: 0.3), .contrast(maxChange: 0.3),
        .saturation(maxChange: 0.5), .hue(maxShift: 0.2), .gaussianNoise(std: 0.05), .saltAndPepper(fraction: 0.1),
        .randomErasing(area: 0.05...0.2, aspectRatio: 0.3...3.3), .cutout(size: 4), .elastic(alpha: 3, sigma: 2),
        .resizedCropRotation(area: 0.5...1, aspectRatio: 0.75...1.33, maxDegrees: 15, maxShift: 2),
    ]

    /// Eight RGB images, 12 × 10, with values in [0.1, 0.9], and their labels.
    static func batch(channels: Int = 3) -> (images: Tensor, labels: [Int]) {
        var rng = SeededGenerator(seed: 77)
        return (Tensor.randomUniform(shape: [8, channels, 12, 10], in: 0.1...0.9, using: &rng), [0, 1, 2, 3, 0, 1, 2, 3])
    }

    static func augment(_ transform: ImageTransform, seed: UInt64, batchIndex: Int = 0, threads: Int) -> Tensor {
        let (images, labels) = batch()
        return Parallel.withThreadCount(threads) {
            AugmentationPipeline([AugmentationStep(transform, probability: 1)], seed: seed)
                .apply(to: images, labels: labels, classCount: 4, batchIndex: batchIndex).images
        }
    }

    @Test("Each augmentation changes the images, the same way for a seed whatever the thread count", arguments: transforms)
    func deterministic(_ transform: ImageTransform) {
        let one = Self.augment(transform, seed: 5, threads: 1)
        #expect(Self.augment(transform, seed: 5, threads: 4) == one)
        #expect(Self.augment(transform, seed: 5, threads: 3) == one)
        #expect(one != Self.batch().images)
        #expect(one.shape == [8, 3, 12, 10])
        #expect(one.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        if transform != .horizontalFlip && transform != .verticalFlip {
            #expect(Self.augment(transform, seed: 6, threads: 1) != one)
            #expect(Self.augment(transform, seed: 5, batchIndex: 1, threads: 1) != one)
        }
    }

    @Test("Flips mirror the columns and the rows")
    func flips() {
        let images = Self.batch().images
        let h = Self.augment(.horizontalFlip, seed: 0, threads: 2)
        let v = Self.augment(.verticalFlip, seed: 0, threads: 2)
        for (n, c, y, x) in [(0, 0, 0, 0), (3, 2, 5, 7), (7, 1, 11, 9)] {
            #expect(h[n, c, y, x] == images[n, c, y, 9 - x])
            #expect(v[n, c, y, x] == images[n, c, 11 - y, x])
        }
    }

    /// One `1 × 1 × size × size` image whose value at `(x, y)` is `value(x, y)`.
    static func image(size: Int, _ value: (Int, Int) -> Float) -> Tensor {
        Tensor(shape: [1, 1, size, size], scalars: (0..<(size * size)).map { value($0 % size, $0 / size) })
    }

    static func resizedCrop(_ image: Tensor, area: ClosedRange<Float>, aspectRatio: ClosedRange<Float>, seed: UInt64) -> Tensor {
        AugmentationPipeline([AugmentationStep(.randomResizedCrop(area: area, aspectRatio: aspectRatio), probability: 1)], seed: seed)
            .apply(to: image, labels: [0], classCount: 1, batchIndex: 0).images
    }

    @Test("A random resized crop of a quarter of the area is a 4 × 4 window at a random place, blown up to 8 × 8")
    func randomResizedCrop() {
        // Linear in x (and in y), so bilinear resizing is exact: the output spans the window's 3 pixels.
        let columns = Self.image(size: 8) { x, _ in Float(x) / 10 }, rows = Self.image(size: 8) { _, y in Float(y) / 10 }
        var lefts: Set<Float> = [], tops: Set<Float> = []
        for seed in UInt64(0)..<20 {
            let x = Self.resizedCrop(columns, area: 0.25...0.25, aspectRatio: 1...1, seed: seed)
            let y = Self.resizedCrop(rows, area: 0.25...0.25, aspectRatio: 1...1, seed: seed)
            let left = x[0, 0, 3, 0], top = y[0, 0, 0, 5]
            #expect((0...4).map { Float($0) / 10 }.contains(left))
            #expect(abs(x[0, 0, 5, 7] - left - 0.3) < 1e-6)
            #expect(abs(x[0, 0, 2, 1] - left - 0.025) < 1e-6)   // (1 + ½)·½ − ½ = ¼ of a source pixel in
            #expect(abs(y[0, 0, 7, 2] - top - 0.3) < 1e-6)
            lefts.insert(left); tops.insert(top)
        }
        #expect(lefts.count > 2 && tops.count > 2)
        // The whole square at ratio 1 is the image itself.
        #expect(Self.resizedCrop(columns, area: 1...1, aspectRatio: 1...1, seed: 4) == columns)
    }

    static func cropRotation(_ image: Tensor, area: ClosedRange<Float>, maxDegrees: Float = 0, maxShift: Float = 0, seed: UInt64) -> Tensor {
        AugmentationPipeline([AugmentationStep(.resizedCropRotation(area: area, aspectRatio: 1...1, maxDegrees: maxDegrees, maxShift: maxShift),
                                               probability: 1)], seed: seed)
            .apply(to: image, labels: [0], classCount: 1, batchIndex: 0).images
    }

    @Test("A resized crop with rotation is one resampling: the whole image unturned is itself, a shift moves it by up to maxShift, a quarter of the area doubles it")
    func resizedCropRotation() {
        // Linear in x, so bilinear resampling is exact away from the border.
        let columns = Self.image(size: 12) { x, _ in Float(x) / 20 }
        let same = Self.cropRotation(columns, area: 1...1, seed: 3)
        #expect(zip(same.scalars, columns.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
        var shifts: Set<Float> = []
        for seed in UInt64(0)..<10 {
            let moved = Self.cropRotation(columns, area: 1...1, maxShift: 2, seed: seed)
            let dx = moved[0, 0, 6, 5] * 20 - 5
            #expect(abs(dx) <= 2 + 1e-5)
            for x in 3...8 { #expect(abs(moved[0, 0, 4, x] * 20 - Float(x) - dx) < 1e-4, "one shift for the whole image") }
            shifts.insert((dx * 100).rounded())
        }
        #expect(shifts.count > 5, "sub-pixel shifts drawn afresh: \(shifts)")
        for seed in UInt64(0)..<10 {
            // Half the side: each output pixel steps half a source pixel, from a window inside the image.
            let crop = Self.cropRotation(columns, area: 0.25...0.25, seed: seed)
            // Output column x reads source column 0.5·x + 2.75 + the crop centre's offset (within ±3).
            let second = crop[0, 0, 2, 1] * 20
            #expect(second >= 0.25 - 1e-5 && second <= 6.25 + 1e-5)
            for x in 2...10 { #expect(abs((crop[0, 0, 9, x] - crop[0, 0, 9, x - 1]) * 20 - 0.5) < 1e-4) }
        }
        // A turn keeps the centre of a square image where it is.
        let spot = Self.image(size: 13) { x, y in x == 6 && y == 6 ? 1 : 0 }
        let turned = Self.cropRotation(spot, area: 1...1, maxDegrees: 90, seed: 5)
        #expect(abs(turned[0, 0, 6, 6] - 1) < 1e-5)
    }

    @Test("A random resized crop that cannot fit in 10 draws takes the centre crop at the nearest ratio allowed")
    func randomResizedCropFallback() {
        // 8 × 8 and a width/height ratio of 2 for the whole area: 11 × 6 never fits; the centre 8 × 4 band (rows 2–5) does.
        let rows = Self.image(size: 8) { _, y in Float(y) / 10 }
        let out = Self.resizedCrop(rows, area: 1...1, aspectRatio: 2...2, seed: 1)
        for y in 0..<8 {
            let source = min(max(2 + (Float(y) + 0.5) * 0.5 - 0.5, 2), 5)
            #expect(abs(out[0, 0, y, 3] - source / 10) < 1e-6)
        }
    }

    @Test("Brightness scales every value of an image by one factor")
    func brightness() {
        let images = Self.batch().images
        let out = Self.augment(.brightness(maxChange: 0.1), seed: 3, threads: 1)
        for n in 0..<8 {
            let factor = out[n, 0, 0, 0] / images[n, 0, 0, 0]
            #expect(factor >= 0.9 && factor <= 1.1)
            #expect(abs(out[n, 2, 7, 3] - factor * images[n, 2, 7, 3]) < 1e-5)
        }
    }

    @Test("Hue turns keep each pixel's HSV value and chroma; saturation keeps its grey")
    func colourInvariants() {
        let images = Self.batch().images
        let hue = Self.augment(.hue(maxShift: 0.5), seed: 2, threads: 1)
        let saturation = Self.augment(.saturation(maxChange: 0.2), seed: 2, threads: 1)
        for n in 0..<8 {
            for (y, x) in [(0, 0), (4, 7), (11, 9)] {
                let before = (0..<3).map { images[n, $0, y, x] }, after = (0..<3).map { hue[n, $0, y, x] }
                #expect(abs(after.max()! - before.max()!) < 1e-5)
                #expect(abs((after.max()! - after.min()!) - (before.max()! - before.min()!)) < 1e-5)
                func grey(_ t: Tensor) -> Float { 0.299 * t[n, 0, y, x] + 0.587 * t[n, 1, y, x] + 0.114 * t[n, 2, y, x] }
                let clamped = (0..<3).contains { saturation[n, $0, y, x] == 0 || saturation[n, $0, y, x] == 1 }
                if !clamped { #expect(abs(grey(saturation) - grey(images)) < 1e-5) }
            }
        }
    }

    @Test("Steps with probability 0 change nothing; the scope spares common classes")
    func probabilityAndScope() {
        let (images, labels) = Self.batch()
        let never = AugmentationPipeline([AugmentationStep(.gaussianNoise(std: 0.1), probability: 0)], seed: 1)
        #expect(never.apply(to: images, labels: labels, classCount: 4, batchIndex: 0).images == images)
        let rareOnly = AugmentationPipeline([AugmentationStep(.gaussianNoise(std: 0.1), probability: 1)],
                                            scope: .classesWithFewerImages(than: 10, classCounts: [100, 5, 100, 9]), seed: 1)
        let out = rareOnly.apply(to: images, labels: labels, classCount: 4, batchIndex: 0).images
        let size = 3 * 12 * 10
        for n in 0..<8 {
            let changed = (0..<size).contains { out[flat: n * size + $0] != images[flat: n * size + $0] }
            #expect(changed == [1, 3].contains(labels[n]), "image \(n) of class \(labels[n])")
        }
    }

    @Test("Colour changes need RGB images", arguments: [ImageTransform.saturation(maxChange: 0.2), .hue(maxShift: 0.1)])
    func colourNeedsRGB(_ transform: ImageTransform) throws {
        let pipeline = AugmentationPipeline([AugmentationStep(transform)], seed: 0)
        #expect(throws: AugmentationError.needsColour(transform, channels: 1)) { try pipeline.validate(channels: 1) }
        try pipeline.validate(channels: 3)
        try AugmentationPipeline([AugmentationStep(.contrast(maxChange: 0.2))], seed: 0).validate(channels: 1)
    }

    @Test("Parameters outside their range are reported")
    func invalidParameters() {
        #expect(throws: AugmentationError.self) {
            try AugmentationPipeline([AugmentationStep(.hue(maxShift: 0.7))], seed: 0).validate(channels: 3)
        }
        #expect(throws: AugmentationError.probabilityOutOfRange(1.5)) {
            try AugmentationPipeline([AugmentationStep(.horizontalFlip, probability: 1.5)], seed: 0).validate(channels: 3)
        }
        #expect(throws: AugmentationError.mixupAlphaOutOfRange(0)) {
            try AugmentationPipeline([], mixup: Mixup(alpha: 0), seed: 0).validate(channels: 3)
        }
    }

    @Test("Mixup mixes pairs of images and their labels with the same λ; soft labels sum to 1")
    func mixup() {
        var rng = SeededGenerator(seed: 4)
        let images = Tensor.randomUniform(shape: [6, 1, 5, 5], in: 0...1, using: &rng)
        let labels = [4, 0, 5, 2, 1, 3]  // one image per class, so each soft label names its pair
        let size = 25
        var lambdas = [Float]()
        for batchIndex in 0..<20 {
            let out = AugmentationPipeline([], mixup: Mixup(alpha: 0.4), seed: 9)
                .apply(to: images, labels: labels, classCount: 6, batchIndex: batchIndex)
            #expect(out.targets.shape == [6, 6])
            for i in 0..<6 {
                let row = (0..<6).map { out.targets[i, $0] }
                #expect(abs(row.reduce(0, +) - 1) < 1e-6)
                let lambda = row[labels[i]]
                guard lambda < 1, let partnerClass = row.indices.first(where: { $0 != labels[i] && row[$0] > 0 }) else {
                    #expect(row.filter { $0 != 0 } == [1])  // mixed with itself
                    continue
                }
                #expect(abs(row[partnerClass] - (1 - lambda)) < 1e-6)
                let j = labels.firstIndex(of: partnerClass)!
                for p in 0..<size {
                    let expected = lambda * images[flat: i * size + p] + (1 - lambda) * images[flat: j * size + p]
                    #expect(abs(out.images[flat: i * size + p] - expected) < 1e-5)
                }
                lambdas.append(min(lambda, 1 - lambda))
            }
        }
        #expect(!lambdas.isEmpty)
        let unmixed = AugmentationPipeline([], seed: 9).apply(to: images, labels: labels, classCount: 6, batchIndex: 0)
        #expect(unmixed.images == images)
        #expect((0..<6).allSatisfy { i in (0..<6).allSatisfy { unmixed.targets[i, $0] == (labels[i] == $0 ? 1 : 0) } })
    }

    @Test("Mixup's λ follows Beta(α, α)")
    func mixupBeta() {
        let images = Tensor(shape: [2, 1, 1, 1], scalars: [0, 1])
        let alpha: Double = 0.4
        var lambdas = [Double]()
        for batchIndex in 0..<4000 {
            let out = AugmentationPipeline([], mixup: Mixup(alpha: Float(alpha)), seed: 1)
                .apply(to: images, labels: [0, 1], classCount: 2, batchIndex: batchIndex)
            // Image 0 is 0 and image 1 is 1: a swapped pair gives image 0 the value 1 − λ.
            if out.targets[0, 1] > 0 || out.targets[0, 0] < 1 { lambdas.append(Double(out.targets[0, 0])) }
        }
        let mean = lambdas.reduce(0, +) / Double(lambdas.count)
        let variance = lambdas.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(lambdas.count)
        #expect(lambdas.count > 1500)
        #expect(abs(mean - 0.5) < 0.03, "mean \(mean)")
        #expect(abs(variance - 1 / (4 * (2 * alpha + 1))) < 0.015, "variance \(variance)")
    }

    /// Image i of a batch filled with the value i, of class i: a pixel's value names the image it came from.
    func numberedImages(_ n: Int, height: Int = 6, width: Int = 5) -> Tensor {
        Tensor(shape: [n, 1, height, width], scalars: (0..<n).flatMap { [Float](repeating: Float($0), count: height * width) })
    }

    @Test("CutMix pastes one box of the partner into each image, and λ is the share of the image left outside it")
    func cutMix() {
        let (n, height, width) = (4, 6, 5)
        let images = numberedImages(n, height: height, width: width)
        var boxes = 0
        for batchIndex in 0..<60 {
            let out = AugmentationPipeline([], mixup: Mixup(cutMixAlpha: 1), seed: 3)
                .apply(to: images, labels: Array(0..<n), classCount: n, batchIndex: batchIndex)
            var pasted: Set<Int>?
            for i in 0..<n {
                let pixels = (0..<(height * width)).map { out.images[flat: i * height * width + $0] }
                let foreign = Set(pixels.indices.filter { pixels[$0] != Float(i) })
                let row = (0..<n).map { out.targets[i, $0] }
                #expect(abs(row.reduce(0, +) - 1) < 1e-6)
                guard let partner = pixels.first(where: { $0 != Float(i) }).map({ Int($0) }) else { continue }
                #expect(pixels.allSatisfy { $0 == Float(i) || $0 == Float(partner) }, "one partner per image")
                #expect(abs(row[i] - (1 - Float(foreign.count) / Float(height * width))) < 1e-6, "λ from the box pasted")
                #expect(abs(row[partner] - Float(foreign.count) / Float(height * width)) < 1e-6)
                // One box per batch: a rectangle, the same for every image.
                let rows = Set(foreign.map { $0 / width }), columns = Set(foreign.map { $0 % width })
                #expect(foreign.count == rows.count * columns.count && rows.max()! - rows.min()! + 1 == rows.count
                        && columns.max()! - columns.min()! + 1 == columns.count, "a box: \(foreign.sorted())")
                #expect(pasted == nil || pasted == foreign)
                pasted = foreign
            }
            if pasted != nil { boxes += 1 }
        }
        #expect(boxes > 20, "\(boxes) of 60 batches got a box")
    }

    @Test("CutMix's box for λ has the area 1 − λ before clipping, and lies in the image")
    func cutMixBoxArea() {
        var rng = SeededGenerator(seed: 5)
        for lambda: Float in [0, 0.19, 0.5, 0.75, 0.96, 1] {
            let box = Mixup.box(lambda: lambda, height: 100, width: 80, using: &rng)
            #expect(box.rows.lowerBound >= 0 && box.rows.upperBound <= 100 && box.columns.lowerBound >= 0 && box.columns.upperBound <= 80)
            #expect(box.rows.count <= Int(100 * (1 - lambda).squareRoot()) && box.columns.count <= Int(80 * (1 - lambda).squareRoot()))
        }
        // Centred in the image's middle, nothing is clipped: the area is (1 − λ) H W to the pixel.
        var centred = 0
        for _ in 0..<400 {
            let box = Mixup.box(lambda: 0.75, height: 100, width: 80, using: &rng)
            if box.rows.count == 50 && box.columns.count == 40 { centred += 1 }
        }
        #expect(centred > 50)
    }

    @Test("Given mixup's and CutMix's α, batches get one or the other")
    func mixupOrCutMix() {
        let images = numberedImages(4)
        var blended = 0, pasted = 0
        for batchIndex in 0..<60 {
            let out = AugmentationPipeline([], mixup: Mixup(alpha: 0.4, cutMixAlpha: 1), seed: 6)
                .apply(to: images, labels: [0, 1, 2, 3], classCount: 4, batchIndex: batchIndex)
            let values = out.images.scalars
            if values.contains(where: { $0 != $0.rounded() }) { blended += 1 } else if values != images.scalars { pasted += 1 }
        }
        #expect(blended > 15 && pasted > 15, "\(blended) blended, \(pasted) pasted of 60")
    }

    @Test("Mixing limited to batches with a rare class leaves the others as they were")
    func mixingOnlyBatchesWithARareClass() {
        let images = numberedImages(4)
        let mixup = Mixup(alpha: 0.4, batches: .classesWithFewerImages(than: 10, classCounts: [100, 50, 5]))
        var mixed = 0
        for batchIndex in 0..<20 {
            let common = AugmentationPipeline([], mixup: mixup, seed: 2).apply(to: images, labels: [0, 1, 1, 0], classCount: 3, batchIndex: batchIndex)
            #expect(common.images == images && common.targets == .oneHot([0, 1, 1, 0], classCount: 3))
            let rare = AugmentationPipeline([], mixup: mixup, seed: 2).apply(to: images, labels: [0, 1, 2, 0], classCount: 3, batchIndex: batchIndex)
            if rare.images != images { mixed += 1 }
        }
        #expect(mixed > 10)
        #expect(throws: AugmentationError.cutMixAlphaOutOfRange(-1)) {
            try AugmentationPipeline([], mixup: Mixup(cutMixAlpha: -1), seed: 0).validate(channels: 1)
        }
    }
}
