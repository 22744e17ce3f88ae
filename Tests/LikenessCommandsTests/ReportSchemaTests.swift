import Foundation
import Likeness
import LikenessCommands
import Testing
import _LikenessTestSupport

/// report.json as `likeness compare` writes it, validated against docs/report.schema.json with
/// Python's `jsonschema` (Scripts/requirements-test.txt): the schema describes every field, and a
/// report missing a required one fails. In CI a python3 without jsonschema fails these tests.
@Suite("report.json against its JSON Schema", .serialized,
       .enabled(if: pythonTestsRun(needing: "jsonschema"), "python3 cannot import jsonschema (pip install -r Scripts/requirements-test.txt)"))
struct ReportSchemaTests {
    let images = repositoryRoot + "/Datasets/sample/image-folder"
    let schema = repositoryRoot + "/docs/report.schema.json"

    /// Validates the JSON file at `path` against the schema: prints each error, exits 1 when any.
    static let validator = """
    import json, sys
    import jsonschema
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))), key=lambda e: e.json_path)
    for error in errors:
        print(f"{error.json_path}: {error.message[:300]}", file=sys.stderr)
    sys.exit(1 if errors else 0)
    """

    func validate(_ path: String) throws -> ProcessResult {
        try runProcess("python3", ["-c", Self.validator, schema, path])
    }

    /// Untrained models of the sample image folder's classes, a gallery of its images, and
    /// compare on them (in process): the report folder.
    func writeReport(in dir: TemporaryFolder) throws -> String {
        let classNames = try DatasetSource(parsing: images).load(imageSize: ImageSize(height: 28, width: 28), channels: 1).dataset.classNames
        for (name, head) in [("softmax.h5", Head.softmax(classCount: 10)), ("embedder.h5", Head.embedding(dimension: 16))] {
            let architecture = ModelDescription(backbone: .reference, head: head, channels: 1, height: 28, width: 28)
            try ModelArchive(network: architecture.makeNetwork(seed: 1), architecture: architecture, classNames: classNames)
                .save(to: dir.file(name))
        }
        for arguments in [
            ["enroll", "--model", dir.file("embedder.h5"), "--gallery", dir.file("gallery.h5"), "--dataset", images],
            ["calibrate", "--model", dir.file("embedder.h5"), "--gallery", dir.file("gallery.h5"), "--dataset", images,
             "--false-accept-rate", "0.1"],
            ["compare", images, "--softmax", dir.file("softmax.h5"), "--embedding", dir.file("embedder.h5"),
             "--gallery", dir.file("gallery.h5"), "-o", dir.file("report"), "--target-recall", "0.9", "--for-class", "5-Sandal"],
        ] {
            var command = try LikenessCommand.parseAsRoot(arguments)
            try command.run()
        }
        return dir.file("report")
    }

    @Test func aReportOfCompareIsValidAndOneMissingAFieldIsNot() throws {
        let dir = try TemporaryFolder()
        let report = try writeReport(in: dir)
        let valid = try validate(report + "/report.json")
        #expect(valid.status == 0, "report.json does not match docs/report.schema.json:\n\(valid.standardError)")

        // Every part the schema describes is there: the embedding approach's diagnostics, the
        // softmax's top probabilities, the mistakes and the command line.
        let data = try Data(contentsOf: URL(fileURLWithPath: report + "/report.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let approaches = try #require(object["approaches"] as? [[String: Any]])
        #expect(approaches[0]["top_probability"] != nil && approaches[1]["embedding"] != nil)
        #expect(approaches.allSatisfy { $0["worst_mistakes"] is [Any] })
        #expect(object["command_line"] is String)
        let html = try String(contentsOfFile: report + "/report.html", encoding: .utf8)
        #expect(html.contains("<img src=\"data:image/png;base64,"))

        // A report without a required field, or with a field of the wrong type, is refused.
        func refused(_ change: (inout [String: Any]) throws -> Void, naming expected: String,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
            var broken = object
            try change(&broken)
            let path = dir.file("broken.json")
            try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: path))
            let result = try validate(path)
            #expect(result.status == 1, "\(result.standardError)", sourceLocation: sourceLocation)
            #expect(result.standardError.contains(expected), "\(result.standardError)", sourceLocation: sourceLocation)
        }
        try refused({ report in
            var samples = try #require(report["samples"] as? [[String: Any]])
            samples[0]["true_label"] = nil
            report["samples"] = samples
        }, naming: "$.samples[0]: 'true_label' is a required property")
        try refused({ report in
            var approaches = try #require(report["approaches"] as? [[String: Any]])
            approaches[1]["worst_mistakes"] = nil
            report["approaches"] = approaches
        }, naming: "$.approaches[1]: 'worst_mistakes' is a required property")
        try refused({ report in
            var approaches = try #require(report["approaches"] as? [[String: Any]])
            var embedding = try #require(approaches[1]["embedding"] as? [String: Any])
            var retrieval = try #require(embedding["retrieval"] as? [String: Any])
            retrieval["precision_at_1"] = "high"
            embedding["retrieval"] = retrieval
            approaches[1]["embedding"] = embedding
            report["approaches"] = approaches
        }, naming: "$.approaches[1].embedding.retrieval.precision_at_1: 'high' is not of type 'number'")
        try refused({ report in report["surprise"] = 1 }, naming: "Additional properties are not allowed ('surprise' was unexpected)")
    }

