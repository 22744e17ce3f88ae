import Foundation
import Likeness
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the reports show beyond the classification measures, on
/// ``ComparisonReportFixtures/withDiagnostics(classNames:commandLine:)``: distance and top-probability
/// histograms, the gallery, precision-recall curves, the surest mistakes, the command line.
@Suite("Comparison report: diagnostics")
struct ComparisonDiagnosticsTests {
    @Test func distanceHistogramsCountEverySamplePrototypePairOnce() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        let embedding = try #require(comparison.approaches[1].embedding)
        let distances = embedding.distances
        let n = comparison.samples.count, enrolled = embedding.gallery.classes.count
        #expect(distances.genuine.total + distances.impostor.total == n * enrolled)
        // Genuine: one per sample of an enrolled class (the owl is not enrolled).
        #expect(distances.genuine.total == comparison.samples.filter { $0.trueLabel < 3 }.count)
        // The genuine distances are B's scores of the true class, negated: counted in their bins.
        let genuine = comparison.samples.enumerated().compactMap { i, sample in
            sample.trueLabel < 3 ? -comparison.samples[i].scores[1][sample.trueLabel] : nil
        }
        #expect(distances.genuine == Histogram(values: genuine, binEdges: distances.genuine.binEdges))
        let edges = distances.genuine.binEdges
        #expect(edges.count == 41 && edges.first == 0 && distances.impostor.binEdges == edges)
        let largest = comparison.samples.flatMap { $0.scores[1].prefix(3).map { -$0 } }.max() ?? 0
        #expect(try #require(edges.last) >= largest)
        // The gallery's Float threshold, exactly.
        #expect(distances.threshold == Double(Float(0.9)))
    }

    @Test func histogramBinsAreNumPysHalfOpenBins() {
        let histogram = Histogram(values: [0, 0.25, 0.5, 0.75, 1, 1.5, -0.1, .nan], binEdges: [0, 0.5, 1])
        // [0, 0.5) holds 0 and 0.25; [0.5, 1], the last bin closed, 0.5, 0.75 and 1; the others lie outside.
        #expect(histogram.counts == [2, 3])
        #expect(Histogram.evenEdges(from: 0, to: 2, count: 4) == [0, 0.5, 1, 1.5, 2])
    }

    @Test func galleryListsEachClasssThresholdAndShots() throws {
        let gallery = try #require(try ComparisonReportFixtures.withDiagnostics().approaches[1].embedding?.gallery)
        #expect(gallery.globalThreshold == Double(Float(0.9)))
        #expect(gallery.classes.map(\.name) == ["cat", "dog", "bird"])
        #expect(gallery.classes.map(\.shotCount) == [2, 2, 2])
        #expect(gallery.classes.map(\.threshold) == [nil, Double(Float(0.7)), nil])
        #expect(gallery.classes.map(\.thresholdInForce) == [0.9, Double(Float(0.7)), 0.9].map { Double(Float($0)) })
    }

    @Test func topProbabilitiesSplitEverySampleIntoRightAndWrong() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        let top = try #require(comparison.approaches[0].topProbability)
        #expect(top.right.total + top.wrong.total == comparison.samples.count)
        let correct = comparison.samples.filter { $0.predictedLabels[0] == $0.trueLabel }
        #expect(top.right.total == correct.count && top.right.total > 0 && top.wrong.total > 0)
        #expect(top.right == Histogram(values: correct.map { $0.scores[0].max() ?? 0 }, binEdges: top.right.binEdges))
        #expect(top.right.binEdges == Histogram.evenEdges(from: 0, to: 1, count: 20))
        // The embedding approach's scores are no probabilities: no such histogram.
        #expect(comparison.approaches[1].topProbability == nil)
    }

    @Test func precisionRecallCurvesRunFromEveryRecallToNone() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        for approach in comparison.approaches {
            for (c, metrics) in approach.report.classes.enumerated() {
                let curve = try #require(metrics.precisionRecall)
                // Lowest threshold: every sample called the class, recall 1 at the class's share.
                #expect(curve.recalls.first == 1)
                #expect(abs((curve.precisions.first ?? 0) - Double(metrics.support) / Double(comparison.samples.count)) < 1e-12, "class \(c)")
                #expect(curve.recalls.last == 0 && curve.precisions.last == 1)
            }
        }
    }

    @Test func worstMistakesAreWrongAndSurestFirst() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        for (a, approach) in comparison.approaches.enumerated() {
            let mistakes = try #require(approach.worstMistakes)
            #expect(!mistakes.isEmpty && mistakes.count <= 8)
            for mistake in mistakes {
                let sample = comparison.samples[mistake.sampleIndex]
                #expect(sample.id == mistake.id && sample.trueLabel == mistake.trueLabel)
                #expect(sample.predictedLabels[a] == mistake.predictedLabel && mistake.predictedLabel != mistake.trueLabel)
                #expect(sample.scores[a][mistake.predictedLabel] == mistake.score)
            }
            #expect(zip(mistakes, mistakes.dropFirst()).allSatisfy { $0.score >= $1.score })
            // No wrong answer left out is surer than the last one kept.
            let kept = Set(mistakes.map(\.sampleIndex))
            let others = comparison.samples.indices.filter { i in
                !kept.contains(i) && comparison.samples[i].predictedLabels[a].map { $0 != comparison.samples[i].trueLabel } == true
            }
            let last = try #require(mistakes.last).score
            #expect(others.allSatisfy { i in comparison.samples[i].scores[a][comparison.samples[i].predictedLabels[a] ?? 0] <= last })
        }
    }

    @Test func retrievalLeavesTheLoneClassOut() throws {
        let retrieval = try #require(try ComparisonReportFixtures.withDiagnostics().approaches[1].embedding?.retrieval)
        #expect(retrieval.classes.map(\.queryCount) == [10, 8, 6, 1])
        #expect(retrieval.classes[3].precisionAt1 == nil && retrieval.queryCount == 24)
        #expect(retrieval.classes.prefix(3).allSatisfy { $0.meanAveragePrecisionAtR.map { (0...1).contains($0) } == true })
    }

    @Test func jsonHoldsTheNewFieldsAndOldReportsStillRead() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        let data = try comparison.jsonData()
        #expect(try Comparison(jsonData: data) == comparison)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["command_line"] as? String == comparison.commandLine)
        let approaches = try #require(object["approaches"] as? [[String: Any]])
        let retrieval = try #require((approaches[1]["embedding"] as? [String: Any])?["retrieval"] as? [String: Any])
        #expect(retrieval["precision_at_1"] as? Double == comparison.approaches[1].embedding?.retrieval.precisionAt1)
        #expect(retrieval["mean_average_precision_at_r"] != nil && retrieval["r_precision"] != nil)
        let mistakes = try #require(approaches[0]["worst_mistakes"] as? [[String: Any]])
        #expect(mistakes.first?["id"] as? String == comparison.approaches[0].worstMistakes?.first?.id)
        #expect(approaches[0]["top_probability"] != nil && approaches[0]["embedding"] == nil)

        // A report.json written before these fields existed reads without them.
        object["approaches"] = approaches.map { approach in
            approach.filter { !["embedding", "top_probability", "worst_mistakes"].contains($0.key) }
        }
        object["command_line"] = nil
        let old = try Comparison(jsonData: try JSONSerialization.data(withJSONObject: object))
        #expect(old.commandLine == nil)
        #expect(old.approaches.allSatisfy { $0.embedding == nil && $0.topProbability == nil && $0.worstMistakes == nil })
        #expect(old.approaches.map(\.report) == comparison.approaches.map(\.report))
        #expect(!old.markdown.contains("## Surest mistakes") && !old.html.contains("Surest mistakes"))
    }

    @Test func histogramsOfTheWrongShapeAreRefused() throws {
        let data = try ComparisonReportFixtures.withDiagnostics().jsonData()
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var approaches = try #require(object["approaches"] as? [[String: Any]])
        var top = try #require(approaches[0]["top_probability"] as? [String: Any])
        var right = try #require(top["right"] as? [String: Any])
        right["counts"] = [1, 2, 3]
        top["right"] = right
        approaches[0]["top_probability"] = top
        object["approaches"] = approaches
        let broken = try JSONSerialization.data(withJSONObject: object)
        let error = try #require(throws: DecodingError.self) { try Comparison(jsonData: broken) }
        #expect("\(error)".contains("3 counts for 20 bins"))
    }

    @Test func markdownHoldsTheNewSections() throws {
        let markdown = try ComparisonReportFixtures.withDiagnostics(classNames: ["cat", "a|b", "<bird>", "owl"]).markdown
        #expect(markdown.contains("## Retrieval among the embeddings of B (embedding · nearest prototype)"))
        #expect(markdown.contains("| Class | Samples | R | Precision@1 | R-precision | MAP@R |"))
        #expect(markdown.contains("| owl | 1 | 0 | n/a | n/a | n/a |"))
        #expect(markdown.contains(#"| a\|b | 2 | 0.7 | 0.7 |"#))
        #expect(markdown.contains(#"| \<bird\> | 2 | global | 0.9 |"#) && !markdown.contains("<bird>"))
        #expect(markdown.contains("global threshold 0.9"))
        #expect(markdown.contains("## Top probability of A (softmax)"))
        #expect(markdown.contains("## Surest mistakes of A (softmax)") && markdown.contains("## Surest mistakes of B"))
        #expect(markdown.hasSuffix("## Command line\n\n```\nlikeness compare pets --softmax s.h5 --embedding e.h5 --gallery g.h5 -o report\n```\n"))
    }
}

