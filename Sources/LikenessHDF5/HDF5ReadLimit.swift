import CHDF5

/// How much memory a read may set aside, from the length of the file it reads.
///
/// A file declares the shape of every dataset and attribute, and a hostile one can declare
/// terabytes in a few bytes. What is stored cannot exceed the file, times deflate's largest
/// expansion (1032:1) for a compressed dataset; elements never written read as the fill value
/// and take no space, so a small allowance keeps such files readable. A read past the limit is
/// refused with `tooLarge` before any memory is set aside for it.
package enum HDF5ReadLimit {
    /// What any read may set aside, whatever the file's length: 16 MiB.
    static let allowance = 1 << 24
    /// Deflate's largest expansion, which bounds what a compressed dataset can decode to.
    package static let inflationRatio = 1032

    /// Throws `tooLarge` unless `count` elements of `elementBytes` each fit within the limit for
    /// reading `object` (a dataset or attribute). Call under the library lock.
    static func check(count: Int, elementBytes: Int, of object: hid_t, _ context: HDF5Context) throws(HDF5Error) {
        let fileBytes = try fileLength(of: object, context)
        let filtered = H5Iget_type(object) == H5I_DATASET ? try isFiltered(dataset: object, context) : false
        let stored = fileBytes.multipliedReportingOverflow(by: filtered ? inflationRatio : 1)
        let limit = max(stored.overflow ? Int.max : stored.partialValue, allowance)
        let bytes = count.multipliedReportingOverflow(by: elementBytes)
        guard !bytes.overflow, bytes.partialValue <= limit else {
            let what = filtered ? "a compressed dataset in a file of \(fileBytes) bytes" : "a file of \(fileBytes) bytes"
            throw context.error(
                .tooLarge, expected: "at most \(limit) bytes (what \(what) can hold)",
                found: "\(count) elements of \(elementBytes) bytes")
        }
    }

    private static func fileLength(of object: hid_t, _ context: HDF5Context) throws(HDF5Error) -> Int {
        let file = try context.check(H5Iget_file_id(object))
        defer { _ = H5Fclose(file) }
        var length: hsize_t = 0
        try context.check(H5Fget_filesize(file, &length))
        return Int(clamping: length)
    }

    private static func isFiltered(dataset: hid_t, _ context: HDF5Context) throws(HDF5Error) -> Bool {
        let creation = try context.check(H5Dget_create_plist(dataset))
        defer { _ = H5Pclose(creation) }
        return try context.check(H5Pget_nfilters(creation)) > 0
    }
}
