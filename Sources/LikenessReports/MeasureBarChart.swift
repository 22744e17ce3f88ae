import LikenessFiles

/// One per-class measure in [0, 1] of every approach as grouped vertical bars, an SVG element
/// for the HTML page: a group per class, a bar per approach in its colour, the bar's height
/// `value × plotHeight`; a class an approach never saw in training is hatched.
///
/// Each bar is a `rect` of class `bar` with `data-measure`, `data-class`, `data-approach` and
/// `data-value` attributes.
struct MeasureBarChart {
    let title: String
    /// The measure's name in `data-measure` (and in the ids of the chart's patterns).
    let key: String
    let classNames: [String]
    let approachNames: [String]
    /// `values[a][c]`: approach `a`'s measure of class `c`.
    let values: [[Double]]
    /// `novel[a][c]`: whether approach `a` never saw class `c` in training.
    let novel: [[Bool]]
    /// `novelties[a]`: why approach `a`'s novel classes are novel to it.
    let novelties: [Novelty]

    static let width = 1100.0, plotHeight = 180.0
    static let left = 48.0, right = 12.0, top = 44.0
    static let labelSize = 12.0

    var svg: String {
        typealias M = ReportMarkup
        let classCount = classNames.count, approachCount = approachNames.count
        let plotWidth = Self.width - Self.left - Self.right
        let groupWidth = plotWidth / Double(classCount)
        let barWidth = min(36, groupWidth * 0.8 / Double(approachCount))
        let labels = classNames.indices.map { c in
            let novelFor = approachNames.indices.filter { novel[$0][c] }.map(Comparison.letter)
            return (text: M.truncated(classNames[c], to: 24),
                    note: novelFor.isEmpty ? nil : "novel for \(novelFor.joined(separator: ", "))")
        }
        let widest = labels.map { M.textWidth($0.text, size: Self.labelSize) }.max() ?? 0
        let rotated = widest > groupWidth - 6
        // Rotated labels hang down at 35°: sin 35° ≈ 0.57 of their width.
        let bottom = rotated ? 24 + widest * 0.57 + 14 : 44
        let height = Self.top + Self.plotHeight + bottom
        let baseline = Self.top + Self.plotHeight
        var parts: [String] = []
        parts.append(#"<svg class="chart" width="\#(M.number(Self.width))" height="\#(M.number(height))" viewBox="0 0 \#(M.number(Self.width)) \#(M.number(height))" role="img" aria-label="\#(Markup.escape(title))">"#)
        parts.append("<defs>" + approachNames.indices.map {
            M.hatchPattern(id: "hatch-\(key)-\($0)", colour: M.colour(ofApproach: $0))
        }.joined() + M.hatchPattern(id: "hatch-\(key)-legend", colour: "#777777") + "</defs>")
        parts.append(#"<text x="\#(M.number(Self.left))" y="20" class="chart-title">\#(Markup.escape(title))</text>"#)
        parts.append(legend(right: Self.width - Self.right, y: 20))
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let y = baseline - tick * Self.plotHeight
            parts.append(#"<line x1="\#(M.number(Self.left))" y1="\#(M.number(y))" x2="\#(M.number(Self.width - Self.right))" y2="\#(M.number(y))" class="\#(tick == 0 ? "axis" : "grid")"/>"#)
            parts.append(#"<text x="\#(M.number(Self.left - 6))" y="\#(M.number(y + 4))" text-anchor="end" class="tick">\#(String(format: "%.2f", tick))</text>"#)
        }
        for c in 0..<classCount {
            let groupLeft = Self.left + Double(c) * groupWidth
            let barsLeft = groupLeft + (groupWidth - barWidth * Double(approachCount)) / 2
            for a in 0..<approachCount {
                let value = values[a][c]
                precondition((0...1).contains(value), "\(key) \(value) of class \(c) outside [0, 1]")
                let barHeight = value * Self.plotHeight
                let x = barsLeft + Double(a) * barWidth
                let fill = novel[a][c] ? "url(#hatch-\(key)-\(a))" : M.colour(ofApproach: a)
                let tooltip = "\(Comparison.letter(a)) \(approachNames[a]), \(classNames[c]): \(key) \(Comparison.format(value))"
                    + (novel[a][c] ? " (novel: \(novelties[a].rawValue))" : "")
                parts.append(#"<rect class="bar" data-measure="\#(key)" data-class="\#(c)" data-approach="\#(a)" data-value="\#(value)" x="\#(M.precise(x + 1))" y="\#(M.precise(baseline - barHeight))" width="\#(M.precise(barWidth - 2))" height="\#(M.precise(barHeight))" fill="\#(fill)" stroke="\#(M.colour(ofApproach: a))" stroke-width="\#(novel[a][c] ? 1 : 0)"><title>\#(Markup.escape(tooltip))</title></rect>"#)
                if barWidth >= 22 {
                    parts.append(#"<text x="\#(M.number(x + barWidth / 2))" y="\#(M.number(baseline - barHeight - 3))" text-anchor="middle" class="value">\#(String(format: "%.2f", value))</text>"#)
                }
            }
            let centre = groupLeft + groupWidth / 2
            let label = labels[c]
            let tooltip = "<title>\(Markup.escape(classNames[c]))</title>"
            if rotated {
                let text = label.text + (label.note.map { " (\($0))" } ?? "")
                parts.append(#"<text x="\#(M.number(centre))" y="\#(M.number(baseline + 16))" text-anchor="end" transform="rotate(-35 \#(M.number(centre)) \#(M.number(baseline + 16)))" class="label\#(label.note == nil ? "" : " novel-label")">\#(Markup.escape(text))\#(tooltip)</text>"#)
            } else {
                parts.append(#"<text x="\#(M.number(centre))" y="\#(M.number(baseline + 18))" text-anchor="middle" class="label">\#(Markup.escape(label.text))\#(tooltip)</text>"#)
                if let note = label.note {
                    parts.append(#"<text x="\#(M.number(centre))" y="\#(M.number(baseline + 33))" text-anchor="middle" class="note">\#(Markup.escape(note))</text>"#)
                }
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// Swatches of the approaches and of the hatching, right-aligned at `right`.
    func legend(right: Double, y: Double) -> String {
        typealias M = ReportMarkup
        var entries = approachNames.indices.map { a in
            (swatch: M.colour(ofApproach: a), text: "\(Comparison.letter(a)) \(M.truncated(approachNames[a], to: 36))")
        }
        let shown = novelties.indices.filter { novel[$0].contains(true) }.map { novelties[$0].rawValue }
        if !shown.isEmpty {
            let words = shown.indices.filter { shown.firstIndex(of: shown[$0]) == $0 }.map { shown[$0] }
            entries.append((swatch: "url(#hatch-\(key)-legend)", text: "hatched: novel (\(words.joined(separator: " / ")))"))
        }
        var x = right
        var parts: [String] = []
        for entry in entries.reversed() {
            x -= M.textWidth(entry.text, size: 12) + 6
            parts.append(#"<text x="\#(M.number(x))" y="\#(M.number(y))" class="legend">\#(Markup.escape(entry.text))</text>"#)
            x -= 16
            parts.append(##"<rect x="\##(M.number(x))" y="\##(M.number(y - 10))" width="12" height="12" fill="\##(entry.swatch)" stroke="#555" stroke-width="0.5"/>"##)
            x -= 14
        }
        return parts.joined(separator: "\n")
    }
}
