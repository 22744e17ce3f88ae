import Foundation
import Likeness
import Testing

extension StorageTests {
    /// Inputs the fuzzer found (docs/FUZZING.md), each with the error it now gets.
    @Suite struct FuzzRegressionTests {
        /// The path of `Fixtures/fuzz/name`.
        func fixture(_ name: String) throws -> String {
            try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/fuzz")).path
        }

        @Test func galleryWhoseStringHeapWouldHangLibhdf5IsRefused() throws {
            // A free-space object of size 0 in the global heap: libhdf5 1.10 looped forever on it.
            let path = try fixture("gallery-heap-loop.h5")
            let error = try #require(throws: HDF5Error.self) { try Gallery.load(path) }
            #expect(error.kind == .damaged && error.filePath == path)
            #expect(error.found == "an object of 0 bytes at offset 2408 in the collection of 4096 bytes at 2080")
        }

        @Test func galleryWithAStringOfAMissingHeapObjectIsRefused() throws {
            // A class name's object index edited past its collection's: libhdf5 1.10 read outside the heap and crashed.
            let path = try fixture("gallery-string-index.h5")
            let error = try #require(throws: HDF5Error.self) { try Gallery.load(path) }
            #expect(error.kind == .damaged && error.filePath == path && error.objectPath == "/classes")
            #expect(error.found == "a string of 1 bytes stored as object 268435458 of the collection at 2080, which it does not hold")
        }
    }
}
