import LikenessMetrics

/// The Markdown report's sections beyond the classification measures, as the HTML page's.
extension Comparison {
    func embeddingSectionsMarkdown(letters: [String]) -> [String] {
        var lines: [String] = []
        for (a, approach) in approaches.enumerated() {
            guard let embedding = approach.embedding else { continue }
            let who = "\(letters[a]) (\(Self.markdownText(approach.name)))"
            let retrieval = embedding.retrieval
            lines += ["", "## Retrieval among the embeddings of \(who)", ""]
            lines.append("Each sample's embedding a query against all the others (itself left out), as pytorch-metric-learning's "
                + "AccuracyCalculator measures them: R = the other samples of its class. Overall: the mean over the queries; "
                + "n/a: a class of fewer than two samples (nothing to retrieve: left out).")
            lines.append("")
            lines.append(Self.markdownRow(["Class", "Samples", "R", "Precision@1", "R-precision", "MAP@R"]))
            lines.append(Self.markdownRule(["---", "---:", "---:", "---:", "---:", "---:"]))
            for entry in retrieval.classes {
                lines.append(Self.markdownRow([Self.markdownText(entry.name), String(entry.queryCount), String(entry.relevantCount),
                                               Self.format(entry.precisionAt1), Self.format(entry.rPrecision),
                                               Self.format(entry.meanAveragePrecisionAtR)]))
            }
            lines.append(Self.markdownRow(["All queries", String(retrieval.queryCount), "", Self.format(retrieval.precisionAt1),
                                           Self.format(retrieval.rPrecision), Self.format(retrieval.meanAveragePrecisionAtR)]))

            let distances = embedding.distances
            lines += ["", "## Distances to the prototypes of \(who)", ""]
            let threshold = distances.threshold.map { "global threshold \(String(format: "%.4g", $0))" } ?? "no global threshold"
            lines.append("\(distances.genuine.total) genuine distances (a sample to its own class's prototype) and "
                + "\(distances.impostor.total) impostor distances (to another class's); \(threshold). The bins that hold any:")
            lines.append("")
            lines += histogramTable(title: "Distance", first: ("Genuine", distances.genuine), second: ("Impostor", distances.impostor))
            lines += ["", "Thresholds and shots of the gallery:", ""]
            lines.append(Self.markdownRow(["Enrolled class", "Shots", "Own threshold", "Threshold in force"]))
            lines.append(Self.markdownRule(["---", "---:", "---:", "---:"]))
            for enrolled in embedding.gallery.classes {
                lines.append(Self.markdownRow([Self.markdownText(enrolled.name), String(enrolled.shotCount),
                                               Self.formatDistance(enrolled.threshold, none: "global"),
                                               Self.formatDistance(enrolled.thresholdInForce, none: "none")]))
            }
            if let redraws = embedding.oneShotRedraws {
                lines += ["", "## One-shot classes of \(who) over \(redraws.draws) draws of their image", ""]
                lines.append("\(redraws.draws) draws of each class's image from \(Self.markdownText(redraws.shotSource)): " + Self.oneShotNote)
                lines.append("")
                let figures = letters.flatMap { ["Recall, \($0)", "False-accept rate, \($0)"] }
                lines.append(Self.markdownRow(["One-shot class", "Candidates", "Recall over the draws", "False-accept rate over the draws"] + figures))
                lines.append(Self.markdownRule(["---"] + Array(repeating: "---:", count: 3 + figures.count)))
                for row in oneShotRows(redraws) {
                    lines.append(Self.markdownRow([Self.markdownText(row.name), String(row.candidateCount), row.drawnRecall, row.drawnFalseAcceptRate]
                                                  + row.approachFigures.flatMap { [$0.recall, $0.falseAcceptRate] }))
                }
            }
        }
        return lines
    }

    func topProbabilitySectionsMarkdown(letters: [String]) -> [String] {
        var lines: [String] = []
        for (a, approach) in approaches.enumerated() {
            guard let top = approach.topProbability else { continue }
            lines += ["", "## Top probability of \(letters[a]) (\(Self.markdownText(approach.name)))", ""]
            lines.append("Each sample's largest probability, for the \(top.right.total) samples answered right and the "
                + "\(top.wrong.total) answered wrong. The bins that hold any:")
            lines.append("")
            lines += histogramTable(title: "Top probability", first: ("Right", top.right), second: ("Wrong", top.wrong))
        }
        return lines
    }

    func mistakesSectionMarkdown(letters: [String]) -> [String] {
        var lines: [String] = []
        for (a, approach) in approaches.enumerated() {
            guard let mistakes = approach.worstMistakes else { continue }
            lines += ["", "## Surest mistakes of \(letters[a]) (\(Self.markdownText(approach.name)))", ""]
            guard !mistakes.isEmpty else {
                lines.append("No wrong answer naming a class.")
                continue
            }
            lines.append("Wrong answers of highest score, surest first (report.html shows their images).")
            lines.append("")
            lines.append(Self.markdownRow(["Image", "True class", "Answer", "Score"]))
            lines.append(Self.markdownRule(["---", "---", "---", "---:"]))
            for mistake in mistakes {
                lines.append(Self.markdownRow([Self.markdownText(mistake.id), Self.markdownText(classNames[mistake.trueLabel]),
                                               Self.markdownText(classNames[mistake.predictedLabel]), String(format: "%.4g", mistake.score)]))
            }
        }
        return lines
    }

    func commandLineSectionMarkdown() -> [String] {
        guard let commandLine else { return [] }
        // A fence longer than any run of backticks in the command.
        let longestRun = commandLine.split(whereSeparator: { $0 != "`" }).map(\.count).max() ?? 0
        let fence = String(repeating: "`", count: max(3, longestRun + 1))
        return ["", "## Command line", "", fence, commandLine, fence]
    }

    /// The rows of two histograms of the same bins, those where either counts anything.
    func histogramTable(title: String, first: (name: String, histogram: Histogram), second: (name: String, histogram: Histogram)) -> [String] {
        let edges = first.histogram.binEdges
        var lines = [Self.markdownRow([title, first.name, second.name]), Self.markdownRule(["---", "---:", "---:"])]
        for b in first.histogram.counts.indices where first.histogram.counts[b] + second.histogram.counts[b] > 0 {
            let bin = "\(String(format: "%.3f", edges[b]))–\(String(format: "%.3f", edges[b + 1]))"
            lines.append(Self.markdownRow([bin, String(first.histogram.counts[b]), String(second.histogram.counts[b])]))
        }
        return lines
    }
}
