import Foundation
import LikenessHDF5
import _LikenessTestSupport

/// The path of a file in this target's Fixtures folder.
func fixturePath(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw FixtureMissing(name: name)
    }
    return url.path
}

struct FixtureMissing: Error { let name: String }

/// Whether `python3` on PATH can import h5py (CI installs it; without it the h5py test is skipped).
let pythonHasH5py: Bool = (try? runProcess("python3", ["-c", "import h5py"]).status) == 0

/// Whether HDF5's `h5dump` tool is on PATH (Debian's hdf5-tools, installed by Scripts/setup.sh).
let h5dumpIsInstalled: Bool = (try? runProcess("h5dump", ["--version"]).status) == 0
