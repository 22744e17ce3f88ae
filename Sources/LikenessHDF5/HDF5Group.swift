/// A group inside an HDF5 file: a folder of datasets, groups and attributes.
///
/// Obtained from `HDF5Container.group(at:)` or `createGroup(at:)`; closed when released.
public final class HDF5Group: HDF5Container {
    public let location: HDF5Location

    init(location: HDF5Location) {
        self.location = location
    }
}
