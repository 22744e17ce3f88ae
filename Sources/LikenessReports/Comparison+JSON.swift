import Foundation
import LikenessFiles

extension Comparison {
    /// The comparison as JSON for notebooks: every field, with snake_case keys (`true_label`,
    /// `predicted_labels`, `roc_auc`, `macro_roc_auc`…), an unknown answer as `null`, and the numbers
    /// JSON cannot hold as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (which Python's
    /// `float()` and NumPy's `astype(float)` read back).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in ReportKey(ReportKey.snakeCase(path[path.count - 1].stringValue)) }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: ReportKey.positiveInfinity, negativeInfinity: ReportKey.negativeInfinity, nan: ReportKey.notANumber)
        return try encoder.encode(self)
    }

    /// The comparison from the JSON of ``jsonData()``.
    /// - Throws: `DecodingError` for text that is not such JSON, or whose parts disagree (a sample
    ///   with scores for another number of classes, say).
    public init(jsonData: Data) throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in ReportKey(ReportKey.camelCase(path[path.count - 1].stringValue)) }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: ReportKey.positiveInfinity, negativeInfinity: ReportKey.negativeInfinity, nan: ReportKey.notANumber)
        self = try decoder.decode(Comparison.self, from: jsonData)
    }
}

/// The JSON keys of a comparison: Swift's camelCase property names in snake_case and back.
struct ReportKey: CodingKey {
    static let positiveInfinity = "Infinity", negativeInfinity = "-Infinity", notANumber = "NaN"

    /// Property names with runs of capitals or a number, spelled out both ways: the general rule
    /// would give `macro_rocauc`, and would read `roc_auc` back as `rocAuc`; `precision_at_1` is
    /// pytorch-metric-learning's name.
    static let spelled: [String: String] = ["rocAUC": "roc_auc", "macroROCAUC": "macro_roc_auc", "precisionAt1": "precision_at_1"]
    static let unspelled = Dictionary(uniqueKeysWithValues: spelled.map { ($1, $0) })

    var stringValue: String
    var intValue: Int?

    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }

    /// `trueLabel` → `true_label`, `macroROCAUC` → `macro_roc_auc`: a word starts at a capital
    /// after a small letter or digit, and at the last capital of a run of capitals followed by a
    /// small letter; the names of ``spelled`` as spelled there.
    static func snakeCase(_ name: String) -> String {
        if let key = spelled[name] { return key }
        let characters = Array(name)
        var result = ""
        for (i, character) in characters.enumerated() {
            if character.isUppercase, i > 0 {
                let previous = characters[i - 1]
                let nextIsLower = i + 1 < characters.count && characters[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    result.append("_")
                }
            }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }

    /// The inverse of ``snakeCase(_:)`` on the comparison's property names.
    static func camelCase(_ key: String) -> String {
        if let name = unspelled[key] { return name }
        let words = key.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        guard let first = words.first, words.count > 1 else { return key }
        return first + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
