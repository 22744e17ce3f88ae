import ArgumentParser
import Foundation

/// The first subcommand or option of a command line that the command tree does not know, and
/// the known name nearest to it: what `likeness` adds to an argument error ("Did you mean …?").
///
/// The tree is ArgumentParser's own description of the commands (`_dumpHelp()`, the JSON of
/// `--experimental-dump-help`), so that the names suggested are the ones it parses.
struct UnknownName: Equatable {
    /// What was typed: `trian`, `--epoch`.
    var word: String
    /// `subcommand` or `option`.
    var kind: String
    /// The known name nearest to `word`, nil when none is near.
    var suggestion: String?

    /// `Unknown subcommand 'trian' of likeness. Did you mean 'train'?`
    var message: String {
        "Unknown \(kind) '\(word)'" + (suggestion.map { ". Did you mean '\($0)'?" } ?? "")
    }

    /// The first unknown subcommand or option in `arguments` (the command line after the
    /// program's name) by `tree`; nil when every subcommand and option is known.
    static func first(in arguments: [String], tree: CommandTree) -> UnknownName? {
        var node = tree
        var expectsValue = false
        for argument in arguments {
            if argument == "--" { return nil }
            if expectsValue {
                expectsValue = false
                continue
            }
            if argument.hasPrefix("--") {
                let name = String(argument.dropFirst(2).prefix { $0 != "=" })
                guard let option = node.options.first(where: { $0.longNames.contains(name) }) else {
                    if Self.builtInFlags.contains(name) { continue }
                    let displayed = node.options.filter(\.isDisplayed).flatMap(\.longNames)
                    return UnknownName(word: "--" + name, kind: "option", suggestion: nearest(name, among: displayed).map { "--" + $0 })
                }
                expectsValue = option.takesValue && !argument.contains("=")
            } else if argument.hasPrefix("-") && argument.count > 1 {
                // Short options, alone or combined: ArgumentParser's own message names them.
                let letters = argument.dropFirst()
                if letters.count == 1, let option = node.options.first(where: { $0.shortNames.contains(String(letters)) }) {
                    expectsValue = option.takesValue
                }
            } else if !node.subcommands.isEmpty {
                guard let next = node.subcommands.first(where: { $0.name == argument }) else {
                    return UnknownName(word: argument, kind: "subcommand",
                                       suggestion: nearest(argument, among: node.subcommands.filter(\.isDisplayed).map(\.name)))
                }
                node = next
            }
        }
        return nil
    }

    /// Flags every command takes that the tree does not list.
    static let builtInFlags: Set<String> = ["help", "version", "experimental-dump-help", "generate-completion-script"]

    /// The name of `names` nearest to `word` by edit distance, if it is near: at most a third of
    /// `word`'s length away (at least 1, at most 3), or `word` is its prefix.
    static func nearest(_ word: String, among names: [String]) -> String? {
        let limit = min(3, max(1, word.count / 3))
        let ranked = names.map { (name: $0, distance: editDistance(word, $0)) }.sorted { $0.distance < $1.distance }
        if let best = ranked.first, best.distance <= limit { return best.name }
        let prefixed = names.filter { $0.hasPrefix(word) }
        return prefixed.count == 1 ? prefixed[0] : nil
    }
}

/// The optimal string alignment distance: the fewest insertions, deletions, substitutions and
/// swaps of two neighbouring characters that turn `a` into `b` (`trian` is 1 from `train`).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    // d[i][j]: the distance between the first i characters of a and the first j of b.
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in stride(from: 1, through: a.count, by: 1) {
        for j in stride(from: 1, through: b.count, by: 1) {
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}

/// A command's subcommands and options, as ArgumentParser describes them.
struct CommandTree: Decodable {
    var name: String
    var isDisplayed: Bool
    var subcommands: [CommandTree]
    var options: [Option]

    struct Option: Decodable {
        var longNames: [String]
        var shortNames: [String]
        var takesValue: Bool
        var isDisplayed: Bool

        enum CodingKeys: String, CodingKey { case kind, names, shouldDisplay }
        struct Name: Decodable { var kind: String; var name: String }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let names = try container.decodeIfPresent([Name].self, forKey: .names) ?? []
            longNames = names.filter { $0.kind == "long" }.map(\.name)
            shortNames = names.filter { $0.kind == "short" }.map(\.name)
            takesValue = try container.decode(String.self, forKey: .kind) == "option"
            isDisplayed = try container.decodeIfPresent(Bool.self, forKey: .shouldDisplay) ?? true
        }
    }

    enum CodingKeys: String, CodingKey { case commandName, shouldDisplay, subcommands, arguments }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .commandName)
        isDisplayed = try container.decodeIfPresent(Bool.self, forKey: .shouldDisplay) ?? true
        subcommands = try container.decodeIfPresent([CommandTree].self, forKey: .subcommands) ?? []
        options = (try container.decodeIfPresent([Option].self, forKey: .arguments) ?? []).filter { !$0.longNames.isEmpty || !$0.shortNames.isEmpty }
    }

    /// The tree of `command` and its subcommands.
    static func of(_ command: any ParsableCommand.Type) -> CommandTree {
        struct Dump: Decodable { var command: CommandTree }
        do {
            return try JSONDecoder().decode(Dump.self, from: Data(command._dumpHelp().utf8)).command
        } catch {
            preconditionFailure("ArgumentParser's description of \(command) does not decode: \(error)")
        }
    }
}
