import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// `likeness pretrain` on the shapes sample, and what the other commands do with its model:
/// `embed` and `enroll` serve its unit embeddings, `train --init` starts from its backbone and
/// `train --distill` keeps its similarity structure; `--loss` takes the chosen head's losses.
@Suite("likeness pretrain, train --init and --distill", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct PretrainCommandLineTests {
    let shapes = repositoryRoot + "/Datasets/sample/shapes"
    let common = ["--threads", "2", "--seed", "3"]

    func pretrain(in dir: TemporaryFolder, epochs: Int = 1, extra: [String] = []) throws -> (out: String, err: String) {
        try runLikeness(["pretrain", shapes + "/train", "--epochs", "\(epochs)", "--batch-size", "32", "--projection-dimension", "16",
                         "--projection-hidden", "32", "-o", "pretrained.h5"] + extra + common, in: dir.path)
    }

    /// A projection-head model of the folder's size, recording its settings; its outputs are
    /// unit embeddings that embed stores and enroll enrols.
    @Test func pretrainWritesAModelThatEmbedAndEnrollServe() throws {
        let dir = try TemporaryFolder()
        let run = try pretrain(in: dir, epochs: 2)
        #expect(run.out.contains("wrote pretrained.h5"), "\(run.out)")
        #expect(run.err.contains("labels unused") && run.err.contains("batches of 32 × 2 views"), "\(run.err)")
        #expect(run.err.contains("positive mass"), "the epoch summary shows how surely views find their pair: \(run.err)")
        let archive = try ModelArchive.load(dir.file("pretrained.h5"))
        #expect(archive.architecture.head == .projection(hidden: 32, dimension: 16))
        #expect((archive.architecture.height, archive.architecture.width, archive.architecture.channels) == (40, 40, 3))
        guard case .pretraining(let settings)? = archive.training?.settings?.head else {
            Issue.record("no pre-training settings in \(String(describing: archive.training))")
            return
        }
        #expect(settings.batchSize == 32 && settings.temperature == 0.2 && archive.training?.epochs.count == 2)

        try runLikeness(["embed", "--model", "pretrained.h5", "--dataset", shapes + "/test", "-o", "store.h5"], in: dir.path)
        let store = try EmbeddingStore.open(dir.file("store.h5"))
        #expect(store.dimension == 16 && store.count > 0 && store.isNormalized)
        let rows = try store.readAll()
        let norms = rows.embeddings.withUnsafeBufferPointer { p in
            (0..<rows.count).map { i in (0..<16).reduce(Float(0)) { $0 + p[i * 16 + $1] * p[i * 16 + $1] }.squareRoot() }
        }
        #expect(norms.allSatisfy { abs($0 - 1) < 1e-4 }, "unit embeddings: \(norms.prefix(4))")
        try runLikeness(["enroll", "--model", "pretrained.h5", "--gallery", "gallery.h5", "--class", "ring", shapes + "/enrol/ring.jpg"],
                        in: dir.path)
        #expect(try Gallery.load(dir.file("gallery.h5")).classNames == ["ring"])
    }

    /// `train --init` copies the backbone and draws a new head; `--distill` trains with the
    /// distillation loss reported each epoch and records both in the model.
    @Test func trainStartsFromAndDistilsToThePretrainedModel() throws {
        let dir = try TemporaryFolder()
        _ = try pretrain(in: dir)
        let pretrained = try ModelArchive.load(dir.file("pretrained.h5"))
        let run = try runLikeness(["train", shapes + "/train", "--loss", "supcon", "--init", "pretrained.h5", "--distill", "pretrained.h5",
                                   "--distill-pool", shapes + "/test", "--epochs", "1", "-P", "3", "-K", "4", "-o", "model.h5",
                                   "--threads", "2", "--seed", "4"],
                                  in: dir.path)
        #expect(run.err.contains("the backbone starts from pretrained.h5's weights"), "\(run.err)")
        #expect(run.err.contains("distillation "), "the epoch summary has the distillation loss: \(run.err)")
        let model = try ModelArchive.load(dir.file("model.h5"))
        #expect(model.architecture.head == .embedding(dimension: 64))
        guard case .embedding(let settings)? = model.training?.settings?.head else {
            Issue.record("no embedding settings in \(String(describing: model.training))")
            return
        }
        #expect(settings.loss == "SupervisedContrastiveLoss(temperature: 0.1)" && settings.margin == nil, "\(settings)")
        #expect(settings.distillation?.contains("weight 0.5") == true && settings.distillation?.contains("pool images") == true, "\(settings)")
        #expect(model.training?.settings?.initialization?.contains(pretrained.network.weightDigest) == true)

        // Started from the pre-trained backbone: one epoch at 1e-3 moves conv1 a little; the
        // weights seed 4 draws, which it would have started from, are far.
        let fresh = model.architecture.makeNetwork(seed: 4)
        func conv1(_ network: Sequential) -> [Float] { network.parameters.first { $0.name == "conv1.weight" }!.parameter.value.scalars }
        func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
        #expect(distance(conv1(model.network), conv1(pretrained.network)) < distance(conv1(fresh), conv1(pretrained.network)) / 4)
    }

    /// `--init` with another backbone is refused by name; `--loss` of the other head is a usage
    /// error (64) saying which losses the head takes; `--distill` with the softmax head too.
    @Test func mismatchesAreRefused() throws {
        let dir = try TemporaryFolder()
        _ = try pretrain(in: dir)
        let wrongBackbone = try runLikenessToEnd(["train", shapes + "/train", "--backbone", "small", "--init", "pretrained.h5", "-o", "m.h5"]
                                                 + common, in: dir.path)
        #expect(wrongBackbone.status == 1 && wrongBackbone.err.contains("--init pretrained.h5 has the reference backbone"), "\(wrongBackbone.err)")
        let softmaxLoss = try runLikenessToEnd(["train", shapes + "/train", "--loss", "focal", "-o", "m.h5"], in: dir.path)
        #expect(softmaxLoss.status == 64 && softmaxLoss.err.contains("--loss focal is a loss of the softmax head; the embedding head takes triplet, supcon"),
                "\(softmaxLoss.err)")
        let embeddingLoss = try runLikenessToEnd(["train", shapes + "/train", "--head", "softmax", "--loss", "supcon", "-o", "m.h5"], in: dir.path)
        #expect(embeddingLoss.status == 64 && embeddingLoss.err.contains("the softmax head takes ce, focal"), "\(embeddingLoss.err)")
        let distilledSoftmax = try runLikenessToEnd(["train", shapes + "/train", "--head", "softmax", "--distill", "pretrained.h5", "-o", "m.h5"],
                                                    in: dir.path)
        #expect(distilledSoftmax.status == 64 && distilledSoftmax.err.contains("--distill keeps a network's embedding structure"), "\(distilledSoftmax.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("m.h5")))
    }
}
