import ArgumentParser
import Foundation
import Likeness

/// A command that writes a model with a checkpoint after each epoch and can resume from it
/// (`train`, `pretrain`): the checkpoint's default path, the checks of both files and their locks.
protocol CheckpointedRun: FileRoles {
    /// The model file to write (`-o`).
    var output: String { get }
    /// `--checkpoint`, when given.
    var checkpoint: String? { get }
    /// `--resume`.
    var resume: Bool { get }
}

extension CheckpointedRun {
    /// `--checkpoint`, or the output's name with `.checkpoint.h5`.
    var checkpointPath: String {
        checkpoint ?? (output as NSString).deletingPathExtension + ".checkpoint.h5"
    }

    /// The model and checkpoint files as `outputFiles` names them.
    var checkpointedOutputFiles: [NamedFile] {
        [NamedFile(option: "-o", path: output), NamedFile(option: "--checkpoint", path: checkpointPath)]
    }

    /// For `validate()`: no output on an input, outputs that only replace Likeness models, an
    /// HDF5 output name, a checkpoint to resume from, and folders that can take both files.
    func validateCheckpointedOutput() throws {
        try requireSeparateFiles()
        try outputFiles.forEach { try $0.requireReplaceable(by: ModelArchive.formatName) }
        guard [".h5", ".hdf5"].contains(where: output.lowercased().hasSuffix) else {
            throw ValidationError("--output must name an HDF5 file ending in .h5 or .hdf5, not '\(output)'.")
        }
        if resume && !FileManager.default.fileExists(atPath: checkpointPath) {
            throw ValidationError("--resume: no checkpoint at \(checkpointPath) (give its path with --checkpoint).")
        }
        try validateOutputFolder(of: output, option: "--output")
        if let checkpoint { try validateOutputFolder(of: checkpoint, option: "--checkpoint") }
    }

    /// Takes the locks of the output and of the checkpoint (`PATH.lock`), in the order of their
    /// paths, for the whole run: a second `command` writing either waits, saying so, so that the
    /// model and its checkpoint come from one run.
    func lockOutputs(command: String) throws -> [FileLock] {
        try Set([output, checkpointPath]).sorted().map { path in
            try FileLock(locking: path) { lock in
                printDiagnostic("\(command): waiting for the lock on \(path), held by another likeness \(command) (\(lock))")
            }
        }
    }
}
