import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// The headline scenario on a user's own folder, end to end through the binary: RGB JPEGs with a
/// class of one image and a class of two, and a class that appears only after training. Both
/// heads train with no size or channel flag; the new class is enrolled from one image; `compare`
/// gives the novelty to the embedding approach and scores the softmax model 0 on what it cannot
/// know; `predict` and `query` answer on the same images.
@Suite("likeness command line: the one-shot story on an own folder", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct OwnFolderStoryCommandLineTests {
    let shapes = repositoryRoot + "/Datasets/sample/shapes"

    /// `train/` (circle, square, triangle: 12 images each; cross: 2; star: 1), `test/` (3 images
    /// of each class, ring included) and `ring.jpg`, copied from the committed shapes sample.
    func buildFolder(in dir: TemporaryFolder) throws {
        let files = FileManager.default
        func copy(_ part: String, _ name: String, count: Int, to target: String) throws {
            let source = shapes + "/" + part + "/" + name
            try files.createDirectory(atPath: dir.path + "/" + target + "/" + name, withIntermediateDirectories: true)
            let images = try files.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".jpg") }.sorted()
            try #require(images.count >= count, "\(source) holds \(images.count) images")
            for image in images.prefix(count) {
                try files.copyItem(atPath: source + "/" + image, toPath: dir.path + "/" + target + "/" + name + "/" + image)
            }
        }
        for (name, count) in [("circle", 12), ("square", 12), ("triangle", 12), ("cross", 2), ("star", 1)] {
            try copy("train", name, count: count, to: "train")
        }
        for name in ["circle", "square", "triangle", "cross", "star", "ring"] {
            try copy("test", name, count: 3, to: "test")
        }
        try files.copyItem(atPath: shapes + "/enrol/ring.jpg", toPath: dir.path + "/ring.jpg")
    }

    /// Copies the JPEGs of `source` from the `first`th on (in name order) into the new folder `target`.
    func copyImages(_ source: String, from first: Int, to target: String) throws {
        let files = FileManager.default
        try files.createDirectory(atPath: target, withIntermediateDirectories: true)
        for image in try files.contentsOfDirectory(atPath: source).filter({ $0.hasSuffix(".jpg") }).sorted().dropFirst(first) {
            try files.copyItem(atPath: source + "/" + image, toPath: target + "/" + image)
        }
    }

    /// The classes of approach `name` in report.json, by class name.
    func classes(of name: String, in report: [String: Any]) throws -> (novelty: String?, classes: [String: [String: Any]]) {
        let approaches = try #require(report["approaches"] as? [[String: Any]])
        let approach = try #require(approaches.first { ($0["name"] as? String)?.hasPrefix(name) == true }, "no approach \(name)")
        let rows = try #require((approach["report"] as? [String: Any])?["classes"] as? [[String: Any]])
        return (approach["novelty"] as? String, Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0) }))
    }

    @Test func trainEnrolCompareQueryAndPredictOnAnOwnFolder() throws {
        let dir = try TemporaryFolder()
        try buildFolder(in: dir)

        // Both heads, no size or channel flag: the folder's 40×40 RGB; star (one image) left out.
        let embedding = try runLikeness(["train", "train", "--epochs", "3", "-o", "embedder.h5"], in: dir.path)
        #expect(embedding.err.contains("star") && embedding.err.contains("likeness enroll"), "\(embedding.err)")
        try runLikeness(["train", "train", "--head", "softmax", "--loss", "focal", "--epochs", "3", "-o", "softmax.h5"], in: dir.path)
        for model in ["embedder.h5", "softmax.h5"] {
            let archive = try ModelArchive.load(dir.path + "/" + model)
            #expect((archive.architecture.height, archive.architecture.width, archive.architecture.channels) == (40, 40, 3), "\(model)")
            let counts = try #require(archive.training?.trainingClassCounts)
            #expect(archive.classNames == ["circle", "cross", "square", "star", "triangle"])
            #expect(counts.count == 5 && counts[3] == 0 && counts.enumerated().allSatisfy { $0.offset == 3 || $0.element > 0 },
                    "\(model): \(counts): only the one-image class (star) is left out of training")
        }

        // The gallery: every class of the folder (star from its one image), then ring, one-shot.
        try runLikeness(["enroll", "--model", "embedder.h5", "--gallery", "gallery.h5", "--dataset", "train"], in: dir.path)
        try runLikeness(["enroll", "--model", "embedder.h5", "--gallery", "gallery.h5", "--class", "ring", "ring.jpg"], in: dir.path)
        let gallery = try Gallery.load(dir.path + "/gallery.h5")
        #expect(gallery.classNames.contains("ring") && gallery.classNames.contains("star"))

        try runLikeness(["compare", "test", "--softmax", "softmax.h5", "--embedding", "embedder.h5", "--gallery", "gallery.h5",
                         "-o", "report"], in: dir.path)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/report/report.json")))
        let report = try #require(json as? [String: Any])
        let softmax = try classes(of: "softmax", in: report)
        let nearest = try classes(of: "embedding", in: report)
        #expect(softmax.novelty == "not trained on")
        #expect(nearest.novelty == "enrolled one-shot")
        for name in ["ring", "star"] {
            // The softmax model cannot know them: novel to it, never answered, recall 0.
            #expect(softmax.classes[name]?["is_novel"] as? Bool == true, "softmax, \(name)")
            #expect(softmax.classes[name]?["recall"] as? Double == 0, "softmax, \(name)")
            // The gallery knows them from one image each.
            #expect(nearest.classes[name]?["is_novel"] as? Bool == true, "embedding, \(name)")
        }
        for name in ["circle", "square", "triangle", "cross"] {
            #expect(softmax.classes[name]?["is_novel"] as? Bool == false, "softmax, \(name)")
            #expect(nearest.classes[name]?["is_novel"] as? Bool == false, "embedding, \(name)")
        }
        let markdown = try String(contentsOfFile: dir.path + "/report/report.md", encoding: .utf8)
        #expect(markdown.contains("ring"))

        // The one-shot classes (ring and star) over draws of their image from other images of them.
        for name in ["ring", "star"] {
            try copyImages(shapes + "/test/" + name, from: 3, to: dir.path + "/shots/" + name)
        }
        let redrawn = try runLikeness(["compare", "test", "--softmax", "softmax.h5", "--embedding", "embedder.h5", "--gallery", "gallery.h5",
                                       "--one-shot-draws", "6", "--shots", "shots", "-o", "redrawn"], in: dir.path)
        let redrawnJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/redrawn/report.json")))
        let approaches = try #require((redrawnJSON as? [String: Any])?["approaches"] as? [[String: Any]])
        let embeddingParts = approaches.compactMap { $0["embedding"] as? [String: Any] }
        let redraws = try #require(embeddingParts.compactMap { $0["one_shot_redraws"] as? [String: Any] }.first)
        #expect(redraws["draws"] as? Int == 6 && redraws["shot_source"] as? String == "shots")
        let redrawnClasses = try #require(redraws["classes"] as? [[String: Any]])
        #expect(redrawnClasses.compactMap { $0["name"] as? String } == ["ring", "star"], "the classes novel for the embedding model and enrolled")
        for entry in redrawnClasses {
            #expect(entry["candidate_count"] as? Int == 7, "\(entry)")
            let recall = try #require(entry["recall"] as? [Double]), falseAccepts = try #require(entry["false_accept_rate"] as? [Double])
            #expect(recall.count == 6 && falseAccepts.count == 6 && (recall + falseAccepts).allSatisfy { (0...1).contains($0) }, "\(entry)")
        }
        for page in ["report.md", "report.html"] {
            let text = try String(contentsOfFile: dir.path + "/redrawn/" + page, encoding: .utf8)
            #expect(text.contains("over 6 draws of their image") && text.contains("False-accept rate, A"), "\(page)")
        }
        #expect(redrawn.out.contains("ring, one-shot over 6 draws: recall"), "\(redrawn.out)")
        // A shot that is also a compared image is refused, and the report already there is kept.
        try copyImages(shapes + "/test/ring", from: 0, to: dir.path + "/leaky/ring")
        try copyImages(shapes + "/test/star", from: 3, to: dir.path + "/leaky/star")
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/redrawn/report.json"))
        let leaky = try runLikenessToEnd(["compare", "test", "--softmax", "softmax.h5", "--embedding", "embedder.h5", "--gallery", "gallery.h5",
                                          "--one-shot-draws", "6", "--shots", "leaky", "-o", "redrawn"], in: dir.path)
        #expect(leaky.status == 1)
        #expect(leaky.err.contains("--shots leaky: image") && leaky.err.contains("is also one of the compared images"), "\(leaky.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/redrawn/report.json")) == before)

        // predict: the softmax model's classes, which ring is not among.
        let ringImages = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/test/ring").sorted().map { "test/ring/" + $0 }
        let predicted = try runLikeness(["predict", "--model", "softmax.h5", "-k", "2", "--format", "jsonl"] + ringImages, in: dir.path).out
        let lines = predicted.split(separator: "\n")
        #expect(lines.count == ringImages.count, "\(predicted)")
        #expect(!predicted.contains("\"ring\""), "the softmax model answered a class it never saw: \(predicted)")

        // query: the nearest training images of each ring image.
        try runLikeness(["embed", "--model", "embedder.h5", "--dataset", "train", "-o", "train.h5"], in: dir.path)
        let neighbours = try runLikeness(["query", "--store", "train.h5", "--model", "embedder.h5", "-k", "3"] + ringImages, in: dir.path).out
        let rows = neighbours.split(separator: "\n").dropFirst()
        #expect(rows.count == 3 * ringImages.count, "\(neighbours)")
    }
}
