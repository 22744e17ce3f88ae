import Testing
import LikenessData

@Suite struct BatchSamplerTests {
    @Test("Shuffled batches hold every index once per epoch, in a new order each epoch", arguments: [false, true])
    func shuffled(dropLast: Bool) {
        let indices = Array(stride(from: 3, to: 103, by: 2))  // 50 indices
        let sampler = ShuffledBatchSampler(indices: indices, batchSize: 8, dropLast: dropLast, seed: 1)
        let epoch0 = sampler.batches(epoch: 0)
        #expect(epoch0.count == (dropLast ? 6 : 7))
        #expect(epoch0.dropLast().allSatisfy { $0.count == 8 })
        #expect(epoch0.last!.count == (dropLast ? 8 : 2))
        let seen = epoch0.flatMap { $0 }
        #expect(Set(seen).count == seen.count && Set(seen).isSubset(of: indices))
        if !dropLast { #expect(seen.sorted() == indices) }
        #expect(seen != indices)
        #expect(sampler.batches(epoch: 1) != epoch0)
        #expect(ShuffledBatchSampler(indices: indices, batchSize: 8, dropLast: dropLast, seed: 1).batches(epoch: 0) == epoch0)
    }

    @Test("Class-balanced batches draw each class equally often, and each image of a class in turn")
    func classBalanced() {
        let counts = [300, 40, 7, 1]
        let labels = counts.enumerated().flatMap { c, n in [Int](repeating: c, count: n) }
        let sampler = ClassBalancedBatchSampler(labels: labels, batchSize: 32, batchesPerEpoch: 400, seed: 2)
        let batches = sampler.batches(epoch: 0)
        #expect(batches.count == 400 && batches.allSatisfy { $0.count == 32 })
        let drawn = batches.flatMap { $0 }
        let classHistogram = histogram(drawn.map { labels[$0] }, classCount: 4)
        // 12,800 draws at 1/4 each: 3,200 per class, σ ≈ 49.
        #expect(classHistogram.allSatisfy { abs($0 - 3200) < 250 }, "\(classHistogram)")
        // Within a class, images come round in turn: their counts differ by at most 1.
        for c in 0..<4 {
            let perImage = Dictionary(grouping: drawn.filter { labels[$0] == c }, by: { $0 }).mapValues(\.count)
            #expect(perImage.count == counts[c])
            #expect(perImage.values.max()! - perImage.values.min()! <= 1)
        }
        // By default an epoch holds about as many images as the pool.
        #expect(ClassBalancedBatchSampler(labels: labels, batchSize: 32, seed: 2).batches(epoch: 0).count == 11)
        #expect(sampler.batches(epoch: 0) == batches && sampler.batches(epoch: 1) != batches)
    }

    @Test("PK batches hold P distinct classes × K images; small classes are drawn with replacement")
    func pk() {
        let counts = [30, 20, 10, 3, 2, 0, 6]
        let labels = counts.enumerated().flatMap { c, n in [Int](repeating: c, count: n) }
        let sampler = PKBatchSampler(labels: labels, classesPerBatch: 3, imagesPerClass: 4, seed: 5)
        let batches = sampler.batches(epoch: 0)
        #expect(batches.count == 6)  // ⌈71 / 12⌉
        var classSeen = [Int](repeating: 0, count: counts.count)
        for epoch in 0..<50 {
            for batch in sampler.batches(epoch: epoch) {
                #expect(batch.count == 12)
                let blocks = stride(from: 0, to: 12, by: 4).map { Array(batch[$0..<($0 + 4)]) }
                let classes = blocks.map { labels[$0[0]] }
                #expect(Set(classes).count == 3)
                for (block, c) in zip(blocks, classes) {
                    classSeen[c] += 1
                    #expect(block.allSatisfy { labels[$0] == c })
                    let distinct = Set(block).count
                    // Classes with at least K images: K distinct images; smaller ones: all of theirs, repeated.
                    #expect(distinct == min(counts[c], 4), "class \(c): \(block)")
                }
            }
        }
        // 300 batches × 3 classes over 6 classes with images: 150 each, σ ≈ 11.
        #expect(classSeen[5] == 0)
        #expect(classSeen.enumerated().filter { $0.offset != 5 }.allSatisfy { abs($0.element - 150) < 60 }, "\(classSeen)")
        #expect(sampler.batches(epoch: 0) == batches && sampler.batches(epoch: 1) != batches)
    }

    @Test("PK batches draw only from the given indices")
    func pkPool() {
        let labels = (0..<40).map { $0 % 4 }
        let pool = Array(0..<20)
        let sampler = PKBatchSampler(labels: labels, indices: pool, classesPerBatch: 4, imagesPerClass: 2, seed: 1)
        #expect(sampler.batches(epoch: 3).allSatisfy { $0.allSatisfy { $0 < 20 } })
    }
}
