import ArgumentParser
import Foundation
import Likeness

/// `likeness`: the root of the command tree.
public struct LikenessCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "likeness",
        abstract: "Image classification with imbalanced and rare classes: triplet embeddings, one-shot enrolment, focal loss.",
        version: LikenessVersion.current,
        subcommands: [
            Demo.self, Data.self, Pretrain.self, Train.self, Discover.self, Embed.self, Enroll.self, Calibrate.self, CalibrateOffsets.self, Classify.self, Predict.self, OneShot.self, Query.self, Synthesize.self,
            Index.self, Compare.self, Export.self,
        ]
    )

    public init() {}

    /// Parses the command line and runs the command, as `ParsableCommand.main` does; an argument
    /// error caused by a mistyped subcommand or option names it first, with the nearest known
    /// name ("Did you mean 'train'?"), instead of what the parser met next.
    public static func main(_ arguments: [String]? = nil) {
        let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if let message = suggestingMessage(for: error, arguments: arguments) {
                FileHandle.standardError.write(Foundation.Data(message.utf8))
                exit(withError: ExitCode.validationFailure)
            }
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// The message `likeness` prints for the argument error `error` when a subcommand or option
    /// of `arguments` is unknown: that name and the nearest known one, then the usage of the
    /// parser's message; nil for other errors (printed as they are).
    static func suggestingMessage(for error: any Error, arguments: [String]) -> String? {
        guard exitCode(for: error) == .validationFailure,
              let unknown = UnknownName.first(in: arguments, tree: CommandTree.of(Self.self)) else { return nil }
        let lines = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
        let usage = lines.drop { !$0.hasPrefix("Usage:") }
        return (["Error: \(unknown.message)"] + usage.map(String.init)).joined(separator: "\n") + "\n"
    }
}
