import CHDF5

/// The element types LikenessHDF5 reads and writes.
///
/// Numbers are stored little-endian as their native type; strings as variable-length UTF-8
/// (h5py reads them as `str`). Reading also accepts fixed-length strings written by other tools.
public enum HDF5ElementType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32
    case float64
    case int32
    case int64
    case uint8
    case string

    public var description: String { rawValue }

    /// Bytes per element in memory (for strings, per pointer).
    var byteCount: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .uint8: 1
        case .string: MemoryLayout<UnsafePointer<CChar>>.size
        }
    }

    /// The in-memory HDF5 type of a numeric element type.
    var nativeType: hid_t {
        switch self {
        case .float32: chdf5_t_native_float()
        case .float64: chdf5_t_native_double()
        case .int32: chdf5_t_native_int32()
        case .int64: chdf5_t_native_int64()
        case .uint8: chdf5_t_native_uint8()
        case .string: preconditionFailure("strings have no native HDF5 type; use a variable-length string type")
        }
    }

    /// The element type of a stored HDF5 datatype, or nil for types LikenessHDF5 does not read
    /// (other integer and float widths, compounds, enums, …). Call under the library lock.
    init?(datatype: hid_t) {
        let size = H5Tget_size(datatype)
        switch H5Tget_class(datatype) {
        case H5T_FLOAT where size == 4: self = .float32
        case H5T_FLOAT where size == 8: self = .float64
        case H5T_INTEGER:
            let signed = H5Tget_sign(datatype) == H5T_SGN_2
            switch (size, signed) {
            case (4, true): self = .int32
            case (8, true): self = .int64
            case (1, false): self = .uint8
            default: return nil
            }
        case H5T_STRING: self = .string
        default: return nil
        }
    }

    /// A stored datatype in words, for error messages ("int32", "16-bit signed integer",
    /// "compound"). Call under the library lock.
    static func describe(datatype: hid_t) -> String {
        if let known = HDF5ElementType(datatype: datatype) { return known.description }
        let bits = H5Tget_size(datatype) * 8
        switch H5Tget_class(datatype) {
        case H5T_INTEGER:
            return "\(bits)-bit \(H5Tget_sign(datatype) == H5T_SGN_2 ? "signed" : "unsigned") integer"
        case H5T_FLOAT: return "\(bits)-bit float"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum"
        case H5T_ARRAY: return "array"
        case H5T_VLEN: return "variable-length sequence"
        case H5T_OPAQUE: return "opaque"
        case H5T_REFERENCE: return "reference"
        case H5T_BITFIELD: return "bitfield"
        default: return "unknown datatype"
        }
    }
}

/// A Swift number type stored as one of HDF5's numeric element types:
/// `Float` (float32), `Double` (float64), `Int32`, `Int64`, `UInt8`.
public protocol HDF5Scalar: Numeric, Sendable {
    /// The HDF5 element type values of this type are stored as.
    static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .float32 } }
extension Double: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .float64 } }
extension Int32: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .int32 } }
extension Int64: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .int64 } }
extension UInt8: HDF5Scalar { public static var hdf5ElementType: HDF5ElementType { .uint8 } }

extension HDF5Scalar {
    /// The native HDF5 type to transfer `Self` values with; traps on a conformance whose layout
    /// does not match its declared element type (it would read past the buffer).
    static var checkedNativeType: hid_t {
        precondition(
            hdf5ElementType != .string && MemoryLayout<Self>.stride == hdf5ElementType.byteCount,
            "\(Self.self) does not have the layout of HDF5 \(hdf5ElementType)")
        return hdf5ElementType.nativeType
    }
}
