import CHDF5

/// The version of the HDF5 library linked in, as "major.minor.release".
public var hdf5LibraryVersion: String {
    HDF5Library.withLock {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}

/// The number of files, groups, datasets, attributes and named datatypes open in libhdf5, in
/// the whole process: with no Likeness object alive, 0 unless an identifier was left open.
package var hdf5OpenObjectCount: Int {
    HDF5Library.withLock {
        Int(H5Fget_obj_count(hid_t(chdf5_f_obj_all()), chdf5_f_obj_all()))
    }
}
