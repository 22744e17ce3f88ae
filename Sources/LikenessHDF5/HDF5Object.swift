/// Where an object lives: the file's path and the object's path inside the file.
public struct HDF5Location: Sendable, CustomStringConvertible {
    /// The path of the HDF5 file on disk.
    public let filePath: String
    /// The absolute path of the object inside the file ("/" for the root group).
    public let objectPath: String
    /// The open identifier of the object (for the root, of the file).
    let handle: HDF5Handle

    public var description: String { "\(filePath):\(objectPath)" }

    /// The absolute path of `path`, taken relative to this object unless it starts with "/".
    func resolve(_ path: String) -> String {
        precondition(!path.isEmpty, "HDF5 object path is empty")
        if path.hasPrefix("/") { return path }
        return objectPath == "/" ? "/" + path : objectPath + "/" + path
    }

    /// An error context for `operation` on this object, or on `path` below it.
    func context(_ operation: String, path: String? = nil) -> HDF5Context {
        HDF5Context(filePath: filePath, objectPath: path.map(resolve) ?? objectPath, operation: operation)
    }
}

/// An HDF5 file, group or dataset: something with a location and attributes.
public protocol HDF5Object: AnyObject, Sendable {
    /// The file and the path inside it.
    var location: HDF5Location { get }
}

extension HDF5Object {
    /// The object's attributes (small named values: strings, numbers, short arrays).
    public var attributes: HDF5Attributes { HDF5Attributes(owner: location) }
}

/// The kinds of object a path inside an HDF5 file can name.
public enum HDF5ObjectKind: String, Sendable, CustomStringConvertible {
    case group
    case dataset
    /// A datatype stored under a name (h5py's `f["t"] = numpy.dtype(...)`).
    case namedDatatype = "named datatype"

    public var description: String { rawValue }
}
