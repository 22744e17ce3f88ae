import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// The parent of the model archive, embedding store and gallery suites. They run one at a time:
/// the h5py test starts a process, and a process started while another test has an HDF5 file
/// open shares that file's lock until it execs, so a test reopening its file in that moment
/// would be refused ("unable to lock file").
@Suite(.serialized) struct StorageTests {}

extension StorageTests {
    /// `count` random unit vectors of `dimension` as a `count × dimension` tensor.
    static func unitRows(_ count: Int, _ dimension: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        var values: [Float] = []
        for _ in 0..<count {
            let row = (0..<dimension).map { _ in rng.nextNormal() }
            let length = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            values += row.map { $0 / length }
        }
        return Tensor(shape: [count, dimension], scalars: values)
    }

    /// The bytes of the file at `path`.
    static func bytes(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// Runs `python3 -c script arguments…` with HDF5's file locking off, and returns its standard
    /// output; throws if it fails.
    static func runPython(_ script: String, _ arguments: [String]) throws -> String {
        let result = try runProcess("python3", ["-c", script] + arguments, environment: ["HDF5_USE_FILE_LOCKING": "FALSE"])
        guard result.status == 0 else { throw PythonFailed(message: result.standardError) }
        return result.standardOutput
    }

    struct PythonFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { "python3 failed: \(message)" }
    }

    /// Whether `python3` on PATH can import h5py (without it the h5py test is skipped).
    static let pythonHasH5py: Bool = (try? runPython("import h5py", [])) != nil
}

/// Whether `a` and `b` have equal lengths and differ by at most `tolerance` everywhere.
func isClose<C: Collection>(_ a: C, _ b: C, tolerance: Float = 1e-5) -> Bool where C.Element == Float {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}
