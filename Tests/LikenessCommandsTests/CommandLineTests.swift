import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// The `likeness` tool end to end, on the committed sample set: train an embedding model
/// without two classes, enrol the others from a dataset and a new class from one image,
/// calibrate, classify and embed; and the refusals that keep a gallery intact.
@Suite("likeness command line", .serialized, .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct CommandLineTests {
    let sample = repositoryRoot + "/Datasets/sample/fashion-mnist"
    let images = repositoryRoot + "/Datasets/sample/image-folder"

    @discardableResult
    func likeness(_ arguments: [String], in folder: String, expectFailure: Bool = false,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> (out: String, err: String) {
        try runLikeness(arguments, in: folder, expectFailure: expectFailure, sourceLocation: sourceLocation)
    }

    /// The headline scenario: Sandal left out of both models' training and enrolled from one
    /// image; compare, reading the image folder at the models' input with no size options, scores
    /// it missed by the softmax model and answered from the gallery by the embedding model.
    @Test func compareScoresAClassEnrolledAfterTraining() throws {
        let dir = try TemporaryFolder()
        let common = ["--threads", "2", "--seed", "1"], input = ["--image-size", "28", "--grayscale"]
        try likeness(["train", images, "--exclude-classes", "5", "--epochs", "1", "-P", "4", "-K", "2", "-o", "embedder.h5"] + input + common,
                     in: dir.path)
        try likeness(["train", images, "--exclude-classes", "5", "--head", "softmax", "--epochs", "1", "--batch-size", "8",
                      "-o", "softmax.h5"] + input + common, in: dir.path)
        try likeness(["enroll", "--model", "embedder.h5", "--gallery", "gallery.h5", "--dataset", images, "--classes", "0,1,2,3,4,6,7,8,9"] + common,
                     in: dir.path)
        let sandal = try #require(try FileManager.default.contentsOfDirectory(atPath: images + "/5-Sandal").sorted().first)
        try likeness(["enroll", "--model", "embedder.h5", "--gallery", "gallery.h5", "--class", "5-Sandal", images + "/5-Sandal/" + sandal] + common,
                     in: dir.path)
        try likeness(["compare", images, "--softmax", "softmax.h5", "--embedding", "embedder.h5", "--gallery", "gallery.h5", "-o", "report"] + common,
                     in: dir.path)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/report/report.json")))
        let approaches = try #require((json as? [String: Any])?["approaches"] as? [[String: Any]])
        try #require(approaches.count == 2)
        func sandalMeasures(_ approach: [String: Any]) throws -> [String: Any] {
            let classes = try #require((approach["report"] as? [String: Any])?["classes"] as? [[String: Any]])
            return try #require(classes.first { $0["name"] as? String == "5-Sandal" })
        }
        let softmax = try sandalMeasures(approaches[0]), embedding = try sandalMeasures(approaches[1])
        #expect(approaches[0]["novelty"] as? String == "not trained on")
        #expect(softmax["is_novel"] as? Bool == true)
        #expect(softmax["recall"] as? Double == 0)
        #expect(approaches[1]["novelty"] as? String == "enrolled one-shot")
        #expect(embedding["is_novel"] as? Bool == true)
        #expect((embedding["recall"] as? Double).map { (0...1).contains($0) } == true)
        // The softmax model's probability of Sandal is 0 on every image.
        let samples = try #require((json as? [String: Any])?["samples"] as? [[String: Any]])
        let sandalColumn = try #require(((json as? [String: Any])?["class_names"] as? [String])?.firstIndex(of: "5-Sandal"))
        #expect(samples.count == 30)
        #expect(samples.allSatisfy { (($0["scores"] as? [[Double]])?[0][sandalColumn]) == 0 })
        let markdown = try String(contentsOfFile: dir.path + "/report/report.md", encoding: .utf8)
        #expect(markdown.contains("5-Sandal · novel for A (not trained on); B (enrolled one-shot)"))
        // The report records the command that made it.
        #expect(((json as? [String: Any])?["command_line"] as? String)?.hasPrefix("likeness compare \(images) --softmax softmax.h5") == true)

        // Models of different input sizes are refused while running: exit 1, no usage.
        try likeness(["train", images, "--head", "softmax", "--epochs", "1", "--batch-size", "8", "--image-size", "32", "--grayscale",
                      "-o", "softmax32.h5"] + common, in: dir.path)
        let refused = try runLikenessToEnd(["compare", images, "--softmax", "softmax32.h5", "--embedding", "embedder.h5",
                                            "--gallery", "gallery.h5", "-o", "report32"] + common, in: dir.path)
        #expect(refused.status == 1)
        #expect(refused.err.contains("takes 1×32×32 images and --embedding embedder.h5 1×28×28"), "\(refused.err)")
        #expect(!refused.err.contains("Usage:"), "\(refused.err)")
    }

    @Test func trainEnrolCalibrateClassifyEmbed() throws {
        let dir = try TemporaryFolder()
        let common = ["--threads", "2", "--seed", "1"]
        try likeness(["train", sample, "--exclude-classes", "5,7", "--epochs", "2", "-P", "4", "-K", "4", "-o", "model.h5"] + common,
                     in: dir.path)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/model.h5"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/model.checkpoint.h5"))

        // Enrol the eight trained classes from the sample's training images, then Sandal from one image.
        try likeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", sample, "--classes", "0,1,2,3,4,6,8,9"] + common,
                     in: dir.path)
        let sandals = try FileManager.default.contentsOfDirectory(atPath: images + "/5-Sandal").sorted().map { images + "/5-Sandal/" + $0 }
        let enrolled = try likeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "Sandal", sandals[0]] + common,
                                    in: dir.path)
        #expect(enrolled.out.contains("enrolled Sandal from 1 image"))

        // Classes 5 and 7 left out (7 is not enrolled, and 5 is enrolled under another name, so
        // both only give impostor distances: one per enrolled class, 9): the same genuine
        // distances, 9 impostor distances fewer per image of theirs; and it is said so.
        let knownOnly = try likeness(["calibrate", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", sample + "/t10k-images-idx3-ubyte.gz",
                                      "--false-accept-rate", "0.1", "--exclude-classes", "5,7"] + common, in: dir.path)
        let all = try likeness(["calibrate", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", sample + "/t10k-images-idx3-ubyte.gz",
                                "--false-accept-rate", "0.1"] + common, in: dir.path)
        func counts(_ out: String) -> [Int] {
            guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("all classes") }), let open = line.lastIndex(of: "(") else { return [] }
            return line[open...].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        }
        #expect(knownOnly.err.contains("without those of 5, 7"), "\(knownOnly.err)")
        let leftOut = try FashionMNIST.load(split: .test, directory: sample).labels.filter { $0 == 5 || $0 == 7 }.count
        #expect(counts(knownOnly.out).count == 2 && counts(knownOnly.out) == [counts(all.out)[0], counts(all.out)[1] - 9 * leftOut],
                "\(knownOnly.out)\n\(all.out)")

        // The enrolment image itself is nearest to its own prototype, at distance 0.
        let answer = try likeness(["classify", "--model", "model.h5", "--gallery", "gallery.h5", "--format", "jsonl", sandals[0]] + common,
                                  in: dir.path).out
        let line = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        #expect(line["nearest"] as? String == "Sandal")
        #expect((line["distance"] as? Double).map { $0 < 1e-3 } == true)
        // Under the raw score (the default) the one-image class's threshold comes from its shot count.
        #expect(line["threshold"] is Double && line["score"] as? Double == line["distance"] as? Double
                && line["threshold_source"] as? String == "shots")

        let csv = try likeness(["classify", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", sample + "/t10k-images-idx3-ubyte.gz"] + common,
                               in: dir.path).out.split(separator: "\n")
        #expect(csv.first == "id,class,nearest,distance,score,threshold,threshold_source,true_class")
        #expect(csv.count == 101)

        let embedded = try likeness(["embed", "--model", "model.h5", "--dataset", sample, "-o", "store.h5"] + common, in: dir.path)
        #expect(embedded.out.contains("wrote 200 embeddings of dimension 64"))

        // A softmax model beside it, and both compared on the sample's test images (whose classes
        // are named by index: class 5 is enrolled one-shot under its own name).
        try likeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--class", "5", sandals[1]] + common, in: dir.path)
        try likeness(["train", sample, "--head", "softmax", "--loss", "focal", "--class-weights", "balanced", "--epochs", "1",
                      "--batch-size", "16", "-o", "softmax.h5"] + common, in: dir.path)
        let compared = try likeness(["compare", sample + "/t10k-images-idx3-ubyte.gz", "--softmax", "softmax.h5", "--embedding", "model.h5",
                                     "--gallery", "gallery.h5", "-o", "report", "--target-recall", "0.9", "--for-class", "5",
                                     "--prior-correction", "1"] + common, in: dir.path)
        #expect(compared.out.contains("balanced accuracy"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.path + "/report/report.json")))
        let approaches = try #require((json as? [String: Any])?["approaches"] as? [[String: Any]])
        #expect(approaches.count == 2)
        // Class 5 was left out of the embedding model's training and enrolled from one image.
        let markdown = try String(contentsOfFile: dir.path + "/report/report.md", encoding: .utf8)
        #expect(markdown.contains("novel for B"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/report/report.html"))
    }

    @Test func predictGivesASoftmaxModelsMostProbableClasses() throws {
        let dir = try TemporaryFolder()
        let common = ["--threads", "2", "--seed", "1"]
        try likeness(["train", sample, "--head", "softmax", "--epochs", "1", "--batch-size", "16", "-o", "softmax.h5"] + common, in: dir.path)
        let pngs = try ["5-Sandal", "8-Bag"].map { folder in
            images + "/" + folder + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: images + "/" + folder)
                .filter { $0.hasSuffix(".png") }.sorted().first))
        }

        // The table: a header and a row per image, three classes each by default.
        let table = try likeness(["predict", "--model", "softmax.h5"] + pngs + common, in: dir.path).out.split(separator: "\n")
        #expect(table.count == 3)
        #expect(table.first.map { $0.hasPrefix("id") && $0.hasSuffix("top 3") } == true, "\(table)")
        #expect(table.dropFirst().allSatisfy { $0.split(separator: " ").filter { $0.count == 6 && Double($0) != nil }.count == 3 }, "\(table)")

        // CSV: probabilities in decreasing order, at most 1 in all; -k is bounded by the 10 classes.
        let wide = try likeness(["predict", "--model", "softmax.h5", "--format", "csv", "-k", "12"] + pngs + common, in: dir.path)
        #expect(wide.err.contains("warning: -k/--top 12 is more than the model's 10 classes"))
        let csv = wide.out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(csv.first?.first == "id" && csv.first?.count == 1 + 2 * 10 && csv.first?.last == "probability_10")
        #expect(csv.count == 3)
        for row in csv.dropFirst() {
            let p = stride(from: 2, to: row.count, by: 2).compactMap { Double(row[$0]) }
            #expect(p.count == 10 && p == p.sorted(by: >) && p.reduce(0, +) <= 1 + 1e-5, "\(row)")
            #expect(Set(stride(from: 1, to: row.count, by: 2).map { row[$0] }).count == 10, "\(row)")
        }

        // JSON lines on a labelled set, with the true class; the summary on standard error; -o writes the file.
        let test = sample + "/t10k-images-idx3-ubyte.gz"
        let labelled = try likeness(["predict", "--model", "softmax.h5", "--dataset", test, "--format", "jsonl", "-k", "2", "-o", "p.jsonl"]
                                    + common, in: dir.path)
        #expect(labelled.out.isEmpty)
        #expect(labelled.err.contains("predict: 100 images, accuracy ") && labelled.err.contains("balanced accuracy "), "\(labelled.err)")
        let jsonLines = try String(contentsOfFile: dir.path + "/p.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(jsonLines.count == 100)
        for text in jsonLines {
            let line = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let top = try #require(line["top"] as? [[String: Any]])
            let p = top.compactMap { $0["probability"] as? Double }
            #expect(p.count == 2 && p[0] >= p[1] && p[0] + p[1] <= 1 + 1e-5, "\(text)")
            #expect(line["true_class"] is String && line["id"] is String, "\(text)")
        }
        let csvLabelled = try likeness(["predict", "--model", "softmax.h5", "--dataset", test, "--format", "csv", "-k", "1"] + common,
                                       in: dir.path).out.split(separator: "\n")
        #expect(csvLabelled.first == "id,class_1,probability_1,true_class")
        #expect(csvLabelled.count == 101)
        let tableLabelled = try likeness(["predict", "--model", "softmax.h5", "--dataset", test] + common, in: dir.path).out
        #expect(tableLabelled.hasPrefix("id") && tableLabelled.contains("true class"))
        #expect(tableLabelled.split(separator: "\n").count == 101)
    }

    @Test func refusalsLeaveTheGalleryAsItWas() throws {
        let dir = try TemporaryFolder()
        let common = ["--threads", "2"]
        for (name, seed) in [("a.h5", "1"), ("b.h5", "2")] {
            try likeness(["train", sample, "--epochs", "1", "-P", "4", "-K", "4", "-o", name, "--seed", seed] + common, in: dir.path)
        }
        try likeness(["enroll", "--model", "a.h5", "--gallery", "gallery.h5", "--dataset", sample] + common, in: dir.path)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/gallery.h5"))

        // Another model's embeddings do not belong in this gallery.
        let mismatch = try likeness(["enroll", "--model", "b.h5", "--gallery", "gallery.h5", "--dataset", sample] + common,
                                    in: dir.path, expectFailure: true)
        #expect(mismatch.err.contains("model_digest"))
        // An unreadable image stops the enrolment before anything is written.
        try "not an image".write(toFile: dir.path + "/bad.png", atomically: true, encoding: .utf8)
        let bad = try likeness(["enroll", "--model", "a.h5", "--gallery", "gallery.h5", "--class", "X", "bad.png"] + common,
                               in: dir.path, expectFailure: true)
        #expect(bad.err.contains("bad.png"))
        // A wrong option is named with what to do.
        let usage = try likeness(["enroll", "--model", "a.h5", "--gallery", "gallery.h5", "bad.png"], in: dir.path, expectFailure: true)
        #expect(usage.err.contains("--class"))

        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/gallery.h5")) == before)
    }
}
