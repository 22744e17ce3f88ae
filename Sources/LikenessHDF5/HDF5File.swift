import CHDF5
import Foundation

/// An open HDF5 file; it is also the root group ("/"), so groups, datasets and attributes
/// are reached from it directly.
///
/// The file closes when the object is released, or earlier with `close()`, which reports
/// failures. Groups and datasets opened from the file keep it open until they are released too.
///
/// Files are created in the HDF5 1.8 file format (readable by any HDF5 library since 1.8,
/// h5py and h5dump included), which also lets attributes grow past 64 KiB.
public final class HDF5File: HDF5Container {
    /// How an existing file is opened.
    public enum AccessMode: Sendable {
        case readOnly
        case readWrite
    }

    public let location: HDF5Location

    /// The path of the file on disk.
    public var path: String { location.filePath }

    /// Creates a new, empty file at `path`; an existing file is replaced when `replacingExisting`
    /// is true, else it is an error (`alreadyExists`).
    public init(creatingAt path: String, replacingExisting: Bool = true) throws(HDF5Error) {
        let context = HDF5Context(filePath: path, objectPath: nil, operation: "create file")
        let folder = (path as NSString).deletingLastPathComponent
        guard folder.isEmpty || FileManager.default.fileExists(atPath: folder) else {
            throw context.error(.fileNotFound, expected: "an existing folder", found: "no folder '\(folder)'")
        }
        if !replacingExisting && FileManager.default.fileExists(atPath: path) {
            throw context.error(.alreadyExists)
        }
        let identifier = try HDF5Library.withLock { () throws(HDF5Error) -> hid_t in
            let accessList = try context.check(H5Pcreate(chdf5_p_file_access()))
            defer { _ = H5Pclose(accessList) }
            try context.check(H5Pset_libver_bounds(accessList, H5F_LIBVER_V18, H5F_LIBVER_V18))
            let flags = replacingExisting ? chdf5_f_acc_trunc() : chdf5_f_acc_excl()
            return try context.check(H5Fcreate(path, flags, chdf5_p_default(), accessList))
        }
        location = HDF5Location(filePath: path, objectPath: "/", handle: HDF5Handle(identifier, kind: .file))
    }

    /// The file open at `location` (its handle is the file's).
    init(location: HDF5Location) {
        self.location = location
    }

    /// Opens the existing HDF5 file at `path`.
    ///
    /// - Throws: `fileNotFound`, `notAnHDF5File`, `damaged` (see `HDF5GlobalHeapCheck`), or the
    ///   library's failure.
    public init(openingAt path: String, mode: AccessMode = .readOnly) throws(HDF5Error) {
        let context = HDF5Context(filePath: path, objectPath: nil, operation: "open file")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw context.error(.fileNotFound)
        }
        guard !isFolder.boolValue else {
            throw context.error(.notAnHDF5File, expected: "an HDF5 file", found: "a folder")
        }
        try HDF5GlobalHeapCheck.check(path, context)
        let identifier = try HDF5Library.withLock { () throws(HDF5Error) -> hid_t in
            let flags = mode == .readOnly ? chdf5_f_acc_rdonly() : chdf5_f_acc_rdwr()
            let identifier = H5Fopen(path, flags, chdf5_p_default())
            guard identifier < 0 else { return identifier }
            let error = context.libraryError()
            // 0: readable, but no HDF5 signature; negative: not even readable (the first error says why).
            if H5Fis_hdf5(path) == 0 {
                throw context.error(.notAnHDF5File, libraryMessage: error.libraryMessage)
            }
            throw error
        }
        location = HDF5Location(filePath: path, objectPath: "/", handle: HDF5Handle(identifier, kind: .file))
    }

    /// The length of the open file in bytes, asked of the file itself: a path that is a link,
    /// or was replaced since the file opened, does not change it.
    public func byteCount() throws(HDF5Error) -> Int {
        let context = location.context("read the file's length")
        return try HDF5Library.withLock { () throws(HDF5Error) -> Int in
            var length: hsize_t = 0
            try context.check(H5Fget_filesize(try location.handle.identifier(context), &length))
            return Int(clamping: length)
        }
    }

    /// Writes everything buffered for this file to disk.
    public func flush() throws(HDF5Error) {
        let context = location.context("flush")
        try HDF5Library.withLock { () throws(HDF5Error) -> Void in
            try context.check(H5Fflush(try location.handle.identifier(context), H5F_SCOPE_GLOBAL))
        }
    }

    /// Writes what is buffered and closes the file; later calls on it throw `fileClosed`.
    /// Closing twice does nothing.
    ///
    /// Groups and datasets still open keep HDF5's file open after this (their own calls keep
    /// working); the flush makes sure everything written so far is on disk all the same.
    public func close() throws(HDF5Error) {
        let context = location.context("close")
        try HDF5Library.withLock { () throws(HDF5Error) -> Void in
            guard location.handle.isOpen else { return }
            let identifier = try location.handle.identifier(context)
            guard H5Fflush(identifier, H5F_SCOPE_GLOBAL) >= 0 else {
                let error = context.libraryError()
                _ = location.handle.close()
                throw error
            }
            try context.check(location.handle.close())
        }
    }
}
