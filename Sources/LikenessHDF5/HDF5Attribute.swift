import CHDF5
import LikenessFiles

/// The attributes of a file, group or dataset: small named values stored with the object.
///
/// Strings are stored as variable-length UTF-8 (h5py reads them as `str`), `Int` as int64,
/// `Double` as float64, `[Float]` as a one-dimensional float32 array. Writing a name that
/// exists replaces the attribute.
public struct HDF5Attributes: Sendable {
    /// The object the attributes belong to.
    let owner: HDF5Location

    /// The names of all attributes, sorted.
    public func names() throws(HDF5Error) -> [String] {
        try withOwner("list attributes") { id, context throws(HDF5Error) -> [String] in
            var names: [String] = []
            let status = withUnsafeMutablePointer(to: &names) { namesPointer in
                H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                    guard let name, let context else { return -1 }
                    context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                    return 0
                }, namesPointer)
            }
            try context.check(status)
            return names
        }
    }

    /// Whether an attribute named `name` exists.
    public func contains(_ name: String) throws(HDF5Error) -> Bool {
        try withOwner("look up attribute '\(name)'") { id, context throws(HDF5Error) in
            try context.check(H5Aexists(id, name)) > 0
        }
    }

    /// Removes the attribute named `name`; throws `objectNotFound` if there is none.
    public func remove(_ name: String) throws(HDF5Error) {
        try withOwner("remove attribute '\(name)'") { id, context throws(HDF5Error) in
            guard try context.check(H5Aexists(id, name)) > 0 else { throw context.error(.objectNotFound) }
            try context.check(H5Adelete(id, name))
        }
    }

    // MARK: Writing

    /// Stores `value` as a variable-length UTF-8 string.
    public func write(_ value: String, named name: String) throws(HDF5Error) {
        try writeStrings([value], shape: [], named: name)
    }

    /// Stores `values` as a one-dimensional array of variable-length UTF-8 strings.
    public func write(_ values: [String], named name: String) throws(HDF5Error) {
        try writeStrings(values, shape: [values.count], named: name)
    }

    /// Stores `value` as an int64.
    public func write(_ value: Int, named name: String) throws(HDF5Error) {
        try writeNumbers([Int64(value)], shape: [], named: name)
    }

    /// Stores `value` as a float64.
    public func write(_ value: Double, named name: String) throws(HDF5Error) {
        try writeNumbers([value], shape: [], named: name)
    }

    /// Stores `values` as a one-dimensional float32 array.
    public func write(_ values: [Float], named name: String) throws(HDF5Error) {
        try writeNumbers(values, shape: [values.count], named: name)
    }

    /// Stores `values` as a one-dimensional int64 array.
    public func write(_ values: [Int], named name: String) throws(HDF5Error) {
        try writeNumbers(values.map { Int64($0) }, shape: [values.count], named: name)
    }

    // MARK: Reading

    /// The string attribute `name` (variable- or fixed-length).
    public func readString(named name: String) throws(HDF5Error) -> String {
        try readStrings(named: name, single: true)[0]
    }

    /// The strings of the string-array attribute `name` (a single string gives one element).
    public func readStrings(named name: String) throws(HDF5Error) -> [String] {
        try readStrings(named: name, single: false)
    }

    /// The integer attribute `name` (any stored integer width).
    public func readInt(named name: String) throws(HDF5Error) -> Int {
        Int(try readNumbers(Int64.self, named: name, single: true)[0])
    }

    /// The floating-point attribute `name` (float32 or float64).
    public func readDouble(named name: String) throws(HDF5Error) -> Double {
        try readNumbers(Double.self, named: name, single: true)[0]
    }

    /// The floating-point array attribute `name`, as float32 (a scalar gives one element).
    public func readFloats(named name: String) throws(HDF5Error) -> [Float] {
        try readNumbers(Float.self, named: name, single: false)
    }

    /// The integer array attribute `name` (a scalar gives one element).
    public func readInts(named name: String) throws(HDF5Error) -> [Int] {
        try readNumbers(Int64.self, named: name, single: false).map { Int($0) }
    }
}

extension HDF5Attributes {
    private func withOwner<Result>(
        _ operation: String, _ body: (hid_t, HDF5Context) throws(HDF5Error) -> Result
    ) throws(HDF5Error) -> Result {
        let context = owner.context(operation)
        return try HDF5Library.withLock { () throws(HDF5Error) -> Result in
            try body(try owner.handle.identifier(context), context)
        }
    }

