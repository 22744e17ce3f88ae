import CHDF5
import LikenessFiles

/// A file or group: something that holds named groups and datasets.
///
/// Paths are relative to the container unless they start with "/" (the file's root), and may
/// have several components ("model_weights/conv1/weight").
public protocol HDF5Container: HDF5Object {}

extension HDF5Container {
    /// The kind of object at `path`, or nil if nothing is there.
    public func objectKind(at path: String) throws(HDF5Error) -> HDF5ObjectKind? {
        let context = location.context("look up", path: path)
        return try HDF5Library.withLock { () throws(HDF5Error) in try location.objectKind(at: path, context) }
    }

    /// Whether a group or dataset exists at `path`.
    public func contains(_ path: String) throws(HDF5Error) -> Bool {
        try objectKind(at: path) != nil
    }

    /// The names of the groups and datasets directly inside this container, sorted.
    public func childNames() throws(HDF5Error) -> [String] {
        let context = location.context("list children")
        return try HDF5Library.withLock { () throws(HDF5Error) -> [String] in
            let identifier = try location.handle.identifier(context)
            var info = H5G_info_t()
            try context.check(H5Gget_info(identifier, &info))
            // Appended one by one: the count is the file's word, and room for it is not set aside.
            var names: [String] = []
            for index in 0..<info.nlinks {
                let length = try context.check(
                    H5Lget_name_by_idx(identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, chdf5_p_default()))
                var buffer = [CChar](repeating: 0, count: Int(length) + 1)
                try context.check(
                    H5Lget_name_by_idx(
                        identifier, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, chdf5_p_default()))
                names.append(string(fromNullTerminated: buffer))
            }
            return names
        }
    }

    /// Opens the group at `path`.
    public func group(at path: String) throws(HDF5Error) -> HDF5Group {
        HDF5Group(location: try location.openObject(at: path, expecting: .group, operation: "open group"))
    }

    /// Opens the dataset at `path`.
    public func dataset(at path: String) throws(HDF5Error) -> HDF5Dataset {
        HDF5Dataset(location: try location.openObject(at: path, expecting: .dataset, operation: "open dataset"))
    }

    /// Creates a group at `path`, and any missing groups above it; throws `alreadyExists`
    /// if something is already there.
    @discardableResult
    public func createGroup(at path: String) throws(HDF5Error) -> HDF5Group {
        let context = location.context("create group", path: path)
        let identifier = try HDF5Library.withLock { () throws(HDF5Error) -> hid_t in
            try location.requireFree(path, context)
            let linkCreation = try makeLinkCreationList(context)
            defer { _ = H5Pclose(linkCreation) }
            return try context.check(
                H5Gcreate2(
                    try location.handle.identifier(context), path, linkCreation, chdf5_p_default(), chdf5_p_default()))
        }
        return HDF5Group(location: location.child(path, identifier: identifier))
    }

    /// Removes the group or dataset at `path` from this container.
    ///
    /// HDF5 does not give the space back: to shrink a file, rewrite it (`HDF5File.writeAtomically`).
    public func removeObject(at path: String) throws(HDF5Error) {
        let context = location.context("remove", path: path)
        try HDF5Library.withLock { () throws(HDF5Error) in
            guard try location.objectKind(at: path, context) != nil else { throw context.error(.objectNotFound) }
            try context.check(H5Ldelete(try location.handle.identifier(context), path, chdf5_p_default()))
        }
    }
}

/// A link-creation property list that creates missing intermediate groups; the caller closes it.
func makeLinkCreationList(_ context: HDF5Context) throws(HDF5Error) -> hid_t {
    let list = try context.check(H5Pcreate(chdf5_p_link_create()))
    guard H5Pset_create_intermediate_group(list, 1) >= 0 else {
        let error = context.libraryError()
        _ = H5Pclose(list)
        throw error
    }
    return list
}

extension HDF5Location {
    /// The location of the object at `path` below this one, owning `identifier`.
    func child(_ path: String, identifier: hid_t) -> HDF5Location {
        HDF5Location(filePath: filePath, objectPath: resolve(path), handle: HDF5Handle(identifier, kind: .object))
    }

    /// The kind of object at `path`, or nil if there is none. A component of `path` that names
    /// a dataset (which cannot hold children) makes the answer nil. Call under the library lock.
    func objectKind(at path: String, _ context: HDF5Context) throws(HDF5Error) -> HDF5ObjectKind? {
        let identifier = try handle.identifier(context)
        var prefix = path.hasPrefix("/") ? "/" : ""
        var kind: HDF5ObjectKind? = .group
        for component in path.split(separator: "/") where component != "." {
            guard kind == .group else { return nil }
            prefix += (prefix.isEmpty || prefix == "/" ? "" : "/") + component
            guard try context.check(H5Lexists(identifier, prefix, chdf5_p_default())) > 0 else { return nil }
            let object = try context.check(H5Oopen(identifier, prefix, chdf5_p_default()))
            kind = Self.kind(of: object)
            _ = H5Oclose(object)
        }
        return kind
    }

    /// Throws `alreadyExists` if something is at `path`. Call under the library lock.
    func requireFree(_ path: String, _ context: HDF5Context) throws(HDF5Error) {
        if let existing = try objectKind(at: path, context) {
            throw context.error(.alreadyExists, found: "a \(existing)")
        }
    }

    /// Opens the object at `path`, which must be of `expected` kind.
    func openObject(at path: String, expecting expected: HDF5ObjectKind, operation: String) throws(HDF5Error) -> HDF5Location {
        let context = context(operation, path: path)
        let identifier = try HDF5Library.withLock { () throws(HDF5Error) -> hid_t in
            guard let found = try objectKind(at: path, context) else {
                throw context.error(.objectNotFound, expected: "a \(expected)")
            }
            guard found == expected else {
                throw context.error(.wrongObjectKind, expected: "a \(expected)", found: "a \(found)")
            }
            return try context.check(H5Oopen(try handle.identifier(context), path, chdf5_p_default()))
        }
        return child(path, identifier: identifier)
    }

    private static func kind(of object: hid_t) -> HDF5ObjectKind? {
        switch H5Iget_type(object) {
        case H5I_GROUP: .group
        case H5I_DATASET: .dataset
        case H5I_DATATYPE: .namedDatatype
        default: nil
        }
    }
}
