import ArgumentParser

extension LikenessCommand {
    /// `likeness data`: look into datasets and derive imbalanced sets and splits from them.
    struct Data: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Inspect datasets, make imbalanced sets and splits, export image sets to HDF5.",
            subcommands: [Inspect.self, Imbalance.self, Split.self, Export.self]
        )
    }
}
