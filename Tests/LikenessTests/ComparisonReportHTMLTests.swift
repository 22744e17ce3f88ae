import Foundation
import Likeness
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The comparison's HTML page: well-formed, self-contained, escaped, and charts drawn to scale.
@Suite("Comparison report: HTML page")
struct ComparisonReportHTMLTests {
    static let hostileNames = ["T-shirt/top", "<script>alert('x')</script>", #"Tom & "Jerry""#]

    /// The page parsed as XML (it is written to be both), after checking that it is well-formed:
    /// `XMLDocument` recovers from errors, `XMLParser` reports them (some only in `parserError`).
    func document(_ html: String) throws -> XMLDocument {
        let parser = XMLParser(data: Data(html.utf8))
        let parsed = parser.parse()
        try #require(parsed && parser.parserError == nil,
                     "not well-formed: \(parser.parserError.map { "\($0)" } ?? "") near line \(parser.lineNumber)")
        return try XMLDocument(data: Data(html.utf8), options: [])
    }

    func elements(_ xpath: String, in document: XMLDocument) throws -> [XMLElement] {
        try document.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }

    func attribute(_ name: String, of element: XMLElement) throws -> String {
        try #require(element.attribute(forName: name)?.stringValue, "no \(name) on \(element.xmlString)")
    }

    @Test func pageIsWellFormedAndSelfContained() throws {
        let html = try ComparisonReportFixtures.small(classNames: Self.hostileNames).html
        let page = try document(html)
        #expect(page.rootElement()?.name == "html")
        let lowered = html.lowercased()
        #expect(!lowered.contains("<script"), "a script element")
        #expect(!lowered.contains("http"), "a reference outside the page")
        #expect(!lowered.contains("src=") && !lowered.contains("href=") && !lowered.contains("@import") && !lowered.contains("<link"))
        // The only url() references are to patterns in the page.
        #expect(lowered.components(separatedBy: "url(").dropFirst().allSatisfy { $0.hasPrefix("#") })
        #expect(try elements("//style", in: page).count == 1)
        // Bars of three measures, a ROC and a precision-recall panel per class, a heat map per approach.
        #expect(try elements("//svg", in: page).count == 3 + 3 + 3 + 2)
    }

    @Test func hostileClassNamesRenderAsText() throws {
        let html = try ComparisonReportFixtures.small(classNames: Self.hostileNames).html
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("Tom &amp; &quot;Jerry&quot;"))
        let page = try document(html)
        // As parsed, the names are back as plain text: in the tables' headers and the charts' labels.
        let headers = try elements("//tbody/tr/th", in: page).map { $0.stringValue ?? "" }
        for name in Self.hostileNames { #expect(headers.contains { $0.hasPrefix(name) }, "no row for \(name)") }
        let rocTitles = try elements("//svg[contains(@class, 'roc')]/text[@class='chart-title']/title", in: page).compactMap(\.stringValue)
        #expect(rocTitles == Self.hostileNames)
    }

    @Test func controlCharactersInClassNamesStayVisibleAndTheFilesValid() throws {
        // An escape sequence, a bell, a NUL, a line break and a C1 control: raw only in JSON.
        let names = ["red\u{1B}[31m", "bell\u{07}", "nul\u{0}line\nC1\u{85}"]
        let comparison = try ComparisonReportFixtures.small(classNames: names)
        let page = try document(comparison.html)  // well-formed XML: XML 1.0 forbids these characters
        let headers = try elements("//tbody/tr/th", in: page).map { $0.stringValue ?? "" }
        for shown in ["red\\x1B[31m", "bell\\x07", "nul\\x00line\\x0AC1\\x85"] {
            #expect(headers.contains { $0.hasPrefix(shown) }, "no row for \(shown) in \(headers)")
        }
        let markdown = comparison.markdown
        #expect(!markdown.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "a raw control character in report.md")
        #expect(markdown.contains(#"bell\\x07"#), "Markdown escapes the escape's backslash: \(markdown)")
        let json = try #require(try JSONSerialization.jsonObject(with: comparison.jsonData()) as? [String: Any])
        #expect(json["class_names"] as? [String] == names, "report.json keeps the names as they are")
    }

