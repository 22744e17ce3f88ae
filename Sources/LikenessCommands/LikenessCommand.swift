import ArgumentParser
import Likeness

/// `likeness`: the root of the command tree.
public struct LikenessCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "likeness",
        abstract: "Image classification with imbalanced and rare classes: triplet embeddings, one-shot enrolment, focal loss.",
        subcommands: [DemoCommand.self, DataCommand.self, TrainCommand.self, EmbedCommand.self, EnrollCommand.self, CalibrateCommand.self, ClassifyCommand.self, OneShotCommand.self, QueryCommand.self, CompareCommand.self]
    )

    public init() {}
}
