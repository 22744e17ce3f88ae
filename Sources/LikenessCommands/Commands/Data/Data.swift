import ArgumentParser

/// `likeness data`: look into datasets and derive imbalanced sets and splits from them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets, make imbalanced sets and splits, export image sets to HDF5.",
        subcommands: [DataInspectCommand.self, DataImbalanceCommand.self, DataSplitCommand.self, DataExportCommand.self]
    )
}