    /// Replaces the attribute `name` by a new one of `elementType` and `shape`; `fill` writes
    /// its values, given the attribute and its type (skipped when `shape` has no elements).
    private func create(
        named name: String, elementType: HDF5ElementType, shape: [Int],
        _ fill: (_ attribute: hid_t, _ type: hid_t, HDF5Context) throws(HDF5Error) -> Void
    ) throws(HDF5Error) {
        try withOwner("write attribute '\(name)'") { id, context throws(HDF5Error) in
            if try context.check(H5Aexists(id, name)) > 0 { try context.check(H5Adelete(id, name)) }
            let type = try elementType == .string
                ? HDF5Strings.makeType(context) : context.check(H5Tcopy(elementType.nativeType))
            defer { _ = H5Tclose(type) }
            let space = try HDF5Dataspace.create(shape: shape, context)
            defer { _ = H5Sclose(space) }
            let attribute = try context.check(
                H5Acreate2(id, name, type, space, chdf5_p_default(), chdf5_p_default()))
            defer { _ = H5Aclose(attribute) }
            if elementCount(shape) > 0 { try fill(attribute, type, context) }
        }
    }

    private func writeNumbers<Element: HDF5Scalar>(
        _ values: [Element], shape: [Int], named name: String
    ) throws(HDF5Error) {
        try create(named: name, elementType: Element.hdf5ElementType, shape: shape) {
            attribute, _, context throws(HDF5Error) in
            let status = values.withUnsafeBytes { H5Awrite(attribute, Element.checkedNativeType, $0.baseAddress) }
            try context.check(status)
        }
    }

    private func writeStrings(_ values: [String], shape: [Int], named name: String) throws(HDF5Error) {
        try HDF5Strings.requireStorable(values, owner.context("write attribute '\(name)'"))
        try create(named: name, elementType: .string, shape: shape) { attribute, type, context throws(HDF5Error) in
            let status = HDF5Strings.withPointers(to: values) { H5Awrite(attribute, type, $0) }
            try context.check(status)
        }
    }

    /// Opens the attribute `name`, checks its type class (and that it holds one value if
    /// `single`, at most one dimension otherwise) and reads it with `body`.
    private func read<Result>(
        named name: String, expecting typeClass: H5T_class_t, _ typeName: String, single: Bool,
        _ body: (_ attribute: hid_t, _ type: hid_t, _ count: Int, HDF5Context) throws(HDF5Error) -> Result
    ) throws(HDF5Error) -> Result {
        try withOwner("read attribute '\(name)'") { id, context throws(HDF5Error) -> Result in
            guard try context.check(H5Aexists(id, name)) > 0 else { throw context.error(.objectNotFound) }
            let attribute = try context.check(H5Aopen(id, name, chdf5_p_default()))
            defer { _ = H5Aclose(attribute) }
            let type = try context.check(H5Aget_type(attribute))
            defer { _ = H5Tclose(type) }
            guard H5Tget_class(type) == typeClass else {
                throw context.error(
                    .wrongElementType, expected: typeName, found: HDF5ElementType.describe(datatype: type))
            }
            let space = try context.check(H5Aget_space(attribute))
            defer { _ = H5Sclose(space) }
            let shape = try HDF5Dataspace.extent(of: space, context).shape
            let count = try HDF5Dataspace.elementCount(of: space, context)
            if single ? count != 1 : shape.count > 1 {
                throw context.error(
                    .wrongShape, expected: single ? "a single value" : "at most one dimension",
                    found: describe(shape: shape))
            }
            return try body(attribute, type, count, context)
        }
    }

    /// The values of a float attribute (for `Float` and `Double`) or an integer one (for
    /// integer types), converted to `Element` by HDF5.
    private func readNumbers<Element: HDF5Scalar & BinaryInteger>(
        _ type: Element.Type, named name: String, single: Bool
    ) throws(HDF5Error) -> [Element] {
        try readNumbers(named: name, expecting: H5T_INTEGER, "integer", single: single)
    }

    private func readNumbers<Element: HDF5Scalar & BinaryFloatingPoint>(
        _ type: Element.Type, named name: String, single: Bool
    ) throws(HDF5Error) -> [Element] {
        try readNumbers(named: name, expecting: H5T_FLOAT, "float", single: single)
    }

    private func readNumbers<Element: HDF5Scalar>(
        named name: String, expecting typeClass: H5T_class_t, _ typeName: String, single: Bool
    ) throws(HDF5Error) -> [Element] {
        try read(named: name, expecting: typeClass, typeName, single: single) {
            attribute, _, count, context throws(HDF5Error) -> [Element] in
            try HDF5ReadLimit.check(count: count, elementBytes: MemoryLayout<Element>.stride, of: attribute, context)
            var values = [Element](repeating: .zero, count: count)
            guard count > 0 else { return values }
            let status = values.withUnsafeMutableBytes {
                H5Aread(attribute, Element.checkedNativeType, $0.baseAddress)
            }
            try context.check(status)
            return values
        }
    }

    private func readStrings(named name: String, single: Bool) throws(HDF5Error) -> [String] {
        try read(named: name, expecting: H5T_STRING, "string", single: single) {
            attribute, type, count, context throws(HDF5Error) in
            try HDF5Strings.read(count: count, storedType: type, from: attribute, context) { memoryType, buffer in
                H5Aread(attribute, memoryType, buffer)
            }
        }
    }
}
