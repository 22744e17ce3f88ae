import CHDF5
import LikenessFiles
import Foundation

/// The process-wide gate into libhdf5.
///
/// Every call into libhdf5, from any thread, goes through `withLock`: HDF5 builds without
/// thread-safety (the usual one on macOS, and any "serial" build configured without
/// `--enable-threadsafe`) must never be entered twice at once. The lock is recursive because
/// handles close in `deinit`, which ARC may run while a call already holds the lock.
enum HDF5Library {
    private static let lock = NSRecursiveLock()

    /// Runs `body` while holding the lock that serialises all calls into libhdf5.
    static func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        // Errors come back as `HDF5Error`s carrying the library's message, so the library's own
        // printing to stderr is turned off. Thread-safe builds (Debian's is one) keep that
        // setting per thread, so it is set on whichever thread is calling.
        _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
        return try body()
    }

    /// The messages on HDF5's error stack, from the API call down to where the error was detected,
    /// as one line; the stack is cleared. Call under the lock, right after the failing call.
    static func takeErrorMessage() -> String? {
        var entries: [String] = []
        _ = withUnsafeMutablePointer(to: &entries) { entriesPointer in
            H5Ewalk2(chdf5_e_default(), H5E_WALK_DOWNWARD, { _, error, context in
                guard let error, let context else { return 0 }
                let function = error.pointee.func_name.map { String(cString: $0) } ?? ""
                var description = error.pointee.desc.map { String(cString: $0) } ?? ""
                if description.isEmpty { description = minorMessage(error.pointee.min_num) }
                let entry = function.isEmpty ? description : "\(function)(): \(description)"
                let entries = context.assumingMemoryBound(to: [String].self)
                if entries.pointee.last != entry { entries.pointee.append(entry) }
                return 0
            }, entriesPointer)
        }
        _ = H5Eclear2(chdf5_e_default())
        return entries.isEmpty ? nil : entries.joined(separator: "; ")
    }

}

/// HDF5's text for a minor error number ("Object not found", …).
private func minorMessage(_ id: hid_t) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard H5Eget_msg(id, nil, &buffer, buffer.count) > 0 else { return "" }
    return string(fromNullTerminated: buffer)
}
