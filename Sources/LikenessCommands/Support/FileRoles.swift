import ArgumentParser
import Foundation
import Likeness

/// A file a command names, with the option or argument that names it (`--model`, `DATASET`).
struct NamedFile {
    var option: String
    var path: String
}

/// The files a command reads and writes. Before any work (`validate()`), no output may be one of
/// its inputs or another of its outputs, whatever the path says: the same file by a symbolic or
/// hard link, or by `./x.h5` and `x.h5`, is the same file. A file the command documents as updated
/// in place (a gallery, a store under `embed --append`, a checkpoint under `--resume`) is listed
/// once, among the outputs.
protocol FileRoles {
    var inputFiles: [NamedFile] { get }
    var outputFiles: [NamedFile] { get }
}

extension FileRoles {
    /// Throws a `ValidationError` naming both options when an output is an input or another output.
    func requireSeparateFiles() throws {
        let outputs = outputFiles.filter { $0.path != "-" }
        for (i, output) in outputs.enumerated() {
            let identity = FileIdentity(output.path)
            if let input = inputFiles.first(where: { FileIdentity($0.path) == identity }) {
                throw ValidationError("\(output.option) \(output.path) is the file \(input.option) \(input.path) reads: "
                                      + "writing it would destroy it. Give another \(output.option).")
            }
            if let other = outputs[(i + 1)...].first(where: { FileIdentity($0.path) == identity }) {
                throw ValidationError("\(output.option) \(output.path) and \(other.option) \(other.path) are the same file: "
                                      + "give each its own.")
            }
        }
    }
}

extension NamedFile {
    /// Throws a `ValidationError` when the file is a Likeness file of another format than
    /// `format`, the one the command writes there: `embed -o gallery.h5` does not replace a gallery
    /// with a store. Files of the same format, or none, are replaced as `-o` says.
    func requireReplaceable(by format: String) throws {
        guard let found = try LikenessFileFormat.declared(at: path), found.hasPrefix("likeness-"), found != format else { return }
        throw ValidationError("\(option) \(path) is a \(found) file, and this command writes a \(format) file there: "
                              + "give another \(option), or remove the file first.")
    }


    /// The files a dataset argument names: the file or folder when it is a path, the split file of
    /// `SPLIT.json:part`; none for a built-in name.
    static func dataset(_ option: String, _ spec: String?) -> [NamedFile] {
        guard let spec else { return [] }
        if FileManager.default.fileExists(atPath: spec) { return [NamedFile(option: option, path: spec)] }
        if let colon = spec.lastIndex(of: ":"), FileManager.default.fileExists(atPath: String(spec[..<colon])) {
            return [NamedFile(option: option, path: String(spec[..<colon]))]
        }
        return []
    }
}

/// What makes two paths the same file: the device and inode of an existing file (links
/// followed), else the absolute path with its folder's links resolved.
private enum FileIdentity: Equatable {
    case inode(device: UInt64, inode: UInt64)
    case path(String)

    init(_ path: String) {
        var status = stat()
        if stat(path, &status) == 0 {
            self = .inode(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
            return
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let resolvedFolder = realpath(folder, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? url.deletingLastPathComponent().standardizedFileURL.path
        self = .path(resolvedFolder + "/" + url.lastPathComponent)
    }
}
