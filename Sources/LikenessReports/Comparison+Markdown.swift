import Foundation
import LikenessFiles

extension Comparison {
    /// The report as Markdown: the approaches, the overall figures, a side-by-side table per
    /// class (each measure for every approach, then each later approach's difference from the
    /// first), the classes an approach never saw in training, the operating points and the
    /// confusion matrices; an embedding approach's retrieval measures, distance histograms (as
    /// tables) and gallery thresholds and shots; a softmax's top probabilities of right and wrong
    /// answers; each approach's surest mistakes (image ids); the command line.
    public var markdown: String {
        var lines: [String] = []
        let letters = approaches.indices.map(Self.letter)
        let first = letters[0]
        lines.append("# Comparison on \(Self.markdownText(dataset.name))")
        lines.append("")
        var summary = ["\(samples.count) samples", "\(classNames.count) classes"]
        if let source = dataset.source { summary.insert("source: \(Self.markdownText(source))", at: 0) }
        lines.append(summary.joined(separator: " · "))
        lines.append("")
        lines.append(Self.markdownRow(["", "Approach", "Model file", "Scores", "Never seen in training"]))
        lines.append(Self.markdownRule(["---", "---", "---", "---", "---"]))
        for (a, approach) in approaches.enumerated() {
            let novel = approach.novelClasses.map { classNames[$0] }
            lines.append(Self.markdownRow([
                letters[a], approach.name, approach.modelFile, approach.scoreDescription ?? "",
                novel.isEmpty ? "none" : novel.joined(separator: ", ") + " (novel: \(approach.novelty.rawValue))",
            ].map(Self.markdownText)))
        }
        let differenceLetters = letters.dropFirst().map { "\($0) − \(first)" }

        lines += ["", "## Overall", ""]
        lines.append(Self.markdownRow(["Measure"] + letters + differenceLetters.map { "Δ \($0)" }))
        lines.append(Self.markdownRule(["---"] + Array(repeating: "---:", count: letters.count + differenceLetters.count)))
        for row in overallRows {
            let differences = row.values.dropFirst().map { Self.formatDifference($0, minus: row.values[0]) }
            lines.append(Self.markdownRow([Self.markdownText(row.title)] + row.values.map(Self.format) + differences))
        }
        if !novelToSomeApproach.isEmpty {
            lines += ["", "Macro and weighted averages include every class, novel ones too; the last rows split them."]
        }

        lines += ["", "## Per class", ""]
        var notes = ["n/a: not defined (ROC AUC: the class has no sample or is every sample; AP: the class has no sample)."]
        if approaches.count > 1 { notes.insert("Δ: \(differenceLetters.joined(separator: ", ")).", at: 0) }
        lines.append(notes.joined(separator: " "))
        lines.append("")
        var header = ["Class", "Support"], rule = ["---", "---:"]
        for measure in Self.classMeasures {
            header += letters.map { "\(measure.title) \($0)" } + letters.dropFirst().map { "Δ \(measure.title) \($0)" }
            rule += Array(repeating: "---:", count: 2 * letters.count - 1)
        }
        lines.append(Self.markdownRow(header))
        lines.append(Self.markdownRule(rule))
        for c in classNames.indices {
            var cells = [Self.markdownText(classLabel(c)), String(approaches[0].report.classes[c].support)]
            for measure in Self.classMeasures {
                let values = approaches.map { measure.value($0.report.classes[c]) }
                cells += values.map(Self.format) + values.dropFirst().map { Self.formatDifference($0, minus: values[0]) }
            }
            lines.append(Self.markdownRow(cells))
        }

        for (a, approach) in approaches.enumerated() where !approach.novelClasses.isEmpty {
            lines += ["", "## Novel classes of \(letters[a]) (\(Self.markdownText(approach.name)))", ""]
            lines.append(approach.novelty.heading(letter: letters[a]) + " Their figures, which \(letters[a])'s macro averages include:")
            lines.append("")
            lines.append(Self.markdownRow(["Class", "Support", "Answered the class", "Correct", "Answered unknown",
                                           "Precision", "Recall", "F1", "ROC AUC"]))
            lines.append(Self.markdownRule(["---"] + Array(repeating: "---:", count: 8)))
            for c in approach.novelClasses {
                let m = approach.report.classes[c]
                lines.append(Self.markdownRow([
                    Self.markdownText(classNames[c]), String(m.support), String(m.predictedCount), String(m.truePositives),
                    String(m.unknownCount), Self.format(m.precision), Self.format(m.recall), Self.format(m.f1), Self.format(m.rocAUC),
                ]))
            }
        }

        if approaches.contains(where: { !$0.operatingPoints.isEmpty }) {
            lines += ["", "## Operating points", ""]
            lines.append("Each threshold is on one class's score against the rest; a sample is called the class when its score is at least the threshold.")
            lines.append("")
            lines.append(Self.markdownRow(["Approach", "Class", "Target", "Threshold", "Precision", "Recall",
                                           "False-positive rate", "F1", "TP", "FP", "FN", "TN"]))
            lines.append(Self.markdownRule(["---", "---", "---"] + Array(repeating: "---:", count: 9)))
            for (a, approach) in approaches.enumerated() {
                for entry in approach.operatingPoints {
                    var cells = [letters[a], Self.markdownText(classNames[entry.classIndex]), Self.describe(entry.target)]
                    if let p = entry.point {
                        cells += [String(format: "%.4g", p.threshold), Self.format(p.precision), Self.format(p.recall),
                                  Self.format(p.falsePositiveRate), Self.format(p.f1), String(p.truePositives),
                                  String(p.falsePositives), String(p.falseNegatives), String(p.trueNegatives)]
                    } else {
                        cells += ["not reached"] + Array(repeating: "", count: 8)
                    }
                    lines.append(Self.markdownRow(cells))
                }
            }
        }

        for (a, approach) in approaches.enumerated() {
            let confusion = approach.report.confusion
            lines += ["", "## Confusion matrix of \(letters[a]) (\(Self.markdownText(approach.name)))", ""]
            lines.append("Rows: true class; columns: answer.")
            lines.append("")
            let answers = classNames + (confusion.hasUnknownColumn ? ["unknown"] : [])
            lines.append(Self.markdownRow(["True class"] + answers.map(Self.markdownText)))
            lines.append(Self.markdownRule(["---"] + Array(repeating: "---:", count: answers.count)))
            for c in classNames.indices {
                lines.append(Self.markdownRow([Self.markdownText(classNames[c])] + confusion.counts[c].map(String.init)))
            }
        }
        lines += embeddingSectionsMarkdown(letters: letters)
        lines += topProbabilitySectionsMarkdown(letters: letters)
        lines += mistakesSectionMarkdown(letters: letters)
        lines += commandLineSectionMarkdown()
        return lines.joined(separator: "\n") + "\n"
    }

    /// The class's name, with "novel for B (enrolled one-shot)" when some approach never saw it in training.
    func classLabel(_ c: Int) -> String {
        let novel = approachesNovel(toClass: c)
        guard !novel.isEmpty else { return classNames[c] }
        return "\(classNames[c]) · \(novelFor(novel))"
    }

    static func markdownRow(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    static func markdownRule(_ alignments: [String]) -> String { "|" + alignments.joined(separator: "|") + "|" }

    /// Text that reads as itself in Markdown: characters with a Markdown meaning (the table's `|`,
    /// HTML's `<`) are backslash-escaped, and control characters, line breaks included, written
    /// as visible escapes (`Markup.visible`).
    static func markdownText(_ text: String) -> String {
        var escaped = ""
        for character in Markup.visible(text) {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "#": escaped += "\\\(character)"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
