import Foundation

/// Writing a set of files into a folder as one set: never files of two runs side by side, and
/// nothing else the folder holds lost.
///
/// The set is built in a hidden folder beside the target (`.NAME.PID-RANDOM@HOST.tmp`,
/// `FileReplacement.temporaryPath`), what the old folder holds besides the set's files linked
/// into it, then swapped in (`FileReplacement.exchange`, in one step where the system can; else
/// the old folder moved aside and the new one in); the old folder's own folders are moved over
/// before the old set's files are removed. A failure or a kill before the swap leaves the old
/// folder as it was; a kill after it leaves both sets whole, the old one under the hidden name.
public enum FolderReplacement {
    /// Makes the files `names` in `folder` (made, with the folders above it, when missing):
    /// `write` writes each of them into the folder it is given, checking every write
    /// (`AtomicFile`, `AtomicFileStream`).
    ///
    /// - Returns: the paths of the set's files in `folder`, in the order of `names`.
    /// - Throws: `FolderReplacementError` when a folder cannot be made or swapped; what `write`
    ///   throws (a `DatasetFileError` naming the file) when a file cannot be written.
    @discardableResult
    public static func write(_ names: [String], toFolder folder: String, _ write: (_ building: String) throws -> Void) throws -> [String] {
        let target = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: target, isDirectory: &isFolder)
        if exists && !isFolder.boolValue { throw FolderReplacementError(folder: folder, reason: "a file, not a folder, is there") }
        let parent = (target as NSString).deletingLastPathComponent
        if !parent.isEmpty && !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw FolderReplacementError(folder: folder, reason: error.localizedDescription)
            }
        }
        let building = FileReplacement.temporaryPath(replacing: target)
        guard mkdir(building, 0o755) == 0 else {
            throw FolderReplacementError(folder: folder, reason: "cannot make \(building): \(String(cString: strerror(errno)))")
        }
        do {
            try write(building)
            if exists {
                try FolderSwap(folder: target, replacement: building, owned: Set(names)).run()
            } else {
                guard rename(building, target) == 0 else {
                    throw FolderReplacementError(folder: folder, reason: "cannot move the new folder into place: \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            // Nothing of the new set is in place: remove it (its files only, then the folder).
            for name in names { unlink(building + "/" + name) }
            rmdir(building)
            throw error
        }
        return names.map { target + "/" + $0 }
    }
}

/// Puts the folder `replacement` (a new set of files) in the place of `folder`, keeping what
/// `folder` holds besides the files in `owned`.
private struct FolderSwap {
    let folder: String
    let replacement: String
    let owned: Set<String>

    func run() throws {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw FolderReplacementError(folder: folder, reason: "cannot list it: \(error.localizedDescription)")
        }
        let others = entries.filter { !owned.contains($0) }
        // The user's files are linked into the new set first: until the swap, the old folder is untouched.
        var folders: [String] = [], linked: [String] = []
        for name in others {
            var status = stat()
            guard lstat(folder + "/" + name, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                folders.append(name)
            } else if link(folder + "/" + name, replacement + "/" + name) == 0 {
                linked.append(name)
            } else {
                let reason = failure("cannot keep \(name) (link it into the new folder)")
                for name in linked { unlink(replacement + "/" + name) }  // the originals stay where they are
                throw reason
            }
        }
        // One step where the system can (the old set then has the new one's hidden name), else
        // two renames, between which the folder is briefly absent.
        let aside: String
        do throws(FileReplacement.Failure) {
            if try FileReplacement.exchange(replacement, folder) {
                aside = replacement
            } else {
                aside = FileReplacement.temporaryPath(replacing: folder)
                guard rename(folder, aside) == 0 else { throw FileReplacement.Failure(step: "move the old folder aside", code: errno) }
                guard rename(replacement, folder) == 0 else {
                    let failure = FileReplacement.Failure(step: "move the new folder into place", code: errno)
                    rename(aside, folder)
                    throw failure
                }
            }
        } catch {
            for name in linked { unlink(replacement + "/" + name) }
            throw FolderReplacementError(folder: folder, reason: error.description)
        }
        // Swapped: the old set is at `aside`. Its folders move over; its files are the old
        // set's (removed) or links to what the new folder holds (removed).
        for name in folders where rename(aside + "/" + name, folder + "/" + name) != 0 {
            throw failure("the new files are in place, but \(name) is still in \(aside)")
        }
        for name in owned.union(others) where !folders.contains(name) { unlink(aside + "/" + name) }
        rmdir(aside)
    }

    private func failure(_ what: String) -> FolderReplacementError {
        FolderReplacementError(folder: folder, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// A folder of files that cannot be made or put in place.
public struct FolderReplacementError: Error, Equatable, Sendable, CustomStringConvertible {
    public let folder: String
    /// What stood in the way, in words.
    public let reason: String

    public init(folder: String, reason: String) {
        self.folder = folder
        self.reason = reason
    }

    public var description: String { "\(folder): cannot write the folder: \(reason)" }
}
