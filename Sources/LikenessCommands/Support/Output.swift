import Foundation
import Likeness

/// Writes `text` to `path`, or to standard output when `path` is nil or `-`.
func writeResult(_ text: String, to path: String?) throws {
    guard let path, path != "-" else {
        print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        return
    }
    try AtomicFile.write(Array(text.utf8), to: path)
    printDiagnostic("wrote \(path)")
}

/// JSON text of `value`, keys in snake case and sorted, for files other tools read.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}

/// A count with its share of `total`, e.g. `2139 (14.0%)`.
func countWithShare(_ count: Int, of total: Int) -> String {
    total == 0 ? "\(count)" : "\(count) (\(String(format: "%.1f", 100 * Double(count) / Double(total)))%)"
}

/// Rows as a table for people: each column as wide as its widest cell, columns two spaces apart,
/// control characters in cells made visible (`Markup.terminal`).
func textTable(_ rawRows: [[String]]) -> String {
    let rows = rawRows.map { $0.map(Markup.terminal) }
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { c, cell in
            c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}

extension OutputFormat {
    /// A CSV field, quoted when it must be, and never a spreadsheet formula: a text that starts
    /// with `=`, `+`, `-`, `@`, a tab or a carriage return (and is not a plain number) gets a
    /// leading `'`, as OWASP advises against CSV injection, so that a class folder named
    /// `=HYPERLINK(…)` stays text.
    static func csvField(_ s: String) -> String {
        let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]
        var field = s
        if let first = s.first, formulaStarts.contains(first), !isPlainNumber(s) { field = "'" + s }
        let needsQuotes = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        return needsQuotes ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    /// Whether `s` is a decimal number such as `-0.25` or `1e-3`, which a spreadsheet reads as a number.
    private static func isPlainNumber(_ s: String) -> Bool {
        Double(s) != nil && s.allSatisfy { $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }
    }

    /// One JSON object on one line, keys sorted.
    static func jsonLine(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// This run's command line, `likeness` and its arguments, as model files and reports record it.
var invocation: String {
    (["likeness"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
}
