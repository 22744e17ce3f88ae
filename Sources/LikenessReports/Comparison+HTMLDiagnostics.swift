import Foundation
import LikenessFiles
import LikenessMetrics

/// The HTML page's sections beyond the classification measures: retrieval, distances and gallery
/// of an embedding approach, top probabilities of a softmax, precision-recall curves, mistakes,
/// and the command line.
extension Comparison {
    /// Colours of the two series of a histogram (Paul Tol's "bright" blue and red, and green and
    /// purple for right and wrong answers).
    static let genuineColour = "#4477aa", impostorColour = "#ee6677", rightColour = "#228833", wrongColour = "#aa3377"

    /// A table row: `header` (already escaped) in a `th`, then `cells` as numeric `td`s.
    static func numberRow(header: String, _ cells: [String]) -> String {
        "<tr><th>\(header)</th>" + cells.map { #"<td class="num">\#($0)</td>"# }.joined() + "</tr>"
    }

    func precisionRecallSectionHTML() -> [String] {
        var page = ["<h2>Precision-recall curves per class</h2>"]
        page.append(#"<p class="note">One class against the rest, on each approach's scores; AP: average precision. Grey dashes: chance, the class's share of the samples. Dashed: an approach that never saw the class in training. Dots: operating points.</p>"#)
        page.append(#"<div class="panels">"#)
        page += classNames.indices.map { CurvePanel.precisionRecall(ofClass: $0, in: self).svg }
        page.append("</div>")
        return page
    }

    func embeddingSectionsHTML(letters: [String]) -> [String] {
        var page: [String] = []
        for (a, approach) in approaches.enumerated() {
            guard let embedding = approach.embedding else { continue }
            let who = "\(letters[a]) (\(Markup.escape(approach.name)))"
            let retrieval = embedding.retrieval
            page.append("<h2>Retrieval among the embeddings of \(who)</h2>")
            page.append(#"<p class="note">Each sample's embedding a query against all the others (itself left out), as pytorch-metric-learning's AccuracyCalculator measures them: R = the other samples of its class; precision@1, R-precision (its class among the first R) and MAP@R. Overall: the mean over the queries; n/a: a class of fewer than two samples (nothing to retrieve: left out).</p>"#)
            page.append(#"<table class="retrieval"><thead><tr><th>Class</th><th>Samples</th><th>R</th><th>Precision@1</th><th>R-precision</th><th>MAP@R</th></tr></thead><tbody>"#)
            for entry in retrieval.classes {
                let cells = [String(entry.queryCount), String(entry.relevantCount), Self.format(entry.precisionAt1),
                             Self.format(entry.rPrecision), Self.format(entry.meanAveragePrecisionAtR)]
                page.append(Self.numberRow(header: Markup.escape(entry.name), cells))
            }
            let overall = [String(retrieval.queryCount), "", Self.format(retrieval.precisionAt1), Self.format(retrieval.rPrecision),
                           Self.format(retrieval.meanAveragePrecisionAtR)]
            page.append(Self.numberRow(header: "All queries", overall))
            page.append("</tbody></table>")

            let distances = embedding.distances
            page.append("<h2>Distances to the prototypes of \(who)</h2>")
            page.append(#"<p class="note">Genuine: a sample's distance to its own class's prototype; impostor: to another class's (every prototype, for a class the gallery does not enrol). Bars: each set's share, so that sets of different sizes compare. The line: the gallery's global threshold, under which the nearest class is accepted.</p>"#)
            let chart = HistogramChart(
                title: "Genuine and impostor distances of \(letters[a])", xTitle: "Euclidean distance to the prototype",
                series: [.init(name: "genuine", histogram: distances.genuine, colour: Self.genuineColour),
                         .init(name: "impostor", histogram: distances.impostor, colour: Self.impostorColour)],
                asShares: true,
                markers: distances.threshold.map { [(value: $0, label: "threshold \(String(format: "%.4g", $0))")] } ?? [])
            page.append("<figure>\(chart.svg)</figure>")
            if embedding.gallery.globalThreshold == nil {
                page.append(#"<p class="note">The gallery has no global threshold: a class without one of its own answers whenever it is the nearest.</p>"#)
            }
            page.append(#"<table class="gallery"><thead><tr><th>Enrolled class</th><th>Shots</th><th>Own threshold</th><th>Threshold in force</th></tr></thead><tbody>"#)
            for enrolled in embedding.gallery.classes {
                let cells = [String(enrolled.shotCount), Self.formatDistance(enrolled.threshold, none: "global"),
                             Self.formatDistance(enrolled.thresholdInForce, none: "none")]
                page.append(Self.numberRow(header: Markup.escape(enrolled.name), cells))
            }
            page.append("</tbody></table>")
            if let redraws = embedding.oneShotRedraws {
                page.append("<h2>One-shot classes of \(who) over \(redraws.draws) draws of their image</h2>")
                page.append(#"<p class="note">"# + Markup.escape("\(redraws.draws) draws of each class's image from \(redraws.shotSource): " + Self.oneShotNote) + "</p>")
                let figures = letters.map { "<th>Recall, \($0)</th><th>False-accept rate, \($0)</th>" }.joined()
                page.append(#"<table class="one-shot"><thead><tr><th>One-shot class</th><th>Candidates</th><th>Recall over the draws</th><th>False-accept rate over the draws</th>"# + figures + "</tr></thead><tbody>")
                for row in oneShotRows(redraws) {
                    page.append(Self.numberRow(header: Markup.escape(row.name), [String(row.candidateCount), row.drawnRecall, row.drawnFalseAcceptRate]
                                               + row.approachFigures.flatMap { [$0.recall, $0.falseAcceptRate] }))
                }
                page.append("</tbody></table>")
            }
        }
        return page
    }

    func topProbabilitySectionsHTML(letters: [String]) -> [String] {
        var page: [String] = []
        for (a, approach) in approaches.enumerated() {
            guard let top = approach.topProbability else { continue }
            page.append("<h2>Top probability of \(letters[a]) (\(Markup.escape(approach.name)))</h2>")
            page.append(#"<p class="note">Each sample's largest probability, for the samples answered right and wrong: wrong answers at high probability are mistakes the classifier is sure of.</p>"#)
            let chart = HistogramChart(
                title: "Top probability of \(letters[a]), right and wrong answers", xTitle: "top probability",
                series: [.init(name: "right", histogram: top.right, colour: Self.rightColour),
                         .init(name: "wrong", histogram: top.wrong, colour: Self.wrongColour)],
                asShares: false)
            page.append("<figure>\(chart.svg)</figure>")
        }
        return page
    }

    /// The worst mistakes of each approach, each with its image from `thumbnails` (PNG bytes by
    /// sample index) when there.
    func mistakesSectionHTML(letters: [String], thumbnails: [Int: [UInt8]]) -> [String] {
        guard approaches.contains(where: { $0.worstMistakes != nil }) else { return [] }
        var page = ["<h2>Surest mistakes</h2>"]
        page.append(#"<p class="note">Each approach's wrong answers of highest score (probability, or minus the distance), surest first; "unknown" answers are not among them.</p>"#)
        for (a, approach) in approaches.enumerated() {
            guard let mistakes = approach.worstMistakes else { continue }
            page.append("<h3>\(letters[a]) (\(Markup.escape(approach.name)))</h3>")
            guard !mistakes.isEmpty else {
                page.append(#"<p class="note">No wrong answer naming a class.</p>"#)
                continue
            }
            page.append(#"<div class="mistakes">"#)
            for mistake in mistakes {
                var figure = #"<figure class="mistake" data-approach="\#(a)" data-sample="\#(mistake.sampleIndex)">"#
                if let png = thumbnails[mistake.sampleIndex] {
                    figure += #"<img src="data:image/png;base64,\#(Data(png).base64EncodedString())" alt="\#(Markup.escape(mistake.id))"/>"#
                }
                figure += "<figcaption><code>\(Markup.escape(mistake.id))</code><br/>true: \(Markup.escape(classNames[mistake.trueLabel]))"
                    + "<br/>answer: \(Markup.escape(classNames[mistake.predictedLabel]))<br/>score \(String(format: "%.4g", mistake.score))</figcaption></figure>"
                page.append(figure)
            }
            page.append("</div>")
        }
        return page
    }

    func commandLineSectionHTML() -> [String] {
        guard let commandLine else { return [] }
        return ["<h2>Command line</h2>", #"<pre class="command"><code>\#(Markup.escape(commandLine))</code></pre>"#]
    }

    /// A threshold distance with four significant digits; `none` when there is none.
    static func formatDistance(_ distance: Double?, none: String) -> String {
        distance.map { String(format: "%.4g", $0) } ?? none
    }
}
