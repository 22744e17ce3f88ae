import CHDF5
import LikenessFiles
import Foundation

extension HDF5File {
    /// Creates the file at `path` as a whole, or not at all.
    ///
    /// `body` fills a new file that HDF5 holds in memory (its "core" driver, with no file on
    /// disk behind it); its bytes are then written by `AtomicFile`, which checks every write,
    /// the sync and the close, and renames the finished file over `path` in one step. So a full
    /// disk, a file-size limit or a kill leaves the file at `path` as it was and no temporary file
    /// behind (a killed writer's is removed by the next write of `path`), and no write of HDF5's
    /// own can fail half-way: HDF5 never writes to disk here. Errors name `path`.
    ///
    /// The file's bytes are in memory twice at the end (HDF5's image and its copy).
    /// Groups and datasets opened in `body` must not outlive it.
    @discardableResult
    public static func writeAtomically<Result>(
        to path: String, _ body: (HDF5File) throws -> Result
    ) throws -> Result {
        let file = try HDF5File(inMemoryReportingAs: path)
        let result: Result, image: [UInt8]
        do {
            result = try body(file)
            image = try file.closedImage()
            try file.close()
        } catch {
            // The first error is the one to report; an in-memory file has nothing left to lose.
            _ = file.location.handle.close()
            throw error
        }
        try AtomicFile.write(image, to: path)
        return result
    }

    /// A new, empty file held in memory by HDF5's core driver; `path` names it in errors.
    private convenience init(inMemoryReportingAs path: String) throws(HDF5Error) {
        let context = HDF5Context(filePath: path, objectPath: nil, operation: "create file in memory")
        // HDF5 takes two open files of the same name for one file: each in-memory file gets its own.
        let name = "likeness-in-memory-\(UInt64.random(in: 0...UInt64.max))"
        let identifier = try HDF5Library.withLock { () throws(HDF5Error) -> hid_t in
            let accessList = try context.check(H5Pcreate(chdf5_p_file_access()))
            defer { _ = H5Pclose(accessList) }
            try context.check(H5Pset_libver_bounds(accessList, H5F_LIBVER_V18, H5F_LIBVER_V18))
            try context.check(H5Pset_fapl_core(accessList, 1 << 20, false))
            return try context.check(H5Fcreate(name, chdf5_f_acc_excl(), chdf5_p_default(), accessList))
        }
        self.init(location: HDF5Location(filePath: path, objectPath: "/", handle: HDF5Handle(identifier, kind: .file)))
    }

    /// The bytes of the whole file as it stands, flushed: what a file on disk would hold once closed.
    private func closedImage() throws(HDF5Error) -> [UInt8] {
        let context = location.context("get the file's image")
        return try HDF5Library.withLock { () throws(HDF5Error) -> [UInt8] in
            let identifier = try location.handle.identifier(context)
            try context.check(H5Fflush(identifier, H5F_SCOPE_GLOBAL))
            let size = try context.check(H5Fget_file_image(identifier, nil, 0))
            var bytes = [UInt8](repeating: 0, count: size)
            let copied = bytes.withUnsafeMutableBytes { H5Fget_file_image(identifier, $0.baseAddress, $0.count) }
            guard copied == size else {
                throw copied < 0 ? context.libraryError() : context.error(.libraryFailure, expected: "\(size) bytes", found: "\(copied)")
            }
            HDF5Superblock.markClosed(&bytes)
            return bytes
        }
    }
}
