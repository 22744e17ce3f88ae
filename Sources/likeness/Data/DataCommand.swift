import ArgumentParser

/// `likeness data`: look into datasets and derive imbalanced sets and splits from them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets, make imbalanced sets and splits (as index lists).",
        subcommands: [DataInspectCommand.self, DataImbalanceCommand.self, DataSplitCommand.self]
    )
}