    @Test func barHeightsAreProportionalToTheValues() throws {
        let comparison = try ComparisonReportFixtures.small()
        let page = try document(comparison.html)
        let bars = try elements("//rect[@class='bar']", in: page)
        #expect(bars.count == 3 * 3 * 2)
        func bar(_ measure: String, _ c: Int, _ a: Int) throws -> (value: Double, height: Double) {
            let element = try #require(bars.first {
                $0.attribute(forName: "data-measure")?.stringValue == measure
                    && $0.attribute(forName: "data-class")?.stringValue == String(c)
                    && $0.attribute(forName: "data-approach")?.stringValue == String(a)
            })
            return (try #require(Double(try attribute("data-value", of: element))),
                    try #require(Double(try attribute("height", of: element))))
        }
        // Precision of cat: A 1/2, B 1; recall of dog: A 1, B 1/2; F1 of dog: A 4/5, B 2/3.
        let halfCat = try bar("precision", 0, 0), fullCat = try bar("precision", 0, 1)
        #expect(halfCat.value == 0.5 && fullCat.value == 1)
        #expect(fullCat.height > 0 && abs(halfCat.height - fullCat.height / 2) <= 0.01)
        #expect(try bar("recall", 1, 0).value == 1 && bar("recall", 1, 1).value == 0.5)
        let dogF1A = try bar("f1", 1, 0), dogF1B = try bar("f1", 1, 1)
        #expect(abs(dogF1A.value - 0.8) < 1e-12 && abs(dogF1B.value - 2.0 / 3) < 1e-12)
        #expect(abs(dogF1A.height - 0.8 * fullCat.height) <= 0.01 && abs(dogF1B.height - 2.0 / 3 * fullCat.height) <= 0.01)
        // Every bar: one scale for all, one baseline, and every value the report's own.
        let baseline = try #require(Double(try attribute("y", of: bars[0]))) + (try #require(Double(try attribute("height", of: bars[0]))))
        for element in bars {
            let value = try #require(Double(try attribute("data-value", of: element)))
            let height = try #require(Double(try attribute("height", of: element)))
            #expect(abs(height - value * fullCat.height) <= 0.01)
            let c = try #require(Int(try attribute("data-class", of: element)))
            let a = try #require(Int(try attribute("data-approach", of: element)))
            let metrics = comparison.approaches[a].report.classes[c]
            let expected = switch try attribute("data-measure", of: element) {
            case "precision": metrics.precision
            case "recall": metrics.recall
            default: metrics.f1
            }
            #expect(value == expected)
            let y = try #require(Double(try attribute("y", of: element)))
            #expect(abs(y + height - baseline) <= 0.02)
        }
    }

    @Test func novelClassesAreMarked() throws {
        let html = try ComparisonReportFixtures.small().html
        let page = try document(html)
        // Bird's bars of B are hatched, the others filled.
        let bars = try elements("//rect[@class='bar']", in: page)
        for element in bars {
            let novel = try attribute("data-class", of: element) == "2" && attribute("data-approach", of: element) == "1"
            #expect(try attribute("fill", of: element).hasPrefix("url(#hatch-") == novel)
        }
        let rows = try elements("//tbody/tr/th", in: page).compactMap(\.stringValue)
        #expect(rows.contains("bird novel for B (enrolled one-shot)"))
        #expect(html.contains("<h2>Novel classes of B (embedding · nearest prototype)</h2>"))
        let legends = try elements("//svg[contains(@class, 'roc')]//text[@class='legend']", in: page).compactMap(\.stringValue)
        #expect(legends.filter { $0.hasSuffix("· novel") } == ["B: AUC 1.000 · novel"])
    }

    @Test func rocLegendsHoldEachApproachsAUC() throws {
        let comparison = try ComparisonReportFixtures.small()
        let page = try document(comparison.html)
        let panels = try elements("//svg[contains(@class, 'roc')]", in: page)
        #expect(panels.count == 3)
        let legends = try panels.map { panel in
            try panel.nodes(forXPath: ".//*[local-name()='text'][@class='legend']").compactMap(\.stringValue)
        }
        #expect(legends[0] == ["A: AUC \(String(format: "%.3f", 7.0 / 8))", "B: AUC 1.000"])
        // Each curve starts at (0, 0) and ends at (1, 1) of its panel.
        let curves = try panels[0].nodes(forXPath: ".//*[local-name()='polyline']").compactMap { $0 as? XMLElement }
        #expect(curves.count == 2)
        let frame = try #require(try panels[0].nodes(forXPath: ".//*[local-name()='rect'][@class='frame']").first as? XMLElement)
        let x = try #require(Double(try attribute("x", of: frame))), y = try #require(Double(try attribute("y", of: frame)))
        let size = try #require(Double(try attribute("width", of: frame)))
        for curve in curves {
            let points = try attribute("points", of: curve).split(separator: " ")
            #expect(points.first.map(String.init) == "\(Int(x)),\(Int(y + size))")
            #expect(points.last.map(String.init) == "\(Int(x + size)),\(Int(y))")
        }
    }

    @Test func confusionHeatMapsCountEverySampleAndShowUnknown() throws {
        let comparison = try ComparisonReportFixtures.small()
        let page = try document(comparison.html)
        let maps = try elements("//svg[contains(@class, 'heatmap')]", in: page)
        #expect(maps.count == 2)
        for (a, map) in maps.enumerated() {
            let cells = try map.nodes(forXPath: ".//*[local-name()='rect'][starts-with(@class, 'cell')]").compactMap { $0 as? XMLElement }
            let confusion = comparison.approaches[a].report.confusion
            #expect(cells.count == 3 * (confusion.hasUnknownColumn ? 4 : 3))
            for cell in cells {
                let row = try #require(Int(try attribute("data-row", of: cell)))
                let column = try attribute("data-column", of: cell)
                #expect(try attribute("data-count", of: cell) == String(confusion[row, Int(column)]))
            }
            let counts = try map.nodes(forXPath: ".//*[local-name()='text'][@class='count']").compactMap { Int($0.stringValue ?? "") }
            #expect(counts.reduce(0, +) == 6)
        }
        let unknownCells = try maps[1].nodes(forXPath: ".//*[local-name()='rect'][@data-column='unknown']").compactMap { $0 as? XMLElement }
        #expect(try unknownCells.map { try attribute("data-count", of: $0) } == ["0", "1", "0"])
        #expect(try maps[0].nodes(forXPath: ".//*[@data-column='unknown']").isEmpty)
    }

    @Test func overallTableMatchesTheReports() throws {
        let comparison = try ComparisonReportFixtures.small()
        let page = try document(comparison.html)
        let rows = try elements("//table[not(@class)]/tbody/tr", in: page)
        let accuracy = try #require(rows.first { ($0.elements(forName: "th").first?.stringValue) == "Accuracy" })
        let cells = accuracy.elements(forName: "td").compactMap(\.stringValue)
        #expect(cells == [String(format: "%.3f", 4.0 / 6), String(format: "%.3f", 5.0 / 6), String(format: "%+.3f", 1.0 / 6)])
        #expect(try attribute("class", of: accuracy.elements(forName: "td")[2]).contains("better"))
    }

    @Test func realisticPageParses() throws {
        let comparison = try ComparisonReportFixtures.fashion()
        let html = comparison.html
        let page = try document(html)
        #expect(try elements("//rect[@class='bar']", in: page).count == 3 * 10 * 2)
        #expect(try elements("//svg[contains(@class, 'roc')]", in: page).count == 10)
        #expect(try elements("//svg[contains(@class, 'pr')]", in: page).count == 10)
        // ROC and precision-recall polylines are thinned to what shows, not one point per sample.
        let curves = try elements("//polyline", in: page)
        #expect(curves.count == 20 + 20)
        for curve in curves {
            #expect(try attribute("points", of: curve).split(separator: " ").count <= 400 + 1)
        }
        #expect(html.utf8.count < 400_000)
    }
}
