import Foundation
import LikenessFiles

/// Imbalance profiles as JSON files (`Datasets/profiles/*.json`):
///
///     {"name": "fmnist-lt", "kind": "proportions", "max_count": 5500,
///      "proportions": {"0": 0.14, "1": 0.2, …}}
///     {"kind": "counts", "counts": [500, 50, 5]}
///     {"kind": "exponential", "ratio": 100}
///     {"kind": "step", "ratio": 10, "minority_classes": [5, 6, 7, 8, 9]}
///     {"kind": "binary", "ratio": 4, "majority_class": 0, "minority_class": 1}
///
/// `proportions` and `counts` are a list by class index or an object keyed by class index;
/// `name` (default: the file's name), `description` and `max_count` are optional.
extension ImbalanceProfile {
    /// The kinds a profile file can declare.
    public static let jsonKinds = ["proportions", "counts", "exponential", "step", "binary"]

    /// Reads a profile file.
    ///
    /// - Throws: `DatasetFileError`: `.missing` or `.unreadable`; `.invalidField` naming the
    ///   field (`kind`, `ratio`, `proportions.3`, …) that is absent, of the wrong type or out
    ///   of range, or that the format does not know.
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetFileError.missing(file: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DatasetFileError.unreadable(file: path, reason: error.localizedDescription)
        }
        let fileName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        try self.init(json: data, file: path, defaultName: fileName)
    }

    /// Parses a profile from JSON text; `file` names the source in errors.
    ///
    /// - Throws: `DatasetFileError.invalidField` as `init(contentsOf:)`.
    public init(json: Data, file: String, defaultName: String = "profile") throws {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: json)
        } catch {
            throw DatasetFileError.invalidField(file: file, field: "JSON text", expected: "a JSON object",
                                                found: "text that is not JSON")
        }
        guard case .object(let object) = root else {
            throw DatasetFileError.invalidField(file: file, field: "top level", expected: "a JSON object",
                                                found: root.summary)
        }
        let reader = ProfileFieldReader(file: file, object: object)
        let kind = try reader.string("kind")
        let common = ["name", "description", "kind", "max_count"]
        let shape: Shape
        switch kind {
        case "proportions":
            try reader.rejectUnknown(allowed: common + ["proportions"])
            let p = try reader.numbers("proportions")
            guard p.contains(where: { $0 > 0 }) else {
                throw DatasetFileError.invalidField(file: file, field: "proportions",
                                                    expected: "at least one positive proportion", found: "none")
            }
            shape = .proportions(p)
        case "counts":
            try reader.rejectUnknown(allowed: common + ["counts"])
            shape = .counts(try reader.numbers("counts").enumerated().map { c, value in
                guard value == value.rounded(), value < 1e15 else {
                    throw DatasetFileError.invalidField(file: file, field: "counts.\(c)",
                                                        expected: "a whole number of images", found: "\(value)")
                }
                return Int(value)
            })
        case "exponential":
            try reader.rejectUnknown(allowed: common + ["ratio"])
            shape = .exponential(ratio: try reader.ratio())
        case "step":
            try reader.rejectUnknown(allowed: common + ["ratio", "minority_classes"])
            shape = .step(ratio: try reader.ratio(), minorityClasses: try reader.optionalClassList("minority_classes"))
        case "binary":
            try reader.rejectUnknown(allowed: common + ["ratio", "majority_class", "minority_class"])
            let majority = try reader.optionalClass("majority_class") ?? 0
            let minority = try reader.optionalClass("minority_class") ?? 1
            guard majority != minority else {
                throw DatasetFileError.invalidField(file: file, field: "minority_class",
                                                    expected: "a class other than majority_class \(majority)",
                                                    found: "\(minority)")
            }
            shape = .binary(ratio: try reader.ratio(), majorityClass: majority, minorityClass: minority)
        default:
            throw DatasetFileError.invalidField(file: file, field: "kind",
                                                expected: "one of " + Self.jsonKinds.joined(separator: ", "),
                                                found: "\"\(kind)\"")
        }
        let maxCount = try reader.optionalPositiveInt("max_count")
        let name = object["name"] == nil ? defaultName : try reader.string("name")
        if object["description"] != nil { _ = try reader.string("description") }
        self.init(name: name, shape: shape, maxCount: maxCount)
    }
}

