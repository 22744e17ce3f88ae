import CHDF5
import LikenessFiles

/// A dataset inside an HDF5 file: an n-dimensional array of one element type, stored row-major.
///
/// Obtained from `HDF5Container.dataset(at:)` or `createDataset(...)`; closed when released.
/// Values are read and written as flat row-major arrays; "rows" are the slices along the
/// first dimension.
public final class HDF5Dataset: HDF5Object {
    public let location: HDF5Location

    init(location: HDF5Location) {
        self.location = location
    }

    /// The current shape (`[]` for a scalar).
    public var shape: [Int] {
        get throws(HDF5Error) {
            try withIdentifier("read shape") { id, context throws(HDF5Error) in try extent(id, context).shape }
        }
    }

    /// The shape the dataset may grow to; nil entries are unlimited.
    public var maximumShape: [Int?] {
        get throws(HDF5Error) {
            try withIdentifier("read maximum shape") { id, context throws(HDF5Error) in try extent(id, context).maximumShape }
        }
    }

    /// The shape of the chunks the data is stored in, or nil if it is stored contiguously.
    public var chunkShape: [Int]? {
        get throws(HDF5Error) {
            try withIdentifier("read chunk shape") { id, context throws(HDF5Error) -> [Int]? in
                let creation = try context.check(H5Dget_create_plist(id))
                defer { _ = H5Pclose(creation) }
                guard H5Pget_layout(creation) == H5D_CHUNKED else { return nil }
                var chunks = [hsize_t](repeating: 0, count: Int(H5S_MAX_RANK))
                let rank = try context.check(H5Pget_chunk(creation, Int32(chunks.count), &chunks))
                return chunks.prefix(Int(rank)).map { Int($0) }
            }
        }
    }

    /// The element type; throws `wrongElementType` for stored types LikenessHDF5 does not read.
    public var elementType: HDF5ElementType {
        get throws(HDF5Error) {
            try withIdentifier("read element type") { id, context throws(HDF5Error) in
                let type = try context.check(H5Dget_type(id))
                defer { _ = H5Tclose(type) }
                guard let elementType = HDF5ElementType(datatype: type) else {
                    throw context.error(
                        .wrongElementType,
                        expected: HDF5ElementType.allCases.map(\.description).joined(separator: ", "),
                        found: HDF5ElementType.describe(datatype: type))
                }
                return elementType
            }
        }
    }

    /// Throws `wrongShape` unless the dataset's shape matches `expected`, where nil entries
    /// match any size: `[nil, 64]` is "any number of rows of 64".
    public func requireShape(_ expected: [Int?]) throws(HDF5Error) {
        try withIdentifier("check shape") { id, context throws(HDF5Error) in
            try requireShape(expected, found: try extent(id, context).shape, context)
        }
    }
}

extension HDF5Dataset {
    /// Runs `body` under the library lock with the dataset's identifier and an error context.
    func withIdentifier<Result>(
        _ operation: String, _ body: (hid_t, HDF5Context) throws(HDF5Error) -> Result
    ) throws(HDF5Error) -> Result {
        let context = location.context(operation)
        return try HDF5Library.withLock { () throws(HDF5Error) -> Result in
            try body(try location.handle.identifier(context), context)
        }
    }

    func extent(_ id: hid_t, _ context: HDF5Context) throws(HDF5Error) -> (shape: [Int], maximumShape: [Int?]) {
        let space = try context.check(H5Dget_space(id))
        defer { _ = H5Sclose(space) }
        return try HDF5Dataspace.extent(of: space, context)
    }

    func requireShape(_ expected: [Int?], found shape: [Int], _ context: HDF5Context) throws(HDF5Error) {
        let matches = expected.count == shape.count && zip(expected, shape).allSatisfy { $0 == nil || $0 == $1 }
        guard matches else {
            throw context.error(.wrongShape, expected: describe(shape: expected), found: describe(shape: shape))
        }
    }

    /// Throws `wrongElementType` unless the stored element type is `expected`.
    func requireElementType(_ expected: HDF5ElementType, _ id: hid_t, _ context: HDF5Context) throws(HDF5Error) {
        let type = try context.check(H5Dget_type(id))
        defer { _ = H5Tclose(type) }
        guard HDF5ElementType(datatype: type) == expected else {
            throw context.error(
                .wrongElementType, expected: expected.description, found: HDF5ElementType.describe(datatype: type))
        }
    }

    /// Calls `body` with the memory and file dataspaces selecting `rows` of a dataset of `shape`
    /// (the whole dataset if nil) and the number of elements selected; `body` is not called
    /// when that number is zero.
    func withSelection(
        rows: Range<Int>?, shape: [Int], _ id: hid_t, _ context: HDF5Context,
        _ body: (_ memorySpace: hid_t, _ fileSpace: hid_t, _ count: Int) throws(HDF5Error) -> Void
    ) throws(HDF5Error) {
        guard let rows else {
            let count = elementCount(shape)
            if count > 0 { try body(chdf5_s_all(), chdf5_s_all(), count) }
            return
        }
        guard let rowCount = shape.first else {
            throw context.error(.wrongShape, expected: "a dataset with rows", found: "a scalar")
        }
        guard rows.lowerBound >= 0 && rows.upperBound <= rowCount else {
            throw context.error(.outOfBounds, expected: "rows within 0..<\(rowCount)", found: "rows \(rows)")
        }
        let selectedShape = [rows.count] + shape.dropFirst()
        let count = elementCount(selectedShape)
        guard count > 0 else { return }
        let fileSpace = try context.check(H5Dget_space(id))
        defer { _ = H5Sclose(fileSpace) }
        let start = [hsize_t(rows.lowerBound)] + [hsize_t](repeating: 0, count: shape.count - 1)
        try context.check(
            H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, selectedShape.map { hsize_t($0) }, nil))
        let memorySpace = try HDF5Dataspace.create(shape: selectedShape, context)
        defer { _ = H5Sclose(memorySpace) }
        try body(memorySpace, fileSpace, count)
    }
}
