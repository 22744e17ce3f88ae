import Foundation
import LikenessFiles

/// A horizontal bar chart of class counts as a standalone SVG document: one bar per class,
/// its name on the left and its count at the bar's end. With `logarithmic`, bar lengths
/// follow log10(1 + count), so that a class of 15 next to one of 5,500 stays visible.
public struct ClassCountChart: Sendable {
    public var title: String
    public var names: [String]
    public var counts: [Int]
    public var logarithmic: Bool

    public init(title: String, names: [String], counts: [Int], logarithmic: Bool = false) {
        precondition(names.count == counts.count, "\(names.count) names for \(counts.count) counts")
        precondition(counts.allSatisfy { $0 >= 0 }, "counts must be non-negative")
        self.title = title
        self.names = names
        self.counts = counts
        self.logarithmic = logarithmic
    }

    /// The SVG text.
    public var svg: String {
        let rowHeight = 22, labelWidth = 160, barSpace = 420, top = 40
        let width = labelWidth + barSpace + 80, height = top + rowHeight * counts.count + 16
        func length(_ count: Int) -> Double {
            logarithmic ? log10(1 + Double(count)) : Double(count)
        }
        let longest = max(counts.map(length).max() ?? 0, 1e-9)
        var lines = [
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)" font-family="sans-serif" font-size="13">"#,
            #"<rect width="100%" height="100%" fill="white"/>"#,
            #"<text x="\#(width / 2)" y="24" text-anchor="middle" font-size="15" font-weight="bold">\#(Markup.escape(title))\#(logarithmic ? " (log scale)" : "")</text>"#,
        ]
        for (row, (name, count)) in zip(names, counts).enumerated() {
            let y = top + row * rowHeight
            let bar = Double(barSpace) * length(count) / longest
            lines.append(#"<text x="\#(labelWidth - 8)" y="\#(y + 15)" text-anchor="end">\#(Markup.escape(name))</text>"#)
            lines.append(##"<rect x="\##(labelWidth)" y="\##(y + 3)" width="\##(Self.format(bar))" height="\##(rowHeight - 6)" fill="#4477aa"><title>\##(Markup.escape(name)): \##(count)</title></rect>"##)
            lines.append(#"<text x="\#(Self.format(Double(labelWidth) + bar + 6))" y="\#(y + 15)">\#(count)</text>"#)
        }
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the SVG to `path` (the file is replaced only once completely written).
    public func write(to path: String) throws {
        try AtomicFile.write(Array(svg.utf8), to: path)
    }

    static func format(_ x: Double) -> String {
        String(Double(Int((x * 10).rounded())) / 10)
    }
}
