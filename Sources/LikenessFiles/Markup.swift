/// Text written into the HTML and SVG files the toolkit makes (reports, charts), which are
/// well-formed XML so that any XML parser reads them.
package enum Markup {
    /// `text` as HTML/XML character data or attribute value: `& < > " '` as entities, and
    /// control characters as visible escapes (`visible`), since XML 1.0 forbids most of them even
    /// as character references.
    package static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in visible(text) {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `text` with each control character (Unicode's Cc: U+0000–U+001F, U+007F–U+009F) but those
    /// in `kept` written as a visible escape, `\x1B`: a class name or file name can then neither
    /// move a terminal's cursor or colours nor break a file format; what it holds stays legible.
    package static func visible(_ text: String, keeping kept: Set<Unicode.Scalar> = []) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !kept.contains($0) }) else { return text }
        var shown = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) && !kept.contains(scalar) {
                shown.append(contentsOf: "\\x".unicodeScalars)
                let hex = String(scalar.value, radix: 16, uppercase: true)
                shown.append(contentsOf: (hex.count == 1 ? "0" + hex : hex).unicodeScalars)
            } else {
                shown.append(scalar)
            }
        }
        return String(shown)
    }

    /// `text` for a terminal: control characters visible (`visible`), line breaks and tabs kept.
    package static func terminal(_ text: String) -> String {
        visible(text, keeping: ["\n", "\t"])
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