extension ComparisonReportHTMLTests {
    /// A PNG of `side × side` gray pixels, as the compare command makes the mistakes' images.
    func png(side: Int) throws -> [UInt8] {
        try RasterImage(pixels: [UInt8](repeating: 128, count: side * side), height: side, width: side, channels: 1).pngData()
    }

    @Test func pageWithThumbnailsIsSelfContained() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics(classNames: Self.hostileNames + ["owl"])
        let shown = Set(comparison.approaches.flatMap { $0.worstMistakes ?? [] }.map(\.sampleIndex))
        let thumbnails = Dictionary(uniqueKeysWithValues: try shown.map { ($0, try png(side: 6)) })
        let html = comparison.html(thumbnails: thumbnails)
        let page = try document(html)
        let images = try elements("//img", in: page)
        #expect(images.count == comparison.approaches.reduce(0) { $0 + ($1.worstMistakes?.count ?? 0) })
        for image in images {
            let source = try attribute("src", of: image)
            #expect(source.hasPrefix("data:image/png;base64,"))
            let bytes = try #require(Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))))
            #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        }
        // Nothing else refers outside the page: no script, no link, no other src or href.
        let withoutImages = try elements("//*[@src or @href]", in: page).filter { $0.name != "img" }
        #expect(withoutImages.isEmpty)
        let lowered = html.lowercased()
        #expect(!lowered.contains("<script") && !lowered.contains("<link") && !lowered.contains("@import"))
        #expect(!lowered.contains("src=\"http") && !lowered.contains("href=\"http"))
        // Hostile names are text in the new sections too.
        let mistakeCaptions = try elements("//figure[@class='mistake']/figcaption", in: page).compactMap(\.stringValue)
        #expect(mistakeCaptions.contains { caption in Self.hostileNames.contains { caption.contains($0) } })
        let galleryRows = try elements("//table[@class='gallery']/tbody/tr/th", in: page).compactMap(\.stringValue)
        #expect(galleryRows == Array(Self.hostileNames))
    }

