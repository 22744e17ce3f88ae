import CHDF5

/// Owns one HDF5 file or object identifier and closes it once: on `close()` or in `deinit`.
///
/// The identifier is read and changed only under `HDF5Library`'s lock, hence `@unchecked Sendable`.
final class HDF5Handle: @unchecked Sendable {
    enum Kind { case file, object }

    private var rawIdentifier: hid_t
    private let kind: Kind

    init(_ identifier: hid_t, kind: Kind) {
        rawIdentifier = identifier
        self.kind = kind
    }

    deinit {
        // A close that fails here has nobody to report to; `HDF5File.close()` reports it.
        _ = close()
    }

    /// Whether the identifier is still open. Call under the library lock.
    var isOpen: Bool { rawIdentifier >= 0 }

    /// The open identifier; throws `fileClosed` after `close()`. Call under the library lock.
    func identifier(_ context: HDF5Context) throws(HDF5Error) -> hid_t {
        guard rawIdentifier >= 0 else { throw context.error(.fileClosed) }
        return rawIdentifier
    }

    /// Closes the identifier if it is open; returns HDF5's status (negative on failure).
    func close() -> herr_t {
        HDF5Library.withLock {
            guard rawIdentifier >= 0 else { return 0 }
            let status = kind == .file ? H5Fclose(rawIdentifier) : H5Oclose(rawIdentifier)
            rawIdentifier = -1
            return status
        }
    }
}
