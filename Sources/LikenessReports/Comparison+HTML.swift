import Foundation
import LikenessFiles

extension Comparison {
    /// The report as one self-contained HTML page, without images of the mistakes: `html(thumbnails: [:])`.
    public var html: String { html(thumbnails: [:]) }

    /// The report as one self-contained HTML page: inline CSS and SVG charts drawn here, images as
    /// `data:` URIs, no script and no reference to anything outside the page. The approaches and
    /// overall figures, per-class bars of precision, recall and F1, the side-by-side table per
    /// class, ROC and precision-recall curves per class (small multiples, AUC or AP in each
    /// legend), the novel classes, the operating points, a confusion heat map per approach; an
    /// embedding approach's retrieval measures, genuine and impostor distance histograms with the
    /// threshold, and gallery thresholds and shots; a softmax's top probability of right and wrong
    /// answers; each approach's surest mistakes, with their images from `thumbnails` (PNG bytes by
    /// sample index) where given; the command line. The page is well-formed XML as well as HTML.
    public func html(thumbnails: [Int: [UInt8]]) -> String {
        typealias M = ReportMarkup
        let letters = approaches.indices.map(Self.letter)
        var page: [String] = []
        page.append("<!DOCTYPE html>")
        page.append(#"<html lang="en">"#)
        page.append("<head>")
        page.append(#"<meta charset="utf-8"/>"#)
        page.append(#"<meta name="viewport" content="width=device-width, initial-scale=1"/>"#)
        page.append("<title>\(Markup.escape("Likeness comparison: \(dataset.name)"))</title>")
        page.append("<style>\(Self.styleSheet)</style>")
        page.append("</head>")
        page.append("<body>")
        page.append("<main>")
        page.append("<h1>Comparison on \(Markup.escape(dataset.name))</h1>")
        var summary = ["\(samples.count) samples", "\(classNames.count) classes"]
        if let source = dataset.source { summary.insert("source: \(source)", at: 0) }
        page.append(#"<p class="meta">\#(Markup.escape(summary.joined(separator: " · ")))</p>"#)

        page.append(#"<table class="approaches"><thead><tr><th></th><th>Approach</th><th>Model file</th><th>Scores</th><th>Never seen in training</th></tr></thead><tbody>"#)
        for (a, approach) in approaches.enumerated() {
            let novel = approach.novelClasses.map { classNames[$0] }
            let novelCell = novel.isEmpty ? "none"
                : #"<span class="badge">novel: \#(approach.novelty.rawValue)</span> "# + Markup.escape(novel.joined(separator: ", "))
            page.append(#"<tr><td><span class="swatch" style="background:\#(M.colour(ofApproach: a))"></span> <b>\#(letters[a])</b></td><td>\#(Markup.escape(approach.name))</td><td><code>\#(Markup.escape(approach.modelFile))</code></td><td>\#(Markup.escape(approach.scoreDescription ?? ""))</td><td>\#(novelCell)</td></tr>"#)
        }
        page.append("</tbody></table>")

        page.append("<h2>Overall</h2>")
        page.append(overallTableHTML(letters: letters))

        page.append("<h2>Per class: precision, recall and F1</h2>")
        let names = approaches.map(\.name)
        let novel = approaches.map { approach in approach.report.classes.map(\.isNovel) }
        for measure in Self.classMeasures.prefix(3) {
            let chart = MeasureBarChart(
                title: "\(measure.title) per class", key: measure.key, classNames: classNames, approachNames: names,
                values: approaches.map { approach in approach.report.classes.map { measure.value($0) ?? 0 } }, novel: novel,
                novelties: approaches.map(\.novelty))
            page.append(#"<figure>\#(chart.svg)</figure>"#)
        }

        page.append("<h2>Per class, side by side</h2>")
        page.append(classTableHTML(letters: letters))

        page.append("<h2>ROC curves per class</h2>")
        page.append(#"<p class="note">One class against the rest, on each approach's scores\#(Markup.escape(scoreSummary)). Dashed: an approach that never saw the class in training. Dots: operating points.</p>"#)
        page.append(#"<div class="panels">"#)
        page += classNames.indices.map { CurvePanel.roc(ofClass: $0, in: self).svg }
        page.append("</div>")
        page += precisionRecallSectionHTML()

        for (a, approach) in approaches.enumerated() where !approach.novelClasses.isEmpty {
            page.append("<h2>Novel classes of \(letters[a]) (\(Markup.escape(approach.name)))</h2>")
            page.append(#"<p class="note">\#(approach.novelty.heading(letter: letters[a])) \#(letters[a])'s macro averages include these figures; the overall table also gives them apart.</p>"#)
            page.append(#"<table><thead><tr><th>Class</th><th>Support</th><th>Answered the class</th><th>Correct</th><th>Answered unknown</th><th>Precision</th><th>Recall</th><th>F1</th><th>ROC AUC</th></tr></thead><tbody>"#)
            for c in approach.novelClasses {
                let m = approach.report.classes[c]
                let cells = [String(m.support), String(m.predictedCount), String(m.truePositives), String(m.unknownCount),
                             Self.format(m.precision), Self.format(m.recall), Self.format(m.f1), Self.format(m.rocAUC)]
                page.append("<tr><th>\(Markup.escape(classNames[c]))</th>" + cells.map { #"<td class="num">\#($0)</td>"# }.joined() + "</tr>")
            }
            page.append("</tbody></table>")
        }

        if approaches.contains(where: { !$0.operatingPoints.isEmpty }) {
            page.append("<h2>Operating points</h2>")
            page.append(#"<p class="note">Each threshold is on one class's score against the rest; a sample is called the class when its score is at least the threshold.</p>"#)
            page.append(#"<table><thead><tr><th>Approach</th><th>Class</th><th>Target</th><th>Threshold</th><th>Precision</th><th>Recall</th><th>False-positive rate</th><th>F1</th><th>TP</th><th>FP</th><th>FN</th><th>TN</th></tr></thead><tbody>"#)
            for (a, approach) in approaches.enumerated() {
                for entry in approach.operatingPoints {
                    var row = "<tr><td>\(letters[a])</td><td>\(Markup.escape(classNames[entry.classIndex]))</td><td>\(Markup.escape(Self.describe(entry.target)))</td>"
                    if let p = entry.point {
                        let cells = [String(format: "%.4g", p.threshold), Self.format(p.precision), Self.format(p.recall),
                                     Self.format(p.falsePositiveRate), Self.format(p.f1), String(p.truePositives),
                                     String(p.falsePositives), String(p.falseNegatives), String(p.trueNegatives)]
                        row += cells.map { #"<td class="num">\#($0)</td>"# }.joined()
                    } else {
                        row += #"<td colspan="9" class="na">not reached</td>"#
                    }
                    page.append(row + "</tr>")
                }
            }
            page.append("</tbody></table>")
        }

        page.append("<h2>Confusion matrices</h2>")
        page.append(#"<div class="panels">"#)
        for (a, approach) in approaches.enumerated() {
            let map = ConfusionHeatMap(title: "\(letters[a]) · \(approach.name)", classNames: classNames,
                                       confusion: approach.report.confusion, novelClasses: Set(approach.novelClasses))
            page.append(map.svg)
        }
        page.append("</div>")
        page += embeddingSectionsHTML(letters: letters)
        page += topProbabilitySectionsHTML(letters: letters)
        page += mistakesSectionHTML(letters: letters, thumbnails: thumbnails)
        page += commandLineSectionHTML()
        page.append("</main>")
        page.append("</body>")
        page.append("</html>")
        return page.joined(separator: "\n") + "\n"
    }

    /// ": A softmax probability, B minus the distance…" when the approaches say what their scores are.
    var scoreSummary: String {
        let described = approaches.indices.compactMap { a in approaches[a].scoreDescription.map { "\(Self.letter(a)) \($0)" } }
        return described.isEmpty ? "" : " (" + described.joined(separator: "; ") + ")"
    }

    func overallTableHTML(letters: [String]) -> String {
        let first = letters[0]
        var rows = ["<table><thead><tr><th>Measure</th>"
            + letters.map { "<th>\($0)</th>" }.joined()
            + letters.dropFirst().map { "<th>Δ \($0) − \(first)</th>" }.joined() + "</tr></thead><tbody>"]
        for row in overallRows {
            var cells = row.values.map { #"<td class="num">\#(Self.format($0))</td>"# }
            cells += row.values.dropFirst().map { differenceCell($0, minus: row.values[0], higherIsBetter: row.higherIsBetter) }
            rows.append("<tr><th>\(Markup.escape(row.title))</th>" + cells.joined() + "</tr>")
        }
        rows.append("</tbody></table>")
        return rows.joined(separator: "\n")
    }

    func classTableHTML(letters: [String]) -> String {
        let first = letters[0]
        let span = 2 * letters.count - 1
        var rows = [#"<table class="wide"><thead><tr><th rowspan="2">Class</th><th rowspan="2">Support</th>"#
            + Self.classMeasures.map { #"<th colspan="\#(span)" class="group">\#($0.title)</th>"# }.joined() + "</tr>"]
        rows.append("<tr>" + Self.classMeasures.map { _ in
            letters.map { "<th>\($0)</th>" }.joined() + letters.dropFirst().map { "<th>Δ \($0) − \(first)</th>" }.joined()
        }.joined() + "</tr></thead><tbody>")
        for c in classNames.indices {
            let novelApproaches = approachesNovel(toClass: c)
            var label = Markup.escape(classNames[c])
            if !novelApproaches.isEmpty {
                label += #" <span class="badge">\#(novelFor(novelApproaches))</span>"#
            }
            var cells = [#"<td class="num">\#(approaches[0].report.classes[c].support)</td>"#]
            for measure in Self.classMeasures {
                let values = approaches.map { measure.value($0.report.classes[c]) }
                cells += approaches.indices.map { a in
                    let novel = approaches[a].report.classes[c].isNovel
                    return #"<td class="num\#(a == 0 ? " group-start" : "")\#(novel ? " novel" : "")">\#(Self.format(values[a]))</td>"#
                }
                cells += values.dropFirst().map { differenceCell($0, minus: values[0], higherIsBetter: true) }
            }
            rows.append("<tr><th>\(label)</th>" + cells.joined() + "</tr>")
        }
        rows.append("</tbody></table>")
        rows.append(#"<p class="note">n/a: not defined (ROC AUC: the class has no sample or is every sample; AP: the class has no sample). Shaded cells: the approach never saw the class in training.</p>"#)
        return rows.joined(separator: "\n")
    }

    func differenceCell(_ later: Double?, minus first: Double?, higherIsBetter: Bool) -> String {
        let text = Self.formatDifference(later, minus: first)
        var kind = "diff"
        if higherIsBetter, let later, let first, text != "0.000" {
            kind += later > first ? " better" : " worse"
        }
        return #"<td class="num \#(kind)">\#(text)</td>"#
    }

    static let styleSheet = """
    body { margin: 0; background: #fafafa; color: #222; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    main { max-width: 1160px; margin: 0 auto; padding: 24px; background: white; }
    h1 { font-size: 24px; margin: 0 0 4px; }
    h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
    .meta, .note { color: #555; font-size: 13px; }
    table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
    table.wide { font-size: 12px; }
    th, td { border: 1px solid #e2e2e2; padding: 3px 7px; }
    thead th { background: #f2f2f2; }
    tbody th { text-align: left; font-weight: 600; background: #fcfcfc; }
    th.group { text-align: center; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.group-start { border-left: 2px solid #bbb; }
    td.novel { background: #fff6d6; }
    td.diff { color: #666; }
    td.better { color: #1b7837; }
    td.worse { color: #b2182b; }
    td.na { color: #888; font-style: italic; }
    code { font-size: 12px; }
    .swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #555; vertical-align: -1px; }
    .badge { display: inline-block; font-size: 11px; font-weight: normal; padding: 0 5px; border-radius: 3px; background: #fff0c2; border: 1px solid #e0c060; color: #6b5200; }
    figure { margin: 8px 0 16px; }
    .panels { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: flex-start; }
    svg.chart { max-width: 100%; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; font-size: 12px; overflow: visible; }
    svg .chart-title { font-size: 14px; font-weight: 600; }
    svg .tick { font-size: 10px; fill: #666; }
    svg .value { font-size: 10px; fill: #333; }
    svg .label { font-size: 12px; fill: #222; }
    svg .novel-label { fill: #8a6d00; font-style: italic; }
    svg .unknown-label { fill: #a63603; font-style: italic; }
    svg .note { font-size: 11px; fill: #8a6d00; }
    svg.heatmap .note { fill: #666; }
    svg .legend { font-size: 12px; fill: #222; }
    svg .axis-title { font-size: 11px; fill: #555; }
    svg .grid { stroke: #e6e6e6; stroke-width: 1; }
    svg .axis { stroke: #888; stroke-width: 1; }
    svg .frame { fill: none; stroke: #999; stroke-width: 1; }
    svg .chance { stroke: #aaa; stroke-width: 1; stroke-dasharray: 4 4; }
    svg .curve { fill: none; stroke-width: 2; stroke-linejoin: round; }
    svg .separator { stroke: #333; stroke-width: 2; }
    svg .count { font-variant-numeric: tabular-nums; }
    svg .marker { stroke: #222; stroke-width: 2; stroke-dasharray: 5 3; }
    svg .marker-label { font-size: 11px; fill: #222; }
    h3 { font-size: 15px; margin: 16px 0 6px; }
    .mistakes { display: flex; flex-wrap: wrap; gap: 10px; }
    figure.mistake { margin: 0; width: 132px; font-size: 11px; line-height: 1.3; }
    figure.mistake img { display: block; width: 84px; height: auto; image-rendering: pixelated; border: 1px solid #ccc; margin-bottom: 3px; }
    pre.command { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: 8px; border: 1px solid #e2e2e2; }
    """
}
