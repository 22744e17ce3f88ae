import ArgumentParser
import Likeness

extension LikenessCommand.Data {
    /// `likeness data export DATASET --output FILE.h5`: the images a dataset name selects, as one
    /// HDF5 file any HDF5 client reads (and every `likeness` command accepts as a dataset).
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the images a dataset selects to an HDF5 image set (/images, /labels, /ids, /classes).",
            discussion: "The file is written to a temporary file beside it and renamed into place: a failed export leaves an existing file as it was."
        )

        @OptionGroup var data: DatasetOptions

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("The HDF5 file to write (.h5 or .hdf5).", valueName: "file") }
        }

        func validate() throws {
            try requireSeparateFiles()
            try output.require("HDF5 file")
            try outputFiles.forEach { try $0.requireReplaceable(by: Dataset.hdf5FormatName) }
            if let path = output.path, ![".h5", ".hdf5"].contains(where: path.lowercased().hasSuffix) {
                throw ValidationError("--output must name an HDF5 file ending in .h5 or .hdf5, not '\(path)'.")
            }
        }

        func run() throws {
            let output = try output.required("HDF5 file")
            let (_, loaded) = try data.load()
            let d = loaded.dataset
            try d.writeHDF5(to: output, indices: loaded.selection)
            print("wrote \(loaded.selection.count) images of \(d.height)×\(d.width)×\(d.channels), \(d.classNames.count) classes, to \(output)")
        }
    }
}

extension LikenessCommand.Data.Export: FileRoles {
    var inputFiles: [NamedFile] {
        NamedFile.dataset("DATASET", data.dataset)
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
