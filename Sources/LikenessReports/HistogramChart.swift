import LikenessFiles
import LikenessMetrics

/// Two or more series counted in the same bins, as side-by-side bars in each bin, an SVG element
/// for the HTML page, with vertical lines at marked values (a threshold).
///
/// The x axis maps `[e_0, e_B]` linearly onto the plot's width; a bar's height is its count, or
/// with `asShares` its count's share of its series' total (series of very different sizes then
/// compare by shape), on one scale for all bars. Each bar is a `rect` of class `bin` with
/// `data-series`, `data-bin` and `data-count`; each marked value a `line` of class `marker` with
/// `data-value`.
struct HistogramChart {
    struct Series {
        /// The series' name in `data-series` and the legend.
        let name: String
        let histogram: Histogram
        let colour: String
    }

    let title: String
    let xTitle: String
    let series: [Series]
    let asShares: Bool
    let markers: [(value: Double, label: String)]

    static let width = 560.0, plotHeight = 180.0
    static let left = 52.0, right = 14.0, top = 44.0

    init(title: String, xTitle: String, series: [Series], asShares: Bool, markers: [(value: Double, label: String)] = []) {
        precondition(!series.isEmpty && series.allSatisfy { $0.histogram.binEdges == series[0].histogram.binEdges },
                     "a histogram chart needs series of the same bins")
        self.title = title
        self.xTitle = xTitle
        self.series = series
        self.asShares = asShares
        self.markers = markers
    }

    /// The bin edges of every series.
    var edges: [Double] { series[0].histogram.binEdges }

    /// The x coordinate of `value` on the axis.
    func x(_ value: Double) -> Double {
        let lower = edges[0], upper = edges[edges.count - 1]
        return Self.left + (value - lower) / (upper - lower) * (Self.width - Self.left - Self.right)
    }

    /// The height of bar `count` of `series`, and the label of its value.
    func value(_ count: Int, of series: Series) -> Double {
        guard asShares else { return Double(count) }
        let total = series.histogram.total
        return total == 0 ? 0 : Double(count) / Double(total)
    }

    var svg: String {
        typealias M = ReportMarkup
        let baseline = Self.top + Self.plotHeight
        let height = baseline + 40
        let largest = series.flatMap { s in s.histogram.counts.map { value($0, of: s) } }.max() ?? 0
        let scale = largest > 0 ? Self.plotHeight / largest : 0
        var parts: [String] = []
        parts.append(#"<svg class="chart histogram" width="\#(M.number(Self.width))" height="\#(M.number(height))" viewBox="0 0 \#(M.number(Self.width)) \#(M.number(height))" role="img" aria-label="\#(Markup.escape(title))">"#)
        parts.append(#"<text x="\#(M.number(Self.left))" y="18" class="chart-title">\#(Markup.escape(title))</text>"#)
        var legendX = Self.left
        for s in series {
            let text = "\(s.name) (\(s.histogram.total))"
            parts.append(#"<rect x="\#(M.number(legendX))" y="26" width="12" height="12" fill="\#(s.colour)" fill-opacity="0.8"/>"#)
            parts.append(#"<text x="\#(M.number(legendX + 16))" y="36" class="legend">\#(Markup.escape(text))</text>"#)
            legendX += 16 + M.textWidth(text, size: 12) + 14
        }
        for tick in [0.0, 0.5, 1.0] {
            let y = baseline - tick * Self.plotHeight
            let label = asShares ? String(format: "%.3g", tick * largest) : String(format: "%.0f", tick * largest)
            parts.append(#"<line x1="\#(M.number(Self.left))" y1="\#(M.number(y))" x2="\#(M.number(Self.width - Self.right))" y2="\#(M.number(y))" class="\#(tick == 0 ? "axis" : "grid")"/>"#)
            parts.append(#"<text x="\#(M.number(Self.left - 6))" y="\#(M.number(y + 4))" text-anchor="end" class="tick">\#(label)</text>"#)
        }
        let binCount = edges.count - 1
        for b in 0..<binCount {
            let binLeft = x(edges[b]), binWidth = x(edges[b + 1]) - binLeft
            let barWidth = binWidth / Double(series.count)
            for (k, s) in series.enumerated() {
                let count = s.histogram.counts[b]
                let barHeight = value(count, of: s) * scale
                let tooltip = "\(s.name): \(count) in [\(String(format: "%.4g", edges[b])), \(String(format: "%.4g", edges[b + 1]))\(b == binCount - 1 ? "]" : ")")"
                parts.append(#"<rect class="bin" data-series="\#(Markup.escape(s.name))" data-bin="\#(b)" data-count="\#(count)" x="\#(M.precise(binLeft + Double(k) * barWidth))" y="\#(M.precise(baseline - barHeight))" width="\#(M.precise(barWidth))" height="\#(M.precise(barHeight))" fill="\#(s.colour)" fill-opacity="0.8"><title>\#(Markup.escape(tooltip))</title></rect>"#)
            }
        }
        for tick in [0, binCount / 2, binCount] {
            parts.append(#"<text x="\#(M.number(x(edges[tick])))" y="\#(M.number(baseline + 14))" text-anchor="middle" class="tick">\#(String(format: "%.3g", edges[tick]))</text>"#)
        }
        parts.append(#"<text x="\#(M.number((Self.left + Self.width - Self.right) / 2))" y="\#(M.number(baseline + 30))" text-anchor="middle" class="axis-title">\#(Markup.escape(xTitle))</text>"#)
        parts.append(#"<text x="14" y="\#(M.number(Self.top + Self.plotHeight / 2))" text-anchor="middle" transform="rotate(-90 14 \#(M.number(Self.top + Self.plotHeight / 2)))" class="axis-title">\#(asShares ? "share of the series" : "samples")</text>"#)
        for marker in markers {
            let at = x(marker.value)
            parts.append(#"<line class="marker" data-value="\#(marker.value)" x1="\#(M.precise(at))" y1="\#(M.number(Self.top - 4))" x2="\#(M.precise(at))" y2="\#(M.number(baseline))"><title>\#(Markup.escape(marker.label))</title></line>"#)
            parts.append(#"<text x="\#(M.number(at + 4))" y="\#(M.number(Self.top + 6))" class="marker-label">\#(Markup.escape(marker.label))</text>"#)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
