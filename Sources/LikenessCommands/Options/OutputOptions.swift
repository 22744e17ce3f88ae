import ArgumentParser
import Foundation
import Likeness

/// What a command's `-o/--output` names, for its help.
protocol OutputDestination {
    static var help: ArgumentHelp { get }
    /// Whether it names a folder the command makes (with the folders above it), rather than a
    /// file, whose folder must exist: `validate()` checks that folder before any work.
    static var isFolder: Bool { get }
}

extension OutputDestination {
    static var isFolder: Bool { false }
}

/// Where a command writes its result: `-o/--output`, one spelling for every command. `--out`, the
/// old spelling of `compare` and `demo`, still works, hidden, with a warning.
struct OutputOptions<Destination: OutputDestination>: ParsableArguments {
    @Option(name: .shortAndLong, help: Destination.help)
    var output: String?

    @Option(name: .customLong("out"), help: .hidden)
    var deprecatedOut: String?

    func validate() throws {
        _ = try deprecatedSpelling(deprecatedOut, of: output, old: "--out", new: "--output")
        if !Destination.isFolder, let path, path != "-" { try validateOutputFolder(of: path, option: "--output") }
    }

    /// The path given, nil when none was.
    var path: String? { output ?? deprecatedOut }

    /// The file given, as `FileRoles` lists it: none when the result goes to standard output.
    var files: [NamedFile] {
        path.map { [NamedFile(option: "-o", path: $0)] } ?? []
    }

    /// Whether the result goes to standard output: no path, or `-`.
    var isStandardOutput: Bool { path == nil || path == "-" }

    /// For `validate()` of a command that cannot write its result to standard output: refuses
    /// arguments without a path.
    func require(_ what: String) throws {
        guard path != nil else { throw ValidationError(missing(what)) }
    }

    /// The path, for `run()` of a command whose `validate()` calls `require(_:)`.
    func required(_ what: String) throws -> String {
        guard let path else { throw CommandError(missing(what)) }
        return path
    }

    private func missing(_ what: String) -> String { "Give the \(what) to write with -o/--output." }
}

/// For `validate()`: refuses an output file whose folder is missing, is not a folder or cannot
/// be written to, so that the command stops before its work rather than after it.
func validateOutputFolder(of path: String, option: String) throws {
    let folder = (path as NSString).deletingLastPathComponent
    let directory = folder.isEmpty ? "." : folder
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
        throw ValidationError("\(option) \(path): the folder \(directory) does not exist; create it first.")
    }
    guard isDirectory.boolValue else { throw ValidationError("\(option) \(path): \(directory) is not a folder.") }
    guard FileManager.default.isWritableFile(atPath: directory) else {
        throw ValidationError("\(option) \(path): the folder \(directory) is not writable.")
    }
}

/// The value of an option given under its current spelling or under its `old` one (a hidden
/// alias): says on standard error that `old` is deprecated; for `validate()`.
func deprecatedSpelling<Value>(_ oldValue: Value?, of value: Value?, old: String, new: String) throws -> Value? {
    guard let oldValue else { return value }
    guard value == nil else { throw ValidationError("Give \(new) once: \(old) is its old spelling.") }
    printDiagnostic("warning: \(old) is deprecated; use \(new)")
    return oldValue
}

/// `--format` of the commands that write one line per image.
struct FormatOptions: ParsableArguments {
    @Option(help: ArgumentHelp("csv or jsonl.", valueName: "format"))
    var format: OutputFormat = .csv
}

/// How per-image results are written.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case csv, jsonl
}

/// `--format` of the commands that print a table for people by default.
struct TableFormatOptions: ParsableArguments {
    @Option(help: ArgumentHelp("table, csv or jsonl.", valueName: "format"))
    var format: TableFormat = .table
}

/// How per-image results are written by a command that prints a table by default: the table or
/// one of the `OutputFormat`s.
enum TableFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, jsonl
}
