import CHDF5
import Foundation

/// Variable-length UTF-8 strings, the form in which h5py and h5dump show text as text.
enum HDF5Strings {
    /// A new variable-length UTF-8 string datatype; the caller closes it.
    static func makeType(_ context: HDF5Context) throws(HDF5Error) -> hid_t {
        let type = try context.check(H5Tcopy(chdf5_t_c_s1()))
        guard H5Tset_size(type, chdf5_t_variable()) >= 0, H5Tset_cset(type, H5T_CSET_UTF8) >= 0 else {
            let error = context.libraryError()
            _ = H5Tclose(type)
            throw error
        }
        return type
    }

    /// Throws `unsupportedValue` if a string holds NUL, which C strings cannot carry. Called before
    /// anything is changed, so that a rejected write leaves the file as it was.
    static func requireStorable(_ strings: [String], _ context: HDF5Context) throws(HDF5Error) {
        if let index = strings.firstIndex(where: { $0.utf8.contains(0) }) {
            throw context.error(
                .unsupportedValue, expected: "strings without NUL characters", found: "NUL in string \(index)")
        }
    }

    /// Calls `body` with a buffer of C string pointers to `strings` (which must not be empty),
    /// the memory layout HDF5 writes variable-length strings from.
    static func withPointers<Result>(to strings: [String], _ body: (UnsafeRawPointer) -> Result) -> Result {
        precondition(!strings.isEmpty, "no strings to write")
        let pointers = strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        return pointers.withUnsafeBytes { body($0.baseAddress!) }
    }

    /// Reads `count` strings stored as `storedType` (variable- or fixed-length) in `source` (a
    /// dataset or attribute) through `read`, which transfers them with the memory type and into
    /// the buffer it is given.
    ///
    /// - Throws: `tooLarge` when the strings' buffer is past `HDF5ReadLimit`'s limit for `source`.
    static func read(
        count: Int, storedType: hid_t, from source: hid_t, _ context: HDF5Context,
        _ read: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t
    ) throws(HDF5Error) -> [String] {
        guard count > 0 else { return [] }
        let memoryType = try context.check(H5Tget_native_type(storedType, H5T_DIR_DEFAULT))
        defer { _ = H5Tclose(memoryType) }
        let isVariableLength = try context.check(H5Tis_variable_str(storedType)) > 0
        let elementBytes = isVariableLength ? MemoryLayout<UnsafeMutablePointer<CChar>?>.stride : H5Tget_size(memoryType)
        try HDF5ReadLimit.check(count: count, elementBytes: elementBytes, of: source, context)
        if isVariableLength {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) }
            // HDF5 allocated each string; they are copied out, then given back.
            defer { pointers.forEach { _ = H5free_memory($0) } }
            try context.check(status)
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(memoryType)
        guard width > 0 else { throw context.libraryError() }
        var bytes = [UInt8](repeating: 0, count: count * width)
        try context.check(bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) })
        let spacePadded = H5Tget_strpad(storedType) == H5T_STR_SPACEPAD
        return (0..<count).map { index in
            var field = bytes[(index * width)..<((index + 1) * width)]
            if let end = field.firstIndex(of: 0) { field = field[..<end] }
            if spacePadded { while field.last == UInt8(ascii: " ") { field = field.dropLast() } }
            return String(decoding: field, as: UTF8.self)
        }
    }
}
