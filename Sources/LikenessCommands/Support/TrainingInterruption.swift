import Dispatch
import Foundation
import Likeness

/// What `likeness train` does on SIGINT (Ctrl-C): says on standard error which epoch the
/// checkpoint holds and the exact command that resumes from it, then exits with 130 (128 +
/// SIGINT, the status a shell gives a command Ctrl-C ended). The checkpoint stays intact: it is
/// written whole (a temporary file renamed over it), so an interrupted write leaves the last one.
///
/// SIGINT is handled from creation until `cancel()`, on a dispatch queue of its own while the
/// training runs on the calling thread.
final class TrainingInterruption {
    private let source: DispatchSourceSignal
    private let saved: SavedEpoch

    /// The epoch the checkpoint holds, nil before the first: set by the training thread, read
    /// by the signal handler. A write holds the lock until the epoch is recorded, so Ctrl-C
    /// during it waits for the file and its epoch to agree.
    private final class SavedEpoch: @unchecked Sendable {
        private let lock = NSLock()
        private var epoch: Int?

        init(_ epoch: Int?) { self.epoch = epoch }

        var value: Int? { lock.withLock { epoch } }

        func write(epoch: Int, _ body: () throws -> Void) rethrows {
            try lock.withLock {
                try body()
                self.epoch = epoch
            }
        }
    }

    /// - Parameters:
    ///   - arguments: the command line after the program's name, as `train` was given it.
    ///   - checkpoint: the checkpoint's path.
    ///   - epoch: the epoch of the checkpoint already there (a resumed run), nil for none.
    init(arguments: [String], checkpoint: String, epoch: Int?) {
        let saved = SavedEpoch(epoch)
        self.saved = saved
        let message = Self.message(arguments: arguments, checkpoint: checkpoint)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "likeness.train.sigint"))
        signal(SIGINT, SIG_IGN)
        source.setEventHandler {
            FileHandle.standardError.write(Data(("\n" + message(saved.value) + "\n").utf8))
            // At once, without the exit handlers: the training thread may be inside HDF5.
            _exit(130)
        }
        source.resume()
    }

    /// Writes the checkpoint of `epoch` with `body` and records it; a Ctrl-C meanwhile waits for
    /// both, so it never names an epoch other than the file's (the file is renamed into place
    /// inside `body`).
    func savingCheckpoint(epoch: Int, _ body: () throws -> Void) rethrows {
        try saved.write(epoch: epoch, body)
    }

    /// Stops handling SIGINT: it ends the process at once again.
    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    /// What is printed for a checkpoint of epoch `epoch` (nil: none yet).
    static func message(arguments: [String], checkpoint: String) -> (Int?) -> String {
        let resume = (["likeness"] + arguments + (arguments.contains("--resume") ? [] : ["--resume"])).map(\.shellQuoted).joined(separator: " ")
        return { epoch in
            guard let epoch else {
                return "train: interrupted before the first checkpoint was written: nothing to resume; run the command again to start over."
            }
            return "train: interrupted; the checkpoint \(checkpoint) holds epoch \(epoch). Resume with:\n  \(resume)"
        }
    }
}
