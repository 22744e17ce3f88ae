import Foundation
import LikenessData
import LikenessHDF5
import Testing

/// Inputs the fuzzer found (docs/FUZZING.md), each with the error it now gets.
@Suite struct FuzzRegressionTests {
    /// The path of `Fixtures/fuzz/name`.
    func fixture(_ name: String) throws -> String {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/fuzz")).path
    }

    @Test func imageSetWhoseStringHeapWouldHangLibhdf5IsRefused() throws {
        // A free-space object of size 0 in the global heap: libhdf5 1.10 looped forever on it.
        let path = try fixture("image-set-heap-loop.h5")
        let error = try #require(throws: HDF5Error.self) { try Dataset(hdf5: path) }
        #expect(error.kind == .damaged && error.filePath == path)
        #expect(error.found == "an object of 0 bytes at offset 2216 in the collection of 4096 bytes at 2048")
    }

    @Test func imageSetWithAStringOf4GiBIsRefused() throws {
        // A class name's stored length edited to 2^32 − 8: libhdf5 1.10 set that much aside before reading it.
        let path = try fixture("image-set-string-length.h5")
        let error = try #require(throws: HDF5Error.self) { try Dataset(hdf5: path) }
        #expect(error.kind == .damaged && error.filePath == path && error.objectPath == "/classes")
        #expect(error.found?.hasPrefix("a string of 4294967288 bytes stored as a global heap collection at") == true)
    }
}
