import CHDF5
import LikenessFiles

extension HDF5Dataset {
    /// Replaces all values; `values` is row-major and has one value per element of `shape`.
    ///
    /// - Throws: `wrongShape` if the count differs; `wrongElementType` unless the stored type is `Element`'s.
    public func write<Element: HDF5Scalar>(_ values: [Element]) throws(HDF5Error) {
        try store(values, at: .whole)
    }

    /// Replaces the rows from `row` on with `values`, which holds whole rows (row-major).
    ///
    /// - Throws: `outOfBounds` if the rows reach past the end (use `append` to grow);
    ///   `wrongShape` if `values` is not whole rows; `wrongElementType` as for `write(_:)`.
    public func write<Element: HDF5Scalar>(_ values: [Element], startingAtRow row: Int) throws(HDF5Error) {
        try store(values, at: .rows(startingAt: row))
    }

    /// Adds `values` (whole rows, row-major) after the last row, growing the first dimension.
    ///
    /// - Throws: `wrongShape` if `values` is not whole rows or the dataset cannot grow that far
    ///   (it was not created `extendable`); `wrongElementType` as for `write(_:)`.
    public func append<Element: HDF5Scalar>(_ values: [Element]) throws(HDF5Error) {
        try store(values, at: .end)
    }

    /// Replaces all strings of a string dataset.
    public func write(_ strings: [String]) throws(HDF5Error) {
        try storeStrings(strings, at: .whole)
    }

    /// Replaces the strings from `row` on.
    public func write(_ strings: [String], startingAtRow row: Int) throws(HDF5Error) {
        try storeStrings(strings, at: .rows(startingAt: row))
    }

    /// Adds strings after the last one of an extendable one-dimensional string dataset.
    public func append(_ strings: [String]) throws(HDF5Error) {
        try storeStrings(strings, at: .end)
    }
}

/// Where written values go.
private enum Placement {
    case whole
    case rows(startingAt: Int)
    case end
}

extension HDF5Dataset {
    private func store<Element: HDF5Scalar>(_ values: [Element], at placement: Placement) throws(HDF5Error) {
        try store(count: values.count, elementType: Element.hdf5ElementType, at: placement, operation: "write") {
            id, memorySpace, fileSpace, context throws(HDF5Error) in
            let status = values.withUnsafeBytes {
                H5Dwrite(id, Element.checkedNativeType, memorySpace, fileSpace, chdf5_p_default(), $0.baseAddress)
            }
            try context.check(status)
        }
    }

    private func storeStrings(_ strings: [String], at placement: Placement) throws(HDF5Error) {
        try HDF5Strings.requireStorable(strings, location.context("write strings"))
        try store(count: strings.count, elementType: .string, at: placement, operation: "write strings") {
            id, memorySpace, fileSpace, context throws(HDF5Error) in
            let stringType = try HDF5Strings.makeType(context)
            defer { _ = H5Tclose(stringType) }
            let status = HDF5Strings.withPointers(to: strings) {
                H5Dwrite(id, stringType, memorySpace, fileSpace, chdf5_p_default(), $0)
            }
            try context.check(status)
        }
    }

    /// Checks type and shape, grows the dataset for `.end`, selects where `count` values go and
    /// calls `transfer` to write them (not at all when `count` is zero).
    private func store(
        count: Int, elementType: HDF5ElementType, at placement: Placement, operation: String,
        _ transfer: (_ id: hid_t, _ memorySpace: hid_t, _ fileSpace: hid_t, HDF5Context) throws(HDF5Error) -> Void
    ) throws(HDF5Error) {
        try withIdentifier(operation) { id, context throws(HDF5Error) in
            try requireElementType(elementType, id, context)
            var (shape, maximumShape) = try extent(id, context)
            let rows: Range<Int>?
            switch placement {
            case .whole:
                guard count == elementCount(shape) else {
                    throw context.error(
                        .wrongShape, expected: "\(elementCount(shape)) values for shape \(describe(shape: shape))",
                        found: "\(count) values")
                }
                rows = nil
            case .rows(let start):
                rows = start..<(start + (try wholeRows(in: count, shape: shape, context)))
            case .end:
                let rowCount = try wholeRows(in: count, shape: shape, context)
                if let limit = maximumShape[0], shape[0] + rowCount > limit {
                    throw context.error(
                        .wrongShape,
                        expected: "at most \(limit) rows (maximum shape \(describe(shape: maximumShape)); create it extendable to append)",
                        found: "\(shape[0] + rowCount) rows after appending")
                }
                rows = shape[0]..<(shape[0] + rowCount)
                if rowCount > 0 {
                    shape[0] += rowCount
                    try context.check(H5Dset_extent(id, shape.map { hsize_t($0) }))
                }
            }
            try withSelection(rows: rows, shape: shape, id, context) { memorySpace, fileSpace, _ throws(HDF5Error) in
                try transfer(id, memorySpace, fileSpace, context)
            }
        }
    }
}

/// The number of rows `count` values fill in a dataset of `shape`; throws `wrongShape` if they
/// are not whole rows or the dataset is a scalar.
private func wholeRows(in count: Int, shape: [Int], _ context: HDF5Context) throws(HDF5Error) -> Int {
    guard !shape.isEmpty else {
        throw context.error(.wrongShape, expected: "a dataset with rows", found: "a scalar")
    }
    let rowShape = Array(shape.dropFirst())
    let rowSize = elementCount(rowShape)
    guard rowSize > 0 ? count % rowSize == 0 : count == 0 else {
        throw context.error(.wrongShape, expected: "whole rows of shape \(describe(shape: rowShape))", found: "\(count) values")
    }
    return rowSize > 0 ? count / rowSize : 0
}