    /// A comparison with an embedding approach's one-shot redraws (`compare --one-shot-draws`):
    /// valid, and a recall that is not a share is refused.
    @Test func aReportWithOneShotDrawsIsValid() throws {
        let dir = try TemporaryFolder()
        func unit(_ rows: [[Float]]) -> Tensor {
            Tensor(shape: [rows.count, 3], scalars: rows.flatMap { v in v.map { $0 / v.reduce(0) { $0 + $1 * $1 }.squareRoot() } })
        }
        var gallery = Gallery(modelDigest: "m", dimension: 3)
        for (name, axis) in [("A", [Float(1), 0, 0]), ("B", [0, 1, 0]), ("N", [0, 0, 1])] {
            try gallery.enroll(name: name, embeddings: unit([axis]))
        }
        gallery.globalThreshold = Gallery.Threshold(distance: 0.8)
        let classNames = ["A", "B", "N"], truth = [2, 0, 1, 0]
        let embeddings = unit([[0, 0, 1], [1, 0, 0.1], [0, 1, 0.1], [0.1, 0, 1]])
        var outputs = ApproachOutputs.nearestPrototype(PrototypeClassifier(gallery: gallery), embeddings: embeddings, classNames: classNames,
                                                       name: "embedding", modelFile: "e.h5", novelClasses: [2])
        outputs.embedding = try EmbeddingDiagnostics(embeddings: embeddings, trueLabels: truth, classNames: classNames, gallery: gallery)
        outputs.embedding?.oneShotRedraws = try OneShotRedraws(
            gallery: gallery, redrawn: ["N"], candidates: [unit([[0, 0, 1], [0, 1, 1], [1, 0, 1]])], draws: 5, shotSource: "held-out",
            embeddings: embeddings, trueLabels: truth, classNames: classNames)
        let comparison = try Comparison(dataset: .init(name: "toy"), classNames: classNames, sampleIDs: ["0", "1", "2", "3"],
                                        trueLabels: truth, approaches: [outputs])
        let path = dir.file("report.json")
        try comparison.jsonData().write(to: URL(fileURLWithPath: path))
        let valid = try validate(path)
        #expect(valid.status == 0, "report.json does not match docs/report.schema.json:\n\(valid.standardError)")

        var object = try #require(try JSONSerialization.jsonObject(with: comparison.jsonData()) as? [String: Any])
        var approaches = try #require(object["approaches"] as? [[String: Any]])
        var embedding = try #require(approaches[0]["embedding"] as? [String: Any])
        var redraws = try #require(embedding["one_shot_redraws"] as? [String: Any])
        var classes = try #require(redraws["classes"] as? [[String: Any]])
        classes[0]["recall"] = [1.5, 0, 0, 0, 0]
        redraws["classes"] = classes
        embedding["one_shot_redraws"] = redraws
        approaches[0]["embedding"] = embedding
        object["approaches"] = approaches
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        let broken = try validate(path)
        #expect(broken.status == 1 && broken.standardError.contains("one_shot_redraws.classes[0].recall[0]"), "\(broken.standardError)")
    }
}
