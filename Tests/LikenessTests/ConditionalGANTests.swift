import Likeness
import Testing

@Suite("Class-conditional GAN")
struct ConditionalGANTests {
    func trained(seed: UInt64, epochs: Int = 2) throws -> (ConditionalGAN, [GANRecipe.EpochReport]) {
        let data = stripes(count: 32, seed: 1, bright: 200, dark: 30, noise: 20)
        let gan = ConditionalGAN(classCount: 2, channels: 1, height: 8, width: 8, noiseDimension: 8, featureChannels: 4, seed: seed)
        let reports = try GANRecipe(epochs: epochs, batchSize: 8, stepsPerEpoch: 4, seed: seed)
            .train(gan, on: data, indices: Array(0..<32))
        return (gan, reports)
    }

    @Test func shapesOfBothNetworks() {
        for (channels, side) in [(1, 28), (3, 32)] {
            let gan = ConditionalGAN(classCount: 10, channels: channels, height: side, width: side, seed: 0)
            #expect(gan.generator.outputShape(for: [5, gan.noiseDimension + 10]) == [5, channels, side, side])
            #expect(gan.discriminator.outputShape(for: [5, channels + 10, side, side]) == [5, 1])
        }
    }

    @Test func conditioningInputs() {
        let gan = ConditionalGAN(classCount: 3, channels: 1, height: 4, width: 4, noiseDimension: 2, seed: 0)
        let g = gan.generatorInput(noise: Tensor(shape: [2, 2], scalars: [5, 6, 7, 8]), labels: [2, 0])
        #expect(g.scalars == [5, 6, 0, 0, 1, 7, 8, 1, 0, 0])
        let d = gan.discriminatorInput(images: Tensor(shape: [1, 1, 4, 4], repeating: -0.5), labels: [1])
        #expect(d.shape == [1, 4, 4, 4])
        #expect(d.scalars == Array(repeating: -0.5, count: 16) + Array(repeating: 0, count: 16) + Array(repeating: 1, count: 16) + Array(repeating: 0, count: 16))
    }

    @Test func trainsWithFiniteLossesAndChangesTheGenerator() throws {
        let untrained = ConditionalGAN(classCount: 2, channels: 1, height: 8, width: 8, noiseDimension: 8, featureChannels: 4, seed: 5)
        let (gan, reports) = try trained(seed: 5)
        #expect(reports.map(\.epoch) == [1, 2])
        for r in reports {
            #expect(r.discriminatorLoss.isFinite && r.generatorLoss.isFinite && r.discriminatorLoss > 0 && r.generatorLoss > 0, "\(r)")
            #expect((0...1).contains(r.realScore) && (0...1).contains(r.generatedScore), "\(r)")
        }
        #expect(gan.generator.parameters.map(\.parameter.value) != untrained.generator.parameters.map(\.parameter.value))
        #expect(gan.discriminator.parameters.map(\.parameter.value) != untrained.discriminator.parameters.map(\.parameter.value))
    }

    @Test func sameSeedSameImages() throws {
        let (a, reportsA) = try trained(seed: 5)
        let (b, reportsB) = try trained(seed: 5)
        let (c, _) = try trained(seed: 6)
        #expect(reportsA == reportsB)
        let names = ["top", "bottom"]
        let imagesA = a.synthesize(classes: [1], count: 6, classNames: names, seed: 9)
        #expect(imagesA.pixels == b.synthesize(classes: [1], count: 6, classNames: names, seed: 9).pixels)
        #expect(imagesA.pixels != c.synthesize(classes: [1], count: 6, classNames: names, seed: 9).pixels)
        #expect(imagesA.pixels != a.synthesize(classes: [1], count: 6, classNames: names, seed: 10).pixels)
    }

    @Test func synthesizedDatasetHasTheAskedClassesAndCounts() throws {
        let (gan, _) = try trained(seed: 5, epochs: 1)
        let set = gan.synthesize(classes: [1, 0], count: 3, classNames: ["top", "bottom"], seed: 1, batchSize: 4)
        #expect(set.classNames == ["bottom", "top"])
        #expect(set.labels == [0, 0, 0, 1, 1, 1])
        #expect(set.ids == ["synthetic:bottom#0", "synthetic:bottom#1", "synthetic:bottom#2", "synthetic:top#0", "synthetic:top#1", "synthetic:top#2"])
        #expect((set.height, set.width, set.channels) == (8, 8, 1))
        #expect(Set(set.pixels).count > 10, "generated images are not flat")
    }

    @Test func gridPlacesImagesInRowsWithGaps() {
        let data = Dataset(pixels: [10, 20, 30, 40, 50, 60, 70, 80], labels: [0, 0], classNames: ["a"], ids: ["x", "y"],
                           height: 2, width: 2, channels: 1)
        let grid = data.grid(rows: [[1], [0, 1]], gap: 1)
        #expect((grid.height, grid.width, grid.channels) == (7, 7, 1))
        func pixel(_ y: Int, _ x: Int) -> UInt8 { grid.pixels[y * 7 + x] }
        #expect(pixel(1, 1) == 50 && pixel(2, 2) == 80)
        #expect(pixel(4, 1) == 10 && pixel(5, 2) == 40 && pixel(4, 4) == 50)
        #expect(pixel(1, 4) == 0 && pixel(0, 0) == 0 && pixel(3, 3) == 0)
    }
}
