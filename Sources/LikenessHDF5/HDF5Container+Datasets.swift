import CHDF5
import LikenessFiles

extension HDF5Container {
    /// Creates a dataset of `elementType` and `shape` (row-major; `[]` is a scalar) at `path`,
    /// creating missing groups above it. Elements start at zero (empty strings).
    ///
    /// - Parameters:
    ///   - chunkShape: the shape of the blocks the data is stored in; nil stores it contiguously,
    ///     unless `extendable`, which needs chunks and then gets about 64 KiB of whole rows per chunk.
    ///   - extendable: whether rows can be appended: the first dimension is unlimited.
    /// - Throws: `alreadyExists` if something is at `path`.
    @discardableResult
    public func createDataset(
        at path: String, elementType: HDF5ElementType, shape: [Int], chunkShape: [Int]? = nil, extendable: Bool = false
    ) throws(HDF5Error) -> HDF5Dataset {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in dataset shape \(shape)")
        precondition(!extendable || !shape.isEmpty, "a scalar dataset cannot be extendable")
        if let chunkShape {
            precondition(
                chunkShape.count == shape.count && chunkShape.allSatisfy { $0 > 0 },
                "chunk shape \(chunkShape) must have one positive entry per dimension of \(shape)")
        }
        let chunks = chunkShape ?? (extendable ? defaultChunkShape(shape: shape, elementType: elementType) : nil)
        let maximumShape: [Int?]? = extendable ? [nil] + shape.dropFirst().map { $0 } : nil
        let context = location.context("create dataset", path: path)
        let identifier = try HDF5Library.withLock { () throws(HDF5Error) -> hid_t in
            try location.requireFree(path, context)
            let type = try elementType == .string
                ? HDF5Strings.makeType(context) : context.check(H5Tcopy(elementType.nativeType))
            defer { _ = H5Tclose(type) }
            let space = try HDF5Dataspace.create(shape: shape, maximumShape: maximumShape, context)
            defer { _ = H5Sclose(space) }
            let creation = try context.check(H5Pcreate(chdf5_p_dataset_create()))
            defer { _ = H5Pclose(creation) }
            if let chunks {
                try context.check(H5Pset_chunk(creation, Int32(chunks.count), chunks.map { hsize_t($0) }))
            }
            let linkCreation = try makeLinkCreationList(context)
            defer { _ = H5Pclose(linkCreation) }
            return try context.check(
                H5Dcreate2(
                    try location.handle.identifier(context), path, type, space, linkCreation, creation,
                    chdf5_p_default()))
        }
        return HDF5Dataset(location: location.child(path, identifier: identifier))
    }

    /// Creates a dataset at `path` holding `values`, laid out row-major in `shape`.
    ///
    /// - Throws: `wrongShape` if `values.count` is not the number of elements of `shape`
    ///   (nothing is created then); otherwise as `createDataset(at:elementType:shape:chunkShape:extendable:)`.
    @discardableResult
    public func createDataset<Element: HDF5Scalar>(
        at path: String, values: [Element], shape: [Int], chunkShape: [Int]? = nil, extendable: Bool = false
    ) throws(HDF5Error) -> HDF5Dataset {
        guard values.count == elementCount(shape) else {
            throw location.context("create dataset", path: path).error(
                .wrongShape, expected: "\(elementCount(shape)) values for shape \(describe(shape: shape))",
                found: "\(values.count) values")
        }
        let dataset = try createDataset(
            at: path, elementType: Element.hdf5ElementType, shape: shape, chunkShape: chunkShape, extendable: extendable)
        try dataset.write(values)
        return dataset
    }

    /// Creates a one-dimensional dataset of variable-length UTF-8 strings at `path` holding `strings`.
    ///
    /// - Throws: `unsupportedValue` if a string contains NUL (nothing is created then); otherwise
    ///   as `createDataset(at:elementType:shape:chunkShape:extendable:)`.
    @discardableResult
    public func createDataset(
        at path: String, strings: [String], chunkShape: [Int]? = nil, extendable: Bool = false
    ) throws(HDF5Error) -> HDF5Dataset {
        try HDF5Strings.requireStorable(strings, location.context("create dataset", path: path))
        let dataset = try createDataset(
            at: path, elementType: .string, shape: [strings.count], chunkShape: chunkShape, extendable: extendable)
        try dataset.write(strings)
        return dataset
    }
}

/// Chunks of whole rows, about 64 KiB each: large enough for fast sequential reads, small
/// enough that appending a few rows rewrites little.
private func defaultChunkShape(shape: [Int], elementType: HDF5ElementType) -> [Int] {
    let rowShape = shape.dropFirst().map { max($0, 1) }
    let rowBytes = elementCount(rowShape) * elementType.byteCount
    return [max(1, 65_536 / max(rowBytes, 1))] + rowShape
}
