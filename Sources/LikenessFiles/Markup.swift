/// Text written into the HTML and SVG files the toolkit makes (reports, charts), which are
/// well-formed XML so that any XML parser reads them.
package enum Markup {
    /// `text` as HTML/XML character data or attribute value: `& < > " '` as entities.
    package static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
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
}
