import CHDF5

/// The version of the HDF5 library linked in, as "major.minor.release".
public var hdf5LibraryVersion: String {
    HDF5Library.withLock {
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}
