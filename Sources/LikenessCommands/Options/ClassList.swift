import ArgumentParser
import Foundation

/// Classes as an option gives them, comma-separated: class names or indices (`5,7`,
/// `Sandal,Bag`), resolved against a dataset's class names once it is loaded
/// (`resolved(in:option:)`). `index:N` and `name:X` say which a token is when it could be both.
struct ClassList: ExpressibleByArgument, CustomStringConvertible {
    /// The tokens as given, trimmed.
    let tokens: [String]

    init?(argument: String) {
        let tokens = argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !tokens.contains(where: \.isEmpty) else { return nil }
        self.tokens = tokens
    }

    /// The tokens as they are given, e.g. `5,7`: what help prints as a default.
    var description: String { tokens.joined(separator: ",") }

    /// The class indices the tokens name, in their order, without repeats.
    ///
    /// A token is a class name or an index into `classNames`; one that is both, naming two
    /// different classes, is an error asking which (`index:3` or `name:3`).
    ///
    /// - Throws: `CommandError` naming `option` and the token: an index outside the classes, an
    ///   unknown name (listing the classes, with the closest name when one is close), an
    ///   ambiguous token.
    func resolved(in classNames: [String], option: String) throws -> [Int] {
        var classes: [Int] = []
        for token in tokens {
            let c = try Self.resolve(token, in: classNames, option: option)
            if !classes.contains(c) { classes.append(c) }
        }
        return classes
    }

    private static func resolve(_ token: String, in classNames: [String], option: String) throws -> Int {
        let last = classNames.count - 1
        func index(_ text: String) throws -> Int? {
            guard let i = Int(text) else { return nil }
            guard (0...last).contains(i) else {
                throw CommandError("\(option) \(token): the dataset's classes are 0 to \(last). By name: \(listed(classNames)).")
            }
            return i
        }
        func name(_ text: String) throws -> Int {
            if let c = classNames.firstIndex(of: text) { return c }
            throw CommandError("\(option) \(token): no class is named '\(text)'"
                               + (closest(to: text, in: classNames).map { "; did you mean '\($0)'?" } ?? ".")
                               + " The dataset's classes: \(listed(classNames)).")
        }
        if token.hasPrefix("index:") {
            let text = String(token.dropFirst("index:".count))
            guard let i = try index(text) else { throw CommandError("\(option) \(token): '\(text)' is not a class index.") }
            return i
        }
        if token.hasPrefix("name:") { return try name(String(token.dropFirst("name:".count))) }
        let named = classNames.firstIndex(of: token)
        if let named, Int(token) != nil, named != Int(token), (0...last).contains(Int(token)!) {
            throw CommandError("\(option) \(token): ambiguous: class \(token) is '\(classNames[Int(token)!])', and class \(named) is named '\(token)'. "
                               + "Write index:\(token) for the first or name:\(token) for the second.")
        }
        if let named { return named }
        return try index(token) ?? name(token)
    }

    /// `0 a, 1 b, …`: the classes with their indices (the first 30).
    private static func listed(_ classNames: [String]) -> String {
        let shown = classNames.prefix(30).enumerated().map { "\($0) \($1)" }.joined(separator: ", ")
        return classNames.count > 30 ? shown + ", … (\(classNames.count) in all)" : shown
    }

    /// The class name nearest `text` (ignoring case), when at most a third of its letters (at
    /// least 1, at most 3) differ.
    private static func closest(to text: String, in classNames: [String]) -> String? {
        let scored = classNames.map { ($0, editDistance(Array($0.lowercased()), Array(text.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= min(3, max(1, text.count / 3)) else { return nil }
        return best.0
    }

    /// Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