    @Test func distanceHistogramDrawsEveryPairAndTheThreshold() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        let distances = try #require(comparison.approaches[1].embedding?.distances)
        let page = try document(comparison.html)
        let chart = try #require(try elements("//svg[contains(@class, 'histogram')]", in: page).first {
            ($0.attribute(forName: "aria-label")?.stringValue ?? "").hasPrefix("Genuine and impostor")
        })
        let bars = try chart.nodes(forXPath: ".//*[local-name()='rect'][@class='bin']").compactMap { $0 as? XMLElement }
        #expect(bars.count == 2 * 40)
        func counts(_ series: String) throws -> [Int] {
            try bars.filter { $0.attribute(forName: "data-series")?.stringValue == series }
                .map { try #require(Int(try attribute("data-count", of: $0))) }
        }
        #expect(try counts("genuine") == distances.genuine.counts && counts("impostor") == distances.impostor.counts)
        #expect(try counts("genuine").reduce(0, +) + counts("impostor").reduce(0, +) == comparison.samples.count * 3)
        // The threshold line lies in the bin that holds 0.9, in proportion along it.
        let marker = try #require(try chart.nodes(forXPath: ".//*[local-name()='line'][@class='marker']").first as? XMLElement)
        let threshold = Double(Float(0.9))
        #expect(try attribute("data-value", of: marker) == String(threshold))
        let x = try #require(Double(try attribute("x1", of: marker)))
        let edges = distances.genuine.binEdges
        let b = try #require(edges.indices.last { edges[$0] <= threshold })
        let bin = try bars.filter { try attribute("data-bin", of: $0) == String(b) }
        let left = try #require(Double(try attribute("x", of: bin[0])))
        let right = try #require(Double(try attribute("x", of: bin[1]))) + (try #require(Double(try attribute("width", of: bin[1]))))
        let expected = left + (threshold - edges[b]) / (edges[b + 1] - edges[b]) * (right - left)
        #expect(abs(x - expected) <= 0.02, "threshold at \(x), expected \(expected) in [\(left), \(right)]")
    }

    @Test func topProbabilityHistogramCountsEverySample() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        let page = try document(comparison.html)
        let chart = try #require(try elements("//svg[contains(@class, 'histogram')]", in: page).first {
            ($0.attribute(forName: "aria-label")?.stringValue ?? "").hasPrefix("Top probability")
        })
        let bars = try chart.nodes(forXPath: ".//*[local-name()='rect'][@class='bin']").compactMap { $0 as? XMLElement }
        #expect(bars.count == 2 * 20)
        let total = try bars.reduce(0) { $0 + (try #require(Int(try attribute("data-count", of: $1)))) }
        #expect(total == comparison.samples.count)
        // Bars of counts: one scale, height proportional to the count.
        let heights = try bars.map { (count: try #require(Double(try attribute("data-count", of: $0))),
                                      height: try #require(Double(try attribute("height", of: $0)))) }
        let unit = try #require(heights.first { $0.count > 0 }).height / (try #require(heights.first { $0.count > 0 }).count)
        #expect(heights.allSatisfy { abs($0.height - $0.count * unit) <= 0.02 })
    }

    @Test func precisionRecallPanelsEndAtFullRecallAndAtFullPrecision() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics()
        let page = try document(comparison.html)
        let panels = try elements("//svg[contains(@class, 'pr')]", in: page)
        #expect(panels.count == comparison.classNames.count)
        for (c, panel) in panels.enumerated() {
            let frame = try #require(try panel.nodes(forXPath: ".//*[local-name()='rect'][@class='frame']").first as? XMLElement)
            let x = try #require(Double(try attribute("x", of: frame))), y = try #require(Double(try attribute("y", of: frame)))
            let size = try #require(Double(try attribute("width", of: frame)))
            let share = Double(comparison.approaches[0].report.classes[c].support) / Double(comparison.samples.count)
            let curves = try panel.nodes(forXPath: ".//*[local-name()='polyline']").compactMap { $0 as? XMLElement }
            #expect(curves.count == 2)
            for curve in curves {
                let points = try attribute("points", of: curve).split(separator: " ").map { pair in
                    pair.split(separator: ",").compactMap { Double($0) }
                }
                // First: recall 1 at the class's share; last: recall 0, precision 1.
                let first = try #require(points.first), last = try #require(points.last)
                #expect(abs(first[0] - (x + size)) <= 0.1 && abs(first[1] - (y + size - share * size)) <= 0.1)
                #expect(abs(last[0] - x) <= 0.1 && abs(last[1] - y) <= 0.1)
            }
            let legends = try panel.nodes(forXPath: ".//*[local-name()='text'][@class='legend']").compactMap(\.stringValue)
            #expect(legends.count == 2 && legends.allSatisfy { $0.contains(": AP ") })
        }
    }

    @Test func theCommandLineIsOnThePage() throws {
        let comparison = try ComparisonReportFixtures.withDiagnostics(commandLine: "likeness compare 'a&b' -o <out>")
        let page = try document(comparison.html)
        let code = try elements("//pre[@class='command']/code", in: page).compactMap(\.stringValue)
        #expect(code == ["likeness compare 'a&b' -o <out>"])
    }
}
