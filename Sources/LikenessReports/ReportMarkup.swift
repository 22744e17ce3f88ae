import Foundation

/// Helpers for the HTML page and its inline SVG charts, which are written as well-formed XML
/// (every element closed, every attribute quoted) so that any XML parser reads them.
enum ReportMarkup {
    /// A coordinate with at most one decimal: short SVG, and half a pixel is below what shows.
    static func number(_ x: Double) -> String {
        let tenths = (x * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }

    /// A coordinate with two decimals, for the bars whose lengths tell the value.
    static func precise(_ x: Double) -> String {
        String(format: "%.2f", x)
    }

    /// The colour of approach `a`: Paul Tol's "bright" scheme, readable by colour-blind readers.
    static func colour(ofApproach a: Int) -> String {
        let palette = ["#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"]
        return palette[a % palette.count]
    }

    /// `text` cut to `limit` characters with an ellipsis.
    static func truncated(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// The width of `text` in a sans-serif font of `size` pixels, roughly (SVG text is not measured
    /// without a browser): enough to leave room for labels.
    static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }

    /// A hatch pattern of `colour` named `id`, for the bars of classes an approach never saw in training.
    static func hatchPattern(id: String, colour: String) -> String {
        #"<pattern id="\#(id)" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">"#
            + #"<rect width="6" height="6" fill="\#(colour)" fill-opacity="0.3"/>"#
            + #"<line x1="0" y1="0" x2="0" y2="6" stroke="\#(colour)" stroke-width="3"/></pattern>"#
    }

    /// The points of a polyline in chart coordinates, fewer where they add nothing: a point that
    /// rounds to the previous one is dropped, and so is the middle of three on one horizontal or
    /// vertical line (a ROC curve of `N` samples has up to `N` points, mostly such steps).
    static func polylinePoints(_ points: [(x: Double, y: Double)]) -> String {
        var kept: [(x: Double, y: Double)] = []
        for point in points {
            let rounded = (x: (point.x * 10).rounded() / 10, y: (point.y * 10).rounded() / 10)
            if let last = kept.last, last == rounded { continue }
            if kept.count >= 2 {
                let a = kept[kept.count - 2], b = kept[kept.count - 1]
                if (a.x == b.x && b.x == rounded.x) || (a.y == b.y && b.y == rounded.y) { kept.removeLast() }
            }
            kept.append(rounded)
        }
        return kept.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
    }
}
