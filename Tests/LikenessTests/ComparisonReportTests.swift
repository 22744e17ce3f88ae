import Foundation
import Likeness
import Testing

/// The comparison's Markdown and JSON, and the files, on ``ComparisonReportFixtures/small(classNames:)``
/// whose figures are worked out by hand.
@Suite("Comparison report: Markdown, JSON, files")
struct ComparisonReportTests {
    /// The cells of the Markdown table whose header row starts with `firstHeader`, by column title:
    /// one dictionary per row.
    func table(startingWith firstHeader: String, in markdown: String) throws -> [[String: String]] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("| \(firstHeader) |") }, "no table headed \(firstHeader)")
        func cells(_ line: String) -> [String] {
            line.dropFirst(2).dropLast(2).components(separatedBy: " | ").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let header = cells(lines[start])
        return lines[(start + 2)...].prefix { $0.hasPrefix("|") }.map { line in
            Dictionary(uniqueKeysWithValues: zip(header, cells(line)))
        }
    }

    @Test func perClassTableHoldsEachApproachAndTheDifference() throws {
        let markdown = try ComparisonReportFixtures.small().markdown
        let rows = try table(startingWith: "Class", in: markdown)
        #expect(rows.count == 3)
        let cat = try #require(rows.first { $0["Class"] == "cat" })
        #expect(cat["Support"] == "2")
        #expect(cat["Precision A"] == "0.500" && cat["Precision B"] == "1.000" && cat["Δ Precision B"] == "+0.500")
        #expect(cat["Recall A"] == "0.500" && cat["Recall B"] == "1.000")
        #expect(cat["ROC AUC A"] == String(format: "%.3f", 7.0 / 8) && cat["ROC AUC B"] == "1.000")
        #expect(cat["Δ ROC AUC B"] == String(format: "%+.3f", 1 - 7.0 / 8))
        let dog = try #require(rows.first { $0["Class"] == "dog" })
        #expect(dog["Precision A"] == String(format: "%.3f", 2.0 / 3) && dog["Δ Precision B"] == String(format: "%+.3f", 1 - 2.0 / 3))
        #expect(dog["Recall A"] == "1.000" && dog["Recall B"] == "0.500" && dog["Δ Recall B"] == "-0.500")
        #expect(dog["F1 A"] == "0.800" && dog["F1 B"] == String(format: "%.3f", 2.0 / 3)
            && dog["Δ F1 B"] == String(format: "%+.3f", 2.0 / 3 - 0.8))
        // Every per-class figure is the report's own, with its difference.
        let comparison = try ComparisonReportFixtures.small()
        for (c, name) in comparison.classNames.enumerated() {
            let row = try #require(rows.first { $0["Class"]?.hasPrefix(name) == true })
            let a = comparison.approaches[0].report.classes[c], b = comparison.approaches[1].report.classes[c]
            #expect(row["AP A"] == String(format: "%.3f", try #require(a.averagePrecision)))
            #expect(row["AP B"] == String(format: "%.3f", try #require(b.averagePrecision)))
            #expect(row["F1 B"] == String(format: "%.3f", b.f1))
        }
    }

    @Test func overallTableHoldsTheFiguresAndDifferences() throws {
        let rows = try table(startingWith: "Measure", in: try ComparisonReportFixtures.small().markdown)
        func row(_ title: String) throws -> [String: String] { try #require(rows.first { $0["Measure"] == title }, "no row \(title)") }
        let accuracy = try row("Accuracy")
        #expect(accuracy["A"] == String(format: "%.3f", 4.0 / 6) && accuracy["B"] == String(format: "%.3f", 5.0 / 6))
        #expect(accuracy["Δ B − A"] == String(format: "%+.3f", 1.0 / 6))
        let unknown = try row("Unknown share")
        #expect(unknown["A"] == "0.000" && unknown["B"] == String(format: "%.3f", 1.0 / 6))
        let macroF1 = try row("Macro F1")
        #expect(macroF1["A"] == String(format: "%.3f", (0.5 + 0.8 + 2.0 / 3) / 3))
        #expect(macroF1["B"] == String(format: "%.3f", (1 + 2.0 / 3 + 1) / 3))
        for title in ["Balanced accuracy (macro recall)", "Weighted F1", "Macro ROC AUC", "Matthews correlation",
                      "Geometric mean of recalls"] {
            _ = try row(title)
        }
        // The novel class's figures stand apart from the averages that hold them.
        let novelRecall = try row("Macro recall, novel classes (bird)")
        #expect(novelRecall["A"] == "0.500" && novelRecall["B"] == "1.000" && novelRecall["Δ B − A"] == "+0.500")
        let otherRecall = try row("Macro recall, the other classes")
        #expect(otherRecall["A"] == "0.750" && otherRecall["B"] == "0.750" && otherRecall["Δ B − A"] == "0.000")
    }

    @Test func novelClassesAreMarkedNotHidden() throws {
        let markdown = try ComparisonReportFixtures.small().markdown
        let rows = try table(startingWith: "Class", in: markdown)
        let bird = try #require(rows.first { $0["Class"]?.hasPrefix("bird") == true })
        #expect(bird["Class"] == "bird · novel for B (enrolled one-shot)")
        #expect(rows.filter { $0["Class"]?.contains("novel") == true }.count == 1)
        #expect(markdown.contains("| B | embedding · nearest prototype | models/embedding.h5 | minus the distance to the prototype | bird (novel: enrolled one-shot) |"))
        #expect(markdown.contains("| A | softmax · focal loss | models/softmax.h5 | softmax probability | none |"))
        // B's novel class gets its own table with its counts: 2 samples, both answered bird.
        let section = try #require(markdown.range(of: "## Novel classes of B"))
        let novel = try table(startingWith: "Class", in: String(markdown[section.lowerBound...]))
        #expect(novel.count == 1)
        #expect(novel.first?["Class"] == "bird" && novel.first?["Support"] == "2" && novel.first?["Correct"] == "2"
            && novel.first?["Recall"] == "1.000")
        #expect(!markdown.contains("## Novel classes of A"))
    }

    @Test func operatingPointsAndConfusionMatrices() throws {
        let small = try ComparisonReportFixtures.small()
        let unreachable = ComparedOperatingPoint(classIndex: 0, target: .precision(1), point: nil)
        let markdown = ComparisonReportFixtures.rebuilt(small, addingToB: [unreachable]).markdown
        let points = try table(startingWith: "Approach", in: markdown)
        #expect(points.count == 3)
        let a = try #require(points.first { $0["Approach"] == "A" })
        #expect(a["Class"] == "bird" && a["Target"] == "recall ≥ 1.000" && a["Threshold"] == "0.3")
        #expect(a["TP"] == "2" && a["FP"] == "0" && a["FN"] == "0" && a["TN"] == "4" && a["Precision"] == "1.000")
        let b = try #require(points.first { $0["Approach"] == "B" && $0["Class"] == "bird" })
        #expect(b["Threshold"] == "-0.3")
        #expect(points.last?["Threshold"] == "not reached")
        // B's matrix has the unknown column: dog's sample 3.
        let matrices = markdown.components(separatedBy: "## Confusion matrix of ")
        #expect(matrices.count == 3)
        let bMatrix = try table(startingWith: "True class", in: matrices[2])
        let dogRow = try #require(bMatrix.first { $0["True class"] == "dog" })
        #expect(dogRow["unknown"] == "1" && dogRow["dog"] == "1" && dogRow["cat"] == "0")
        let aMatrix = try table(startingWith: "True class", in: matrices[1])
        #expect(aMatrix.first?["unknown"] == nil)
        #expect(aMatrix.last?["cat"] == "1" && aMatrix.last?["bird"] == "1")
    }

    @Test func markdownEscapesTableBreakingNames() throws {
        let markdown = try ComparisonReportFixtures.small(classNames: ["a|b", "<script>", "T-shirt/top"]).markdown
        #expect(markdown.contains(#"| a\|b |"#))
        #expect(markdown.contains(#"\<script\>"#) && !markdown.contains("<script>"))
        // Every row of the per-class table still has one cell per column.
        let lines = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") }
        let header = try #require(lines.first { $0.hasPrefix("| Class |") })
        let columns = header.components(separatedBy: " | ").count
        let row = try #require(lines.first { $0.hasPrefix(#"| a\|b"#) })
        #expect(row.replacingOccurrences(of: #"\|"#, with: "").components(separatedBy: " | ").count == columns)
    }

    @Test func jsonIsValidSnakeCaseAndDecodesToTheSameComparison() throws {
        let comparison = try ComparisonReportFixtures.small()
        let data = try comparison.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["class_names"] as? [String] == ComparisonReportFixtures.classNames)
        let samples = try #require(object["samples"] as? [[String: Any]])
        #expect(samples.count == 6)
        #expect(samples[3]["id"] as? String == "pet-3.png" && samples[3]["true_label"] as? Int == 1)
        let answers = try #require(samples[3]["predicted_labels"] as? [Any])
        #expect(answers.first as? Int == 1 && answers.last is NSNull)
        let scores = try #require(samples[3]["scores"] as? [[Double]])
        #expect(scores == [ComparisonReportFixtures.outputsA.scores[3], ComparisonReportFixtures.outputsB.scores[3]])
        let approaches = try #require(object["approaches"] as? [[String: Any]])
        #expect(approaches[1]["model_file"] as? String == "models/embedding.h5")
        let report = try #require(approaches[0]["report"] as? [String: Any])
        let classes = try #require(report["classes"] as? [[String: Any]])
        #expect(classes[0]["roc_auc"] as? Double == 7.0 / 8)
        #expect(classes[2]["is_novel"] as? Bool == false)
        let aucs = classes.compactMap { $0["roc_auc"] as? Double }
        #expect(aucs.count == 3 && report["macro_roc_auc"] as? Double == aucs.reduce(0, +) / 3)
        let point = try #require((approaches[1]["operating_points"] as? [[String: Any]])?.first)
        #expect(point["target_measure"] as? String == "recall" && point["target_value"] as? Double == 1)
        #expect(try Comparison(jsonData: data) == comparison)
    }

    @Test func nonFiniteScoresStayValidJSON() throws {
        let small = try ComparisonReportFixtures.small()
        let unreachable = ComparedOperatingPoint(classIndex: 0, target: .precision(1), point: nil)
        let comparison = ComparisonReportFixtures.rebuilt(small, samples: { samples in
            let s = samples[3]
            samples[3] = ComparedSample(id: s.id, trueLabel: s.trueLabel, predictedLabels: s.predictedLabels,
                                        scores: [s.scores[0], [-.infinity, .infinity, -0.8]])
        }, addingToB: [unreachable])
        let data = try comparison.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let samples = try #require(object["samples"] as? [[String: Any]])
        let scores = try #require(samples[3]["scores"] as? [[Any]])
        #expect(scores[1][0] as? String == "-Infinity" && scores[1][1] as? String == "Infinity")
        let points = try #require((object["approaches"] as? [[String: Any]])?[1]["operating_points"] as? [[String: Any]])
        #expect(points.last?["point"] is NSNull)
        #expect(try Comparison(jsonData: data) == comparison)

        let withNaN = ComparisonReportFixtures.rebuilt(small, samples: { samples in
            let s = samples[0]
            samples[0] = ComparedSample(id: s.id, trueLabel: s.trueLabel, predictedLabels: s.predictedLabels,
                                        scores: [[.nan, 0.3, 0.1], s.scores[1]])
        })
        let decoded = try Comparison(jsonData: try withNaN.jsonData())
        #expect(decoded.samples[0].scores[0][0].isNaN)
        let nanData = try withNaN.jsonData()
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: nanData) }
    }

    @Test func jsonWhosePartsDisagreeIsRefused() throws {
        let data = try ComparisonReportFixtures.small().jsonData()
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var samples = try #require(object["samples"] as? [[String: Any]])
        samples[4]["scores"] = [[0.1, 0.2], [0.3, 0.4]]
        object["samples"] = samples
        let broken = try JSONSerialization.data(withJSONObject: object)
        let error = try #require(throws: DecodingError.self) { try Comparison(jsonData: broken) }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(error)")
            return
        }
        #expect(context.debugDescription.contains("sample 4 (pet-4.png): 2 scores, expected 3"))
    }

    @Test func writesTheThreeFilesIntoANewFolder() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-report-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let folder = base + "/nested/out"
        let comparison = try ComparisonReportFixtures.small()
        let written = try comparison.writeReports(toFolder: folder)
        #expect(written == ["report.md", "report.json", "report.html"].map { "\(folder)/\($0)" })
        let markdown = try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(markdown == comparison.markdown)
        let json = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))
        #expect(try Comparison(jsonData: json) == comparison)
        #expect(try String(contentsOfFile: folder + "/report.html", encoding: .utf8) == comparison.html)
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["report.html", "report.json", "report.md"])
        // A file where the folder should be is refused with the folder's name.
        let error = try #require(throws: FolderReplacementError.self) { try comparison.writeReports(toFolder: folder + "/report.md") }
        #expect(error.description.hasPrefix(folder + "/report.md: "))
    }

    @Test func aNewSetReplacesTheOldAsAWholeAndKeepsTheUsersFiles() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-report-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let folder = base + "/report"
        let first = try ComparisonReportFixtures.small()
        try first.writeReports(toFolder: folder)
        // The user keeps notes and a folder of their own beside the report.
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        try FileManager.default.createDirectory(atPath: folder + "/figures", withIntermediateDirectories: false)
        try Data("plot".utf8).write(to: URL(fileURLWithPath: folder + "/figures/a.svg"))

        let second = try ComparisonReportFixtures.small(classNames: ["ant", "bee", "cow"])
        try second.writeReports(toFolder: folder)
        #expect(try String(contentsOfFile: folder + "/report.md", encoding: .utf8) == second.markdown)
        #expect(try Comparison(jsonData: Data(contentsOf: URL(fileURLWithPath: folder + "/report.json"))) == second)
        #expect(try String(contentsOfFile: folder + "/report.html", encoding: .utf8) == second.html)
        #expect(try String(contentsOfFile: folder + "/notes.txt", encoding: .utf8) == "mine")
        #expect(try String(contentsOfFile: folder + "/figures/a.svg", encoding: .utf8) == "plot")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["figures", "notes.txt", "report.html", "report.json", "report.md"])
        // Nothing is left beside the folder: the set was built and swapped, the old one removed.
        #expect(try FileManager.default.contentsOfDirectory(atPath: base) == ["report"])
    }

    @Test func oneApproachHasNoDifferenceColumns() throws {
        let comparison = try Comparison(
            dataset: .init(name: "pets"), classNames: ComparisonReportFixtures.classNames,
            sampleIDs: (0..<6).map(String.init), trueLabels: ComparisonReportFixtures.trueLabels,
            approaches: [ComparisonReportFixtures.outputsB])
        let rows = try table(startingWith: "Class", in: comparison.markdown)
        #expect(rows.count == 3 && rows[0].keys.sorted() == ["AP A", "Class", "F1 A", "Precision A", "ROC AUC A", "Recall A", "Support"])
        #expect(!comparison.markdown.contains("Δ") && !comparison.html.contains("Δ"))
        #expect(try Comparison(jsonData: try comparison.jsonData()) == comparison)
    }

    @Test func fashionSizedComparisonRoundTrips() throws {
        let comparison = try ComparisonReportFixtures.fashion()
        #expect(comparison.samples.count == 400 && comparison.approaches[1].novelClasses == [5, 7])
        #expect(comparison.approaches[1].report.confusion.hasUnknownColumn)
        #expect(try Comparison(jsonData: try comparison.jsonData()) == comparison)
        let markdown = comparison.markdown
        for name in comparison.classNames { #expect(markdown.contains(name)) }
        #expect(markdown.contains("Sandal · novel for B (enrolled one-shot)") && markdown.contains("Sneaker · novel for B (enrolled one-shot)"))
    }

    /// The softmax model's classes matched to the set's by name: a set class it lacks, and one it
    /// had no training image of, score 0 and are never answered; a model class the set lacks is
    /// left out of the softmax.
    @Test func softmaxOutputsMatchClassesByName() throws {
        let outputs = ApproachOutputs.softmax(
            logits: [[0, 5, 1, 2], [3, 0, 9, 0]], modelClassNames: ["cat", "dog", "bird", "fish"],
            trainingClassCounts: [4, 4, 0, 4], classNames: ["dog", "cat", "bird", "owl"], name: "softmax", modelFile: "s.h5")
        #expect(outputs.novelClasses == [2, 3])
        #expect(outputs.novelty == .notTrainedOn)
        #expect(outputs.predictedLabels == [0, 1])
        let e = 1 / (1 + exp(-5.0))
        #expect(abs(outputs.scores[0][0] - e) < 1e-12 && abs(outputs.scores[0][1] - (1 - e)) < 1e-12)
        #expect(outputs.scores.allSatisfy { $0[2] == 0 && $0[3] == 0 })

        let comparison = try Comparison(dataset: .init(name: "pets"), classNames: ["dog", "cat", "bird", "owl"],
                                        sampleIDs: ["a", "b"], trueLabels: [0, 2], approaches: [outputs])
        #expect(comparison.approaches[0].report.classes[2].recall == 0)
        #expect(comparison.markdown.contains("bird · novel for A (not trained on)"))
        #expect(try Comparison(jsonData: comparison.jsonData()) == comparison)
    }
}

extension ComparisonReportTests {
    /// A report.json written before approaches said why their novel classes are novel still
    /// reads, as the "enrolled one-shot" those reports meant.
    @Test func reportsWithoutNoveltyStillRead() throws {
        let comparison = try ComparisonReportFixtures.small()
        var object = try #require(try JSONSerialization.jsonObject(with: try comparison.jsonData()) as? [String: Any])
        let approaches = try #require(object["approaches"] as? [[String: Any]])
        #expect(approaches.allSatisfy { $0["novelty"] != nil })
        object["approaches"] = approaches.map { approach in approach.filter { $0.key != "novelty" } }
        let decoded = try Comparison(jsonData: try JSONSerialization.data(withJSONObject: object))
        #expect(decoded.approaches.allSatisfy { $0.novelty == .enrolledOneShot })
        #expect(decoded.approaches.map(\.report) == comparison.approaches.map(\.report))
    }
}
