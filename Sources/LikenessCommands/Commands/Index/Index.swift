import ArgumentParser

extension LikenessCommand {
    /// `likeness index`: approximate nearest-neighbour indexes of embedding stores (FAISS).
    struct Index: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index",
            abstract: "Build a FAISS index of an embedding store, for likeness query --index.",
            subcommands: [Build.self]
        )
    }
}
