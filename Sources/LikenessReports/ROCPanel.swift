import LikenessFiles
import LikenessMetrics

/// The one-vs-rest ROC curves of one class for every approach, overlaid in one small SVG
/// chart (one panel per class makes small multiples), with each approach's AUC in the legend and
/// its operating points for the class as dots.
struct ROCPanel {
    struct Curve {
        let approachName: String
        let auc: Double?
        /// Nil when the AUC is not defined or the report did not keep its curves.
        let roc: ROCCurve?
        let isNovel: Bool
        /// (false-positive rate, recall) of the approach's operating points for this class.
        let operatingPoints: [(falsePositiveRate: Double, recall: Double, label: String)]
    }

    let className: String
    let curves: [Curve]

    static let plotSize = 200.0, left = 46.0, top = 30.0, lineHeight = 16.0
    static let width = left + plotSize + 14

    var svg: String {
        typealias M = ReportMarkup
        let size = Self.plotSize, left = Self.left, top = Self.top
        let bottom = top + size
        let height = bottom + 36 + Self.lineHeight * Double(curves.count)
        func point(_ fpr: Double, _ tpr: Double) -> (x: Double, y: Double) { (left + fpr * size, bottom - tpr * size) }
        var parts: [String] = []
        parts.append(#"<svg class="chart roc" width="\#(M.number(Self.width))" height="\#(M.number(height))" viewBox="0 0 \#(M.number(Self.width)) \#(M.number(height))" role="img" aria-label="\#(Markup.escape("ROC curves of \(className)"))">"#)
        parts.append(#"<text x="\#(M.number(left))" y="18" class="chart-title">\#(Markup.escape(M.truncated(className, to: 28)))<title>\#(Markup.escape(className))</title></text>"#)
        parts.append(#"<rect x="\#(M.number(left))" y="\#(M.number(top))" width="\#(M.number(size))" height="\#(M.number(size))" class="frame"/>"#)
        for tick in [0.0, 0.5, 1.0] {
            let x = left + tick * size, y = bottom - tick * size
            let label = tick == 0.5 ? "0.5" : String(Int(tick))
            parts.append(#"<line x1="\#(M.number(x))" y1="\#(M.number(top))" x2="\#(M.number(x))" y2="\#(M.number(bottom))" class="grid"/>"#)
            parts.append(#"<line x1="\#(M.number(left))" y1="\#(M.number(y))" x2="\#(M.number(left + size))" y2="\#(M.number(y))" class="grid"/>"#)
            parts.append(#"<text x="\#(M.number(x))" y="\#(M.number(bottom + 13))" text-anchor="middle" class="tick">\#(label)</text>"#)
            parts.append(#"<text x="\#(M.number(left - 5))" y="\#(M.number(y + 4))" text-anchor="end" class="tick">\#(label)</text>"#)
        }
        parts.append(#"<text x="\#(M.number(left + size / 2))" y="\#(M.number(bottom + 26))" text-anchor="middle" class="axis-title">false-positive rate</text>"#)
        parts.append(#"<text x="14" y="\#(M.number(top + size / 2))" text-anchor="middle" transform="rotate(-90 14 \#(M.number(top + size / 2)))" class="axis-title">true-positive rate</text>"#)
        parts.append(#"<line x1="\#(M.number(left))" y1="\#(M.number(bottom))" x2="\#(M.number(left + size))" y2="\#(M.number(top))" class="chance"/>"#)
        for (a, curve) in curves.enumerated() {
            guard let roc = curve.roc else { continue }
            let points = zip(roc.falsePositiveRates, roc.truePositiveRates).map { point($0, $1) }
            parts.append(#"<polyline class="curve" data-approach="\#(a)" points="\#(M.polylinePoints(points))" stroke="\#(M.colour(ofApproach: a))"\#(curve.isNovel ? #" stroke-dasharray="6 3""# : "")><title>\#(Markup.escape("\(Comparison.letter(a)) \(curve.approachName)"))</title></polyline>"#)
        }
        for (a, curve) in curves.enumerated() {
            for operatingPoint in curve.operatingPoints {
                let p = point(operatingPoint.falsePositiveRate, operatingPoint.recall)
                parts.append(#"<circle cx="\#(M.number(p.x))" cy="\#(M.number(p.y))" r="4" fill="white" stroke="\#(M.colour(ofApproach: a))" stroke-width="2"><title>\#(Markup.escape("\(Comparison.letter(a)): \(operatingPoint.label)"))</title></circle>"#)
            }
        }
        for (a, curve) in curves.enumerated() {
            let y = bottom + 44 + Self.lineHeight * Double(a)
            var text = "\(Comparison.letter(a)): AUC \(Comparison.format(curve.auc))"
            if curve.auc == nil { text += " (not defined)" } else if curve.roc == nil { text += " (curve not kept)" }
            if curve.isNovel { text += " · novel" }
            parts.append(#"<line x1="\#(M.number(left))" y1="\#(M.number(y - 4))" x2="\#(M.number(left + 18))" y2="\#(M.number(y - 4))" stroke="\#(M.colour(ofApproach: a))" stroke-width="3"\#(curve.isNovel ? #" stroke-dasharray="6 3""# : "")/>"#)
            parts.append(#"<text x="\#(M.number(left + 24))" y="\#(M.number(y))" class="legend">\#(Markup.escape(text))</text>"#)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
