import Foundation
import Likeness
import LikenessCommands
import Testing
import _LikenessTestSupport

/// `enroll --augment-shots/--refine-with`, `calibrate --score`, `classify`'s score and threshold
/// source, and `one-shot`'s enrolment options, run in process on the sample.
extension CommandTests {
    var sandals: [String] {
        get throws {
            let folder = repositoryRoot + "/Datasets/sample/image-folder/5-Sandal"
            return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { folder + "/" + $0 }
        }
    }

    /// The one JSON line `classify --format jsonl` writes for `image`.
    func classified(_ image: String, in dir: String) throws -> [String: Any] {
        try run(["classify", "--model", dir + "/model.h5", "--gallery", dir + "/gallery.h5", "--format", "jsonl", image, "-o", dir + "/answer.jsonl"])
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/answer.jsonl"))) as? [String: Any])
    }

    @Test func aShotIsEnrolledWithItsViewsRefinedFromAPoolAndThresholdedByItsShotCount() throws {
        let folder = try TemporaryFolder(), dir = folder.path
        try saveModel(at: dir + "/model.h5")
        let enrol = ["enroll", "--model", dir + "/model.h5", "--gallery", dir + "/gallery.h5"]
        try run(enrol + ["--dataset", sample, "--classes", "0,1,2,3,4,6,8,9"])
        try run(enrol + ["--class", "Sandal", "--augment-shots", "4", try sandals[0]])
        var gallery = try Gallery.load(dir + "/gallery.h5")
        let sandal = try #require(gallery["Sandal"])
        #expect(sandal.shotCount == 1 && sandal.viewCount == 5 && sandal.refinement == nil)
        #expect(gallery["Coat"]?.viewCount == gallery["Coat"]?.shotCount && gallery["Coat"]?.refinement == nil)
        #expect(gallery.score == Gallery.defaultScore)
        // A second new class, refined from the sample's 200 training images (unlabelled): the
        // pool's soft assignment counts with its shots, and the other prototypes stay.
        let sneaker = repositoryRoot + "/Datasets/sample/image-folder/7-Sneaker"
        let sneakerImage = sneaker + "/" + (try FileManager.default.contentsOfDirectory(atPath: sneaker).sorted()[0])
        try run(enrol + ["--class", "Sneaker", "--refine-with", "fashion-mnist:train", "--data-directory", sample,
                         "--refine-iterations", "2", sneakerImage])
        let refined = try Gallery.load(dir + "/gallery.h5")
        let refinement = try #require(refined["Sneaker"]?.refinement)
        #expect(refinement.poolSize == 200 && refinement.poolWeight > 0)
        #expect(refined["Sandal"] == gallery["Sandal"] && refined["Coat"] == gallery["Coat"])

        // The raw score: the one-image class gets a threshold from its shot count, above the global one.
        let calibrate = ["calibrate", "--model", dir + "/model.h5", "--gallery", dir + "/gallery.h5", "--dataset", sample + "/t10k-images-idx3-ubyte.gz"]
        try run(calibrate + ["--score", "raw"])
        gallery = try Gallery.load(dir + "/gallery.h5")
        let global = try #require(gallery.globalThreshold)
        #expect(gallery.score == .raw && gallery["Sandal"]?.threshold?.source == .shots)
        #expect(try #require(gallery["Sandal"]?.threshold).distance > global.distance)
        #expect(gallery["Coat"]?.threshold == nil, "classes of many images keep the global threshold")
        var answer = try classified(try sandals[0], in: dir)
        if answer["nearest"] as? String == "Sandal" {
            #expect(answer["threshold_source"] as? String == "shots")
            #expect((answer["threshold"] as? Double).map { Float($0) } == gallery["Sandal"]?.threshold?.distance)
        }
        #expect(answer["score"] as? Double == answer["distance"] as? Double, "the raw score is the distance")

        // The shot-adjusted score moves the distance instead: the shot threshold goes, the global one decides.
        try run(calibrate + ["--score", "shot-adjusted"])
        gallery = try Gallery.load(dir + "/gallery.h5")
        #expect(gallery.score == .shotAdjusted && gallery["Sandal"]?.threshold == nil)
        answer = try classified(try sandals[1], in: dir)
        #expect(answer["threshold_source"] as? String == "global")
        let distance = try #require(answer["distance"] as? Double), score = try #require(answer["score"] as? Double)
        #expect(score <= distance)
        if answer["nearest"] as? String == "Sandal" { #expect(score < distance) }

        // Per-class thresholds are on the score they were chosen on: another --score drops them.
        try run(calibrate + ["--per-class", "--score", "raw"])
        let calibrated = try Gallery.load(dir + "/gallery.h5").classes.filter { $0.threshold?.source == .calibrated }.map(\.name)
        #expect(calibrated.count >= 8, "\(calibrated)")
        try run(calibrate + ["--score", "shot-adjusted"])
        #expect(try Gallery.load(dir + "/gallery.h5").classes.allSatisfy { $0.threshold == nil })
    }

    @Test func refinementNeverTakesATestSet() throws {
        let folder = try TemporaryFolder(), dir = folder.path
        try saveModel(at: dir + "/model.h5")
        let enrol = ["enroll", "--model", dir + "/model.h5", "--gallery", dir + "/gallery.h5", "--class", "Sandal"]
        expectArgumentError(enrol + ["--refine-with", "fashion-mnist:test", "--data-directory", sample, try sandals[0]],
                            "--refine-with never takes the test set ('fashion-mnist:test')")
        try run(["data", "split", sample, "--validation-fraction", "0.2", "--test-fraction", "0.2", "-o", dir + "/split.json"])
        expectArgumentError(enrol + ["--refine-with", dir + "/split.json:test", try sandals[0]], "never takes the test set")
        expectArgumentError(["enroll", "--model", dir + "/model.h5", "--gallery", dir + "/gallery.h5", "--dataset", sample,
                             "--refine-with", "fashion-mnist:train", "--data-directory", sample], "--refine-with refines the class of the image files")
        expectArgumentError(enrol + ["--augment-shots", "1001", try sandals[0]], "--augment-shots takes 0 to 1000")
        expectArgumentError(enrol + ["--refine-iterations", "3", try sandals[0]], "go with --refine-with")
        #expect(!FileManager.default.fileExists(atPath: dir + "/gallery.h5"))
        expectArgumentError(["one-shot", "--model", dir + "/model.h5", "--data-directory", sample, "--refine-with", "fashion-mnist:test"],
                            "never takes the test set")
        expectArgumentError(["one-shot", "--model", dir + "/model.h5", "--test", dir + "/split.json:validation",
                             "--refine-with", dir + "/split.json:validation"], "never takes the test set")
    }

    @Test func oneShotTakesViewsTheScoreAndAPoolAndReportsRefinementApart() throws {
        let folder = try TemporaryFolder(), dir = folder.path
        try saveModel(at: dir + "/model.h5")
        let datasets = ["--known", "fashion-mnist:train", "--shots", "fashion-mnist:train", "--test", "fashion-mnist:test", "--data-directory", sample]
        try run(["one-shot", "--model", dir + "/model.h5", "--draws", "2", "--augment-shots", "2", "--score", "raw",
                 "--refine-with", "fashion-mnist:train", "--refine-iterations", "2", "--json", "-o", dir + "/one-shot.json"] + datasets)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/one-shot.json"))) as? [String: Any])
        #expect(report["augment_shots"] as? Int == 2 && report["score"] as? String == "raw" && report["refine_with"] as? String == "fashion-mnist:train")
        let refined = try #require(report["refined"] as? [String: Any])
        #expect(refined["pool_size"] as? Int == 200 && (refined["accuracy_per_draw"] as? [Double])?.count == 2)
        #expect(Set(try #require(refined["recall"] as? [String: Double]).keys) == Set(FashionMNIST.classNames))

        // Without the options the report says so and has no refined figures.
        try run(["one-shot", "--model", dir + "/model.h5", "--draws", "2", "--json", "-o", dir + "/plain.json"] + datasets)
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/plain.json"))) as? [String: Any])
        #expect(plain["augment_shots"] as? Int == 0 && plain["score"] as? String == Gallery.defaultScore.rawValue && plain["refined"] == nil)
        // Views change the novel prototypes, hence (for this untrained network) the accuracy of some draw.
        #expect(plain["accuracy_per_draw"] as? [Double] != report["accuracy_per_draw"] as? [Double])
    }
}
