import Foundation
import LikenessHDF5
import Testing
import _LikenessTestSupport

extension HDF5Tests {
    /// Shapes a file declares are checked before memory is set aside for them (`HDF5ReadLimit`).
    @Suite struct ReadLimitTests {
        @Test func readsOfMoreThanTheFileHoldsAreRefusedBeforeAllocating() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("sparse.h5")
            // Chunks never written take no space: 4 TiB of floats and 2^30 strings in a few KB.
            let file = try HDF5File(creatingAt: path)
            try file.createDataset(at: "floats", elementType: .float32, shape: [1 << 40], chunkShape: [1024])
            try file.createDataset(at: "names", elementType: .string, shape: [1 << 30], chunkShape: [1024])
            try file.createDataset(at: "zeros", elementType: .int32, shape: [1000], chunkShape: [100])
            try file.close()

            let reopened = try HDF5File(openingAt: path)
            let floats = try reopened.dataset(at: "floats")
            #expect(try floats.shape == [1 << 40])
            let error = try #require(throws: HDF5Error.self) { try floats.read(as: Float.self) }
            #expect(error.kind == .tooLarge && error.filePath == path && error.objectPath == "/floats")
            #expect(error.found == "1099511627776 elements of 4 bytes")
            #expect(error.expected?.hasPrefix("at most 16777216 bytes (what a file of ") == true)
            #expect(try floats.read(as: Float.self, rows: 0..<3) == [0, 0, 0], "a few rows are within the limit")

            let names = try #require(throws: HDF5Error.self) { try reopened.dataset(at: "names").readStrings() }
            #expect(names.kind == .tooLarge && names.objectPath == "/names")
            // Within the allowance, elements never written read as zeros, as HDF5 defines them.
            #expect(try reopened.dataset(at: "zeros").read(as: Int32.self) == [Int32](repeating: 0, count: 1000))
        }

        @Test func shapesOfMoreElementsThanAnIntCountsAreRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("overflow.h5")
            let file = try HDF5File(creatingAt: path)
            try file.createDataset(at: "grid", elementType: .uint8, shape: [1 << 62, 4], chunkShape: [1, 4])
            try file.close()
            let error = try #require(throws: HDF5Error.self) { try HDF5File(openingAt: path).dataset(at: "grid").shape }
            #expect(error.kind == .tooLarge && error.objectPath == "/grid")
            #expect(error.found == "shape [4611686018427387904, 4]")
        }
    }
}
