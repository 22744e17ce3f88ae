import CHDF5
import LikenessFiles

/// Dataspaces (the shape of a dataset or attribute), created and read under the library lock.
enum HDF5Dataspace {
    /// A new dataspace of `shape` (scalar for rank 0); a nil entry of `maximumShape` is unlimited.
    /// The caller closes it.
    static func create(shape: [Int], maximumShape: [Int?]? = nil, _ context: HDF5Context) throws(HDF5Error) -> hid_t {
        if shape.isEmpty { return try context.check(H5Screate(H5S_SCALAR)) }
        let dimensions = shape.map { hsize_t($0) }
        guard let maximumShape else {
            return try context.check(H5Screate_simple(Int32(shape.count), dimensions, nil))
        }
        let maximum = maximumShape.map { $0.map { hsize_t($0) } ?? chdf5_s_unlimited() }
        return try context.check(H5Screate_simple(Int32(shape.count), dimensions, maximum))
    }

    /// The current and maximum extent of `space`; a nil maximum is unlimited (as is one past `Int.max`).
    ///
    /// - Throws: `tooLarge` for a dimension past `Int.max` or a shape of more elements than `Int` counts.
    static func extent(of space: hid_t, _ context: HDF5Context) throws(HDF5Error) -> (shape: [Int], maximumShape: [Int?]) {
        let rank = Int(try context.check(H5Sget_simple_extent_ndims(space)))
        var dimensions = [hsize_t](repeating: 0, count: rank)
        var maximum = [hsize_t](repeating: 0, count: rank)
        try context.check(H5Sget_simple_extent_dims(space, &dimensions, &maximum))
        let unlimited = chdf5_s_unlimited()
        var shape: [Int] = []
        for dimension in dimensions {
            guard let size = Int(exactly: dimension) else {
                throw context.error(.tooLarge, expected: "dimensions below 2^63", found: "a dimension of \(dimension)")
            }
            shape.append(size)
        }
        try requireCountable(shape, context)
        return (shape, maximum.map { $0 == unlimited ? nil : Int(exactly: $0) })
    }

    /// The number of elements in `space` (1 for a scalar, 0 for a null dataspace).
    static func elementCount(of space: hid_t, _ context: HDF5Context) throws(HDF5Error) -> Int {
        Int(try context.check(H5Sget_simple_extent_npoints(space)))
    }
}

/// The number of elements of `shape` (1 for a scalar).
func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// Throws `tooLarge` unless the number of elements of `shape`, read from a file, fits an `Int`
/// (so that `elementCount` of it cannot overflow).
func requireCountable(_ shape: [Int], _ context: HDF5Context) throws(HDF5Error) {
    var count = 1
    for size in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else {
            throw context.error(.tooLarge, expected: "fewer than 2^63 elements", found: "shape \(describe(shape: shape))")
        }
        count = product
    }
}
