import LikenessFiles
import LikenessMetrics

/// The one-vs-rest curves of one class for every approach, overlaid in one small SVG chart (one
/// panel per class makes small multiples): ROC curves with each approach's AUC in the legend, or
/// precision-recall curves with its average precision; the approach's operating points for the
/// class as dots.
struct CurvePanel {
    enum Kind {
        /// False-positive rate against true-positive rate, the diagonal for chance.
        case roc
        /// Recall against precision, the class's share of the samples for chance.
        case precisionRecall(chance: Double)
    }

    struct Curve {
        let approachName: String
        /// The AUC or the average precision; nil when not defined.
        let summary: Double?
        /// The points `(x, y)` in [0, 1]²; nil when not defined or the report did not keep its curves.
        let points: [(x: Double, y: Double)]?
        let isNovel: Bool
        /// The approach's operating points for this class, `(x, y)` as the curve's.
        let operatingPoints: [(x: Double, y: Double, label: String)]
    }

    let kind: Kind
    let className: String
    let curves: [Curve]

    static let plotSize = 200.0, left = 46.0, top = 30.0, lineHeight = 16.0
    static let width = left + plotSize + 14

    /// The ROC panel of class `c` of `comparison`.
    static func roc(ofClass c: Int, in comparison: Comparison) -> CurvePanel {
        CurvePanel(kind: .roc, className: comparison.classNames[c], curves: comparison.approaches.map { approach in
            let metrics = approach.report.classes[c]
            return Curve(
                approachName: approach.name, summary: metrics.rocAUC,
                points: metrics.roc.map { Array(zip($0.falsePositiveRates, $0.truePositiveRates)).map { (x: $0, y: $1) } },
                isNovel: metrics.isNovel,
                operatingPoints: operatingPoints(of: approach, forClass: c) { (x: $0.falsePositiveRate, y: $0.recall) })
        })
    }

    /// The precision-recall panel of class `c` of `comparison`.
    static func precisionRecall(ofClass c: Int, in comparison: Comparison) -> CurvePanel {
        let first = comparison.approaches[0].report
        let chance = Double(first.classes[c].support) / Double(first.sampleCount)
        return CurvePanel(kind: .precisionRecall(chance: chance), className: comparison.classNames[c], curves: comparison.approaches.map { approach in
            let metrics = approach.report.classes[c]
            return Curve(
                approachName: approach.name, summary: metrics.averagePrecision,
                points: metrics.precisionRecall.map { Array(zip($0.recalls, $0.precisions)).map { (x: $0, y: $1) } },
                isNovel: metrics.isNovel,
                operatingPoints: operatingPoints(of: approach, forClass: c) { (x: $0.recall, y: $0.precision) })
        })
    }

    /// The operating points of `approach` for class `c` that were reached, placed by `place`.
    static func operatingPoints(of approach: ComparedApproach, forClass c: Int,
                                place: (OperatingPoint) -> (x: Double, y: Double)) -> [(x: Double, y: Double, label: String)] {
        approach.operatingPoints.filter { $0.classIndex == c }.compactMap { entry in
            entry.point.map { p in
                let at = place(p)
                return (x: at.x, y: at.y,
                        label: "\(Comparison.describe(entry.target)): threshold \(String(format: "%.4g", p.threshold)), precision \(Comparison.format(p.precision)), recall \(Comparison.format(p.recall))")
            }
        }
    }

    var svg: String {
        typealias M = ReportMarkup
        let size = Self.plotSize, left = Self.left, top = Self.top
        let bottom = top + size
        let height = bottom + 36 + Self.lineHeight * Double(curves.count)
        func point(_ x: Double, _ y: Double) -> (x: Double, y: Double) { (left + x * size, bottom - y * size) }
        let (cssClass, description, xTitle, yTitle, summaryName) = switch kind {
        case .roc: ("roc", "ROC curves", "false-positive rate", "true-positive rate", "AUC")
        case .precisionRecall: ("pr", "Precision-recall curves", "recall", "precision", "AP")
        }
        var parts: [String] = []
        parts.append(#"<svg class="chart \#(cssClass)" width="\#(M.number(Self.width))" height="\#(M.number(height))" viewBox="0 0 \#(M.number(Self.width)) \#(M.number(height))" role="img" aria-label="\#(Markup.escape("\(description) of \(className)"))">"#)
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
        parts.append(#"<text x="\#(M.number(left + size / 2))" y="\#(M.number(bottom + 26))" text-anchor="middle" class="axis-title">\#(xTitle)</text>"#)
        parts.append(#"<text x="14" y="\#(M.number(top + size / 2))" text-anchor="middle" transform="rotate(-90 14 \#(M.number(top + size / 2)))" class="axis-title">\#(yTitle)</text>"#)
        switch kind {
        case .roc:
            parts.append(#"<line x1="\#(M.number(left))" y1="\#(M.number(bottom))" x2="\#(M.number(left + size))" y2="\#(M.number(top))" class="chance"/>"#)
        case .precisionRecall(let chance):
            let y = point(0, chance).y
            parts.append(#"<line x1="\#(M.number(left))" y1="\#(M.number(y))" x2="\#(M.number(left + size))" y2="\#(M.number(y))" class="chance"><title>chance: the class's share of the samples, \#(Comparison.format(chance))</title></line>"#)
        }
        for (a, curve) in curves.enumerated() {
            guard let points = curve.points else { continue }
            parts.append(#"<polyline class="curve" data-approach="\#(a)" points="\#(M.polylinePoints(points.map { point($0.x, $0.y) }))" stroke="\#(M.colour(ofApproach: a))"\#(curve.isNovel ? #" stroke-dasharray="6 3""# : "")><title>\#(Markup.escape("\(Comparison.letter(a)) \(curve.approachName)"))</title></polyline>"#)
        }
        for (a, curve) in curves.enumerated() {
            for operatingPoint in curve.operatingPoints {
                let p = point(operatingPoint.x, operatingPoint.y)
                parts.append(#"<circle cx="\#(M.number(p.x))" cy="\#(M.number(p.y))" r="4" fill="white" stroke="\#(M.colour(ofApproach: a))" stroke-width="2"><title>\#(Markup.escape("\(Comparison.letter(a)): \(operatingPoint.label)"))</title></circle>"#)
            }
        }
        for (a, curve) in curves.enumerated() {
            let y = bottom + 44 + Self.lineHeight * Double(a)
            var text = "\(Comparison.letter(a)): \(summaryName) \(Comparison.format(curve.summary))"
            if curve.summary == nil { text += " (not defined)" } else if curve.points == nil { text += " (curve not kept)" }
            if curve.isNovel { text += " · novel" }
            parts.append(#"<line x1="\#(M.number(left))" y1="\#(M.number(y - 4))" x2="\#(M.number(left + 18))" y2="\#(M.number(y - 4))" stroke="\#(M.colour(ofApproach: a))" stroke-width="3"\#(curve.isNovel ? #" stroke-dasharray="6 3""# : "")/>"#)
            parts.append(#"<text x="\#(M.number(left + 24))" y="\#(M.number(y))" class="legend">\#(Markup.escape(text))</text>"#)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