/// Typed access to the fields of a profile's JSON object, with errors naming the field.
private struct ProfileFieldReader {
    let file: String
    let object: [String: JSONValue]

    func invalid(_ field: String, _ expected: String, _ value: JSONValue?) -> DatasetFileError {
        .invalidField(file: file, field: field, expected: expected,
                      found: value?.summary ?? "nothing (the field is absent)")
    }

    func rejectUnknown(allowed: [String]) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw DatasetFileError.invalidField(file: file, field: unknown,
                                                expected: "only the fields " + allowed.joined(separator: ", "),
                                                found: "an unknown field")
        }
    }

    func string(_ field: String) throws -> String {
        guard case .string(let value) = object[field] else { throw invalid(field, "a string", object[field]) }
        return value
    }

    func number(_ value: JSONValue?, field: String, expected: String) throws -> Double {
        guard case .number(let x) = value, x.isFinite else { throw invalid(field, expected, value) }
        return x
    }

    func ratio() throws -> Double {
        let expected = "a number of at least 1 (majority : minority)"
        let value = try number(object["ratio"], field: "ratio", expected: expected)
        guard value >= 1 else { throw invalid("ratio", expected, object["ratio"]) }
        return value
    }

    /// A list of non-negative numbers by class, or an object keyed `"0"`, `"1"`, … covering every class.
    func numbers(_ field: String) throws -> [Double] {
        let expected = "a non-negative number"
        switch object[field] {
        case .list(let list) where !list.isEmpty:
            return try list.enumerated().map { c, value in
                let x = try number(value, field: "\(field).\(c)", expected: expected)
                guard x >= 0 else { throw invalid("\(field).\(c)", expected, value) }
                return x
            }
        case .object(let keyed) where !keyed.isEmpty:
            var values = [Double](repeating: 0, count: keyed.count)
            for (key, value) in keyed.sorted(by: { $0.key < $1.key }) {
                guard let c = Int(key), c >= 0, c < keyed.count else {
                    throw DatasetFileError.invalidField(file: file, field: "\(field).\(key)",
                                                        expected: "class indices 0 to \(keyed.count - 1) as keys",
                                                        found: "the key \"\(key)\"")
                }
                let x = try number(value, field: "\(field).\(key)", expected: expected)
                guard x >= 0 else { throw invalid("\(field).\(key)", expected, value) }
                values[c] = x
            }
            return values
        default:
            throw invalid(field, "a non-empty list by class, or an object keyed by class index", object[field])
        }
    }

    func wholeNumber(_ value: JSONValue?, field: String, expected: String, minimum: Double) throws -> Int {
        let x = try number(value, field: field, expected: expected)
        guard x >= minimum, x == x.rounded(), x < 1e15 else { throw invalid(field, expected, value) }
        return Int(x)
    }

    func optionalClass(_ field: String) throws -> Int? {
        guard let value = object[field] else { return nil }
        return try wholeNumber(value, field: field, expected: "a class index", minimum: 0)
    }

    func optionalClassList(_ field: String) throws -> [Int]? {
        guard let value = object[field] else { return nil }
        guard case .list(let list) = value, !list.isEmpty else { throw invalid(field, "a list of class indices", value) }
        return try list.enumerated().map { i, item in
            try wholeNumber(item, field: "\(field).\(i)", expected: "a class index", minimum: 0)
        }
    }

    func optionalPositiveInt(_ field: String) throws -> Int? {
        guard let value = object[field] else { return nil }
        return try wholeNumber(value, field: field, expected: "a positive whole number", minimum: 1)
    }
}
