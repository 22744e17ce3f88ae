import ArgumentParser

extension LikenessCommand {
    /// `likeness export`: models and stores in the formats other engines read.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Hand a model or a store to other engines: a model as ONNX, a store as NumPy .npy files.",
            subcommands: [ONNX.self, Numpy.self]
        )
    }
}
