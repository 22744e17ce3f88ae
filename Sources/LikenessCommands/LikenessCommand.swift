import ArgumentParser
import Likeness

/// `likeness`: the root of the command tree.
public struct LikenessCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "likeness",
        abstract: "Image classification with imbalanced and rare classes: triplet embeddings, one-shot enrolment, focal loss.",
        version: LikenessVersion.current,
        subcommands: [
            Demo.self, Data.self, Train.self, Embed.self, Enroll.self, Calibrate.self, Classify.self, Predict.self, OneShot.self, Query.self,
            Compare.self,
        ]
    )

    public init() {}
}
