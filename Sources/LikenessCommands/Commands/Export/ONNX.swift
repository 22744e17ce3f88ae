import ArgumentParser
import Likeness

extension LikenessCommand.Export {
    /// `likeness export onnx MODEL.h5 -o model.onnx`: the model in inference form as an ONNX graph.
    struct ONNX: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "onnx",
            abstract: "Write a model as an ONNX graph (operator set 13) that ONNX Runtime, Triton or a browser runs.",
            discussion: """
            Input 'images': N×C×H×W float32 pixels in [0, 1], any batch size; the graph normalises \
            them as the model was trained. Outputs: 'embeddings' (unit length) for an embedding or \
            pre-trained model; 'logits' and 'probabilities' for a softmax model. The model's digest \
            and class names are in the metadata (likeness.model_digest, likeness.class_names). The \
            file is written beside its place and renamed into it: a failed export leaves an existing file as it was.

            Example:
              likeness export onnx embedder.h5 -o embedder.onnx
            """
        )

        @Argument(help: ArgumentHelp("The model to export (from likeness train or pretrain).", valueName: "model.h5"))
        var model: String

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("The ONNX file to write (.onnx).", valueName: "file") }
        }

        func validate() throws {
            try output.require("ONNX file")
            try requireSeparateFiles()
            if let path = output.path, !path.lowercased().hasSuffix(".onnx") {
                throw ValidationError("-o/--output must name an ONNX file ending in .onnx, not '\(path)'.")
            }
        }

        func run() throws {
            let path = try output.required("ONNX file")
            let archive = try ModelArchive.load(model)
            try archive.writeONNX(to: path, producerVersion: LikenessVersion.current)
            let a = archive.architecture
            print("wrote \(path): the \(a.backbone.rawValue) backbone with \(a.head), input images \(a.channels)×\(a.height)×\(a.width), "
                  + "outputs \(archive.onnxOutputNames.joined(separator: ", ")), model digest \(archive.digest)")
        }
    }
}

extension LikenessCommand.Export.ONNX: FileRoles {
    var inputFiles: [NamedFile] { [NamedFile(option: "MODEL", path: model)] }
    var outputFiles: [NamedFile] { output.files }
}
