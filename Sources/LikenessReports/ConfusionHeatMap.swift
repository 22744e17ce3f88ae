import Foundation
import LikenessFiles
import LikenessMetrics

/// A confusion matrix as an SVG heat map: a row per true class, a column per answer (and one
/// for "unknown" when present, in another hue), each cell shaded by its share of the row (so that
/// a rare class's row reads as plainly as a common one's) and labelled with its count.
struct ConfusionHeatMap {
    let title: String
    let classNames: [String]
    let confusion: ConfusionMatrix
    /// Classes the approach never saw in training: their rows are marked.
    let novelClasses: Set<Int>

    static let labelSize = 12.0

    var svg: String {
        typealias M = ReportMarkup
        let classCount = classNames.count
        let columns = classCount + (confusion.hasUnknownColumn ? 1 : 0)
        let cell = min(40, max(20, 420 / Double(columns)))
        let rowLabels = classNames.indices.map { M.truncated(classNames[$0], to: 18) + (novelClasses.contains($0) ? " (novel)" : "") }
        let columnLabels = classNames.map { M.truncated($0, to: 14) } + (confusion.hasUnknownColumn ? ["unknown"] : [])
        let left = 16 + (rowLabels.map { M.textWidth($0, size: Self.labelSize) }.max() ?? 0)
        // Column labels rise at 45°: sin 45° ≈ 0.71 of their width.
        let top = 48 + (columnLabels.map { M.textWidth($0, size: Self.labelSize) }.max() ?? 0) * 0.71
        let width = left + cell * Double(columns) + 16
        let height = top + cell * Double(classCount) + 30
        let countSize = cell >= 34 ? 11.0 : 9.0
        var parts: [String] = []
        parts.append(#"<svg class="chart heatmap" width="\#(M.number(width))" height="\#(M.number(height))" viewBox="0 0 \#(M.number(width)) \#(M.number(height))" role="img" aria-label="\#(Markup.escape(title))">"#)
        parts.append(#"<text x="8" y="20" class="chart-title">\#(Markup.escape(title))</text>"#)
        for (j, label) in columnLabels.enumerated() {
            let x = left + (Double(j) + 0.5) * cell, y = top - 8
            let name = j < classCount ? classNames[j] : "unknown"
            parts.append(#"<text x="\#(M.number(x))" y="\#(M.number(y))" transform="rotate(-45 \#(M.number(x)) \#(M.number(y)))" class="label\#(j == classCount ? " unknown-label" : "")">\#(Markup.escape(label))<title>\#(Markup.escape(name))</title></text>"#)
        }
        for i in 0..<classCount {
            let support = confusion.support(of: i)
            let y = top + Double(i) * cell
            parts.append(#"<text x="\#(M.number(left - 8))" y="\#(M.number(y + cell / 2 + 4))" text-anchor="end" class="label\#(novelClasses.contains(i) ? " novel-label" : "")">\#(Markup.escape(rowLabels[i]))<title>\#(Markup.escape(classNames[i]))</title></text>"#)
            for j in 0..<columns {
                let count = confusion.counts[i][j]
                let share = support == 0 ? 0 : Double(count) / Double(support)
                let isUnknown = j == classCount
                let x = left + Double(j) * cell
                let answer = isUnknown ? "unknown" : classNames[j]
                let tooltip = "true \(classNames[i]), answered \(answer): \(count)" + (support == 0 ? "" : String(format: " (%.1f%% of the class)", 100 * share))
                parts.append(#"<rect class="cell\#(i == j ? " diagonal" : "")" data-row="\#(i)" data-column="\#(isUnknown ? "unknown" : String(j))" data-count="\#(count)" x="\#(M.number(x))" y="\#(M.number(y))" width="\#(M.number(cell))" height="\#(M.number(cell))" fill="\#(Self.shade(share, unknown: isUnknown))"><title>\#(Markup.escape(tooltip))</title></rect>"#)
                parts.append(#"<text x="\#(M.number(x + cell / 2))" y="\#(M.number(y + cell / 2 + countSize * 0.36))" text-anchor="middle" font-size="\#(M.number(countSize))" fill="\#(share > 0.5 ? "white" : "#222")" class="count">\#(count)</text>"#)
            }
        }
        let gridRight = left + cell * Double(columns), gridBottom = top + cell * Double(classCount)
        parts.append(#"<rect x="\#(M.number(left))" y="\#(M.number(top))" width="\#(M.number(cell * Double(columns)))" height="\#(M.number(cell * Double(classCount)))" class="frame"/>"#)
        if confusion.hasUnknownColumn {
            let x = left + cell * Double(classCount)
            parts.append(#"<line x1="\#(M.number(x))" y1="\#(M.number(top))" x2="\#(M.number(x))" y2="\#(M.number(gridBottom))" class="separator"/>"#)
        }
        parts.append(#"<text x="\#(M.number(gridRight))" y="\#(M.number(gridBottom + 20))" text-anchor="end" class="note">rows: true class · columns: answer · shade: share of the row</text>"#)
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// A colour from white to dark blue (dark orange for "unknown") as `share` goes from 0 to 1.
    static func shade(_ share: Double, unknown: Bool) -> String {
        let light = (r: 247.0, g: 251.0, b: 255.0)
        let dark = unknown ? (r: 166.0, g: 54.0, b: 3.0) : (r: 8.0, g: 48.0, b: 107.0)
        let t = share.squareRoot() // small shares stay visible
        func channel(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
        return String(format: "#%02x%02x%02x", channel(light.r, dark.r), channel(light.g, dark.g), channel(light.b, dark.b))
    }
}
