import ArgumentParser
import Foundation
import Likeness
import LikenessCommands
import Testing
import _LikenessTestSupport

/// `likeness synthesize` and `likeness train --synthetic`, in process on small 8×8 image sets.
/// Serialized, and without `--threads` (see CommandTests).
@Suite("synthesize and train --synthetic", .serialized)
struct SynthesizeCommandTests {
    func run(_ arguments: [String]) throws {
        var command = try LikenessCommand.parseAsRoot(arguments)
        try command.run()
    }

    /// The message `arguments` fail with; nil, with an issue recorded, when they do not fail.
    func failure(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            try run(arguments)
            Issue.record("likeness \(arguments.joined(separator: " ")) did not fail", sourceLocation: sourceLocation)
            return nil
        } catch {
            return LikenessCommand.fullMessage(for: error)
        }
    }

    /// `count` noisy `side`×`side` gray images, class `i % classNames.count` for image `i`, each
    /// class bright in its own band of rows, written to `path`.
    func writeImageSet(_ path: String, classNames: [String] = ["boot", "sandal", "sneaker"], count: Int = 24, side: Int = 8) throws {
        var rng = SeededGenerator(seed: 1)
        let labels = (0..<count).map { $0 % classNames.count }
        var pixels: [UInt8] = []
        for label in labels {
            for row in 0..<side {
                for _ in 0..<side {
                    let base: Float = row * classNames.count / side == label ? 200 : 30
                    pixels.append(UInt8(max(0, min(255, base + rng.nextNormal() * 20))))
                }
            }
        }
        try Dataset(pixels: pixels, labels: labels, classNames: classNames, ids: labels.indices.map { "image\($0)" },
                    height: side, width: side, channels: 1).writeHDF5(to: path)
    }

    func synthesizeArguments(_ dir: TemporaryFolder, output: String = "synthetic.h5", seed: Int = 3) -> [String] {
        [dir.file("set.h5"), "--classes", "sneaker,1", "--count", "5", "--epochs", "2", "--batch-size", "6",
         "--seed", "\(seed)", "-o", dir.file(output)]
    }

    @Test func writesAnImageSetOfTheAskedClassesAndCountsAndAGrid() throws {
        let dir = try TemporaryFolder()
        try writeImageSet(dir.file("set.h5"))
        try run(["synthesize"] + synthesizeArguments(dir))
        let set = try DatasetSource(parsing: dir.file("synthetic.h5")).load().dataset
        #expect(set.classNames == ["sneaker", "sandal"])
        #expect(set.classCounts == [5, 5])
        #expect((set.height, set.width, set.channels) == (8, 8, 1))
        #expect(set.ids.first == "synthetic:sneaker#0")
        let grid = try RasterImage(contentsOf: dir.file("synthetic.grid.png"))
        // Two rows of five 8×8 images, 2-pixel gaps.
        #expect((grid.height, grid.width, grid.channels) == (2 * 10 + 2, 5 * 10 + 2, 1))

        // The same seed writes the same images; another seed others.
        try run(["synthesize"] + synthesizeArguments(dir, output: "again.h5") + ["--grid", dir.file("again.png")])
        #expect(try Dataset(hdf5: dir.file("again.h5")).pixels == set.pixels)
        try run(["synthesize"] + synthesizeArguments(dir, output: "other.h5", seed: 4))
        #expect(try Dataset(hdf5: dir.file("other.h5")).pixels != set.pixels)
    }

    @Test func synthesizeRefusesBadArguments() throws {
        let dir = try TemporaryFolder()
        try writeImageSet(dir.file("set.h5"))
        try writeImageSet(dir.file("odd.h5"), side: 6)
        let base = [dir.file("set.h5"), "--classes", "1", "--epochs", "1"]
        #expect(failure(["synthesize"] + base)?.contains("Give the HDF5 image set to write with -o/--output.") == true)
        #expect(failure(["synthesize"] + base + ["-o", dir.file("out.png")])?.contains("--output must name an HDF5 file") == true)
        #expect(failure(["synthesize"] + base + ["--count", "0", "-o", dir.file("out.h5")])?.contains("--count must be from 1") == true)
        #expect(failure(["synthesize"] + base + ["-o", dir.file("set.h5")])?.contains("is the file DATASET") == true)
        #expect(failure(["synthesize", dir.file("set.h5"), "--classes", "clog", "-o", dir.file("out.h5")])?.contains("no class is named 'clog'") == true)
        #expect(failure(["synthesize", dir.file("odd.h5"), "--classes", "1", "-o", dir.file("out.h5")])?.contains("multiples of 4") == true)
    }

    @Test func theJudgeMeasuresAgreementAndMustBeASoftmaxModel() throws {
        let dir = try TemporaryFolder()
        try writeImageSet(dir.file("set.h5"))
        let classNames = ["boot", "sandal", "sneaker"]
        for (name, head, names) in [("softmax.h5", Head.softmax(classCount: 3), classNames), ("embedding.h5", .embedding(dimension: 4), classNames),
                                    ("strangers.h5", .softmax(classCount: 3), ["boot", "sandal", "clog"])] {
            let architecture = ModelDescription(backbone: .reference, head: head, channels: 1, height: 8, width: 8)
            try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: names).save(to: dir.file(name))
        }
        try run(["synthesize"] + synthesizeArguments(dir) + ["--judge", dir.file("softmax.h5")])
        #expect(failure(["synthesize"] + synthesizeArguments(dir) + ["--judge", dir.file("embedding.h5")])?.contains("must be a softmax model") == true)
        #expect(failure(["synthesize"] + synthesizeArguments(dir) + ["--judge", dir.file("strangers.h5")])?
            .contains("the model has no class named 'sneaker' (its classes: boot, sandal, clog)") == true)
    }

    @Test func trainAddsTheSyntheticImagesByClassName() throws {
        let dir = try TemporaryFolder()
        try writeImageSet(dir.file("set.h5"), count: 60)
        // Classes in another order, one of them absent: matched by name.
        try writeImageSet(dir.file("synthetic.h5"), classNames: ["sneaker", "boot"], count: 10)
        try run(["train", dir.file("set.h5"), "--head", "softmax", "--epochs", "1", "--synthetic", dir.file("synthetic.h5"), "-o", dir.file("model.h5")])
        let counts = try #require(try ModelArchive.load(dir.file("model.h5")).training).trainingClassCounts
        // 60 images, 20 a class, 10% of each held out for validation; 5 synthetic sneakers and 5 boots.
        #expect(counts == [18 + 5, 18, 18 + 5], "\(counts)")
    }

    @Test func trainRefusesSyntheticImagesThatDoNotFit() throws {
        let dir = try TemporaryFolder()
        try writeImageSet(dir.file("set.h5"), count: 30)
        try writeImageSet(dir.file("larger.h5"), count: 6, side: 12)
        try writeImageSet(dir.file("strangers.h5"), classNames: ["boot", "clog"], count: 6)
        let train = ["train", dir.file("set.h5"), "--head", "softmax", "--epochs", "1", "-o", dir.file("model.h5"), "--synthetic"]
        let size = failure(train + [dir.file("larger.h5")])
        #expect(size?.contains("--synthetic \(dir.file("larger.h5")): its images are 12×12×1, those of \(dir.file("set.h5")) 8×8×1") == true, "\(size ?? "")")
        let classes = failure(train + [dir.file("strangers.h5")])
        #expect(classes?.contains("its class 'clog' is not among the classes of \(dir.file("set.h5")) (boot, sandal, sneaker)") == true, "\(classes ?? "")")
        #expect(failure(train + [dir.file("larger.png")])?.contains("--synthetic must name an HDF5 image set") == true)
        let onInput = ["train", dir.file("set.h5"), "--head", "softmax", "--synthetic", dir.file("strangers.h5"), "-o", dir.file("strangers.h5")]
        #expect(failure(onInput)?.contains("is the file --synthetic") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.file("model.h5")))
    }
}
