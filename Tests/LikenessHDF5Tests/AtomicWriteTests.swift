import Foundation
import LikenessHDF5
import Testing
import _LikenessTestSupport

private struct ClosureFailed: Error {}

extension HDF5Tests {
    @Suite struct AtomicWriteTests {
        @Test func writeAtomicallyCreatesAndReplacesTheFile() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            let first = try HDF5File.writeAtomically(to: path) { file in
                try file.createDataset(at: "prototypes", values: [Float]([1, 2]), shape: [1, 2])
                return "first"
            }
            #expect(first == "first")
            try HDF5File.writeAtomically(to: path) { file in
                try file.createDataset(at: "prototypes", values: [Float]([3, 4, 5, 6]), shape: [2, 2])
            }
            #expect(try HDF5File(openingAt: path).dataset(at: "prototypes").read(as: Float.self) == [3, 4, 5, 6])
            #expect(try folder.contents() == ["gallery.h5"], "no temporary file is left behind")
        }

        @Test func throwingClosureLeavesTheOldFileIntact() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            try HDF5File.writeAtomically(to: path) { file in
                try file.createDataset(at: "labels", values: [Int32]([7, 8, 9]), shape: [3])
                try file.attributes.write("v1", named: "version")
            }
            #expect(throws: ClosureFailed.self) {
                try HDF5File.writeAtomically(to: path) { file in
                    try file.createDataset(at: "labels", values: [Int32]([0]), shape: [1])
                    try file.attributes.write("v2", named: "version")
                    throw ClosureFailed()
                }
            }
            let file = try HDF5File(openingAt: path)
            #expect(try file.attributes.readString(named: "version") == "v1")
            #expect(try file.dataset(at: "labels").read(as: Int32.self) == [7, 8, 9])
            #expect(try folder.contents() == ["store.h5"], "the temporary file is removed")
        }

        @Test func hdf5ErrorInsideTheClosurePropagatesAndCreatesNothing() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("never.h5")
            let error = #expect(throws: HDF5Error.self) {
                try HDF5File.writeAtomically(to: path) { file in
                    try file.createDataset(at: "d", values: [Float]([1, 2, 3]), shape: [2])
                }
            }
            #expect(error?.kind == .wrongShape)
            #expect(try folder.contents() == [])
        }
        @Test func aFileLargerThanTheMemoryDriversIncrementOpensEverywhere() throws {
            // The file is built in memory and written as one image: past HDF5's first 1 MiB
            // block, with the superblock that h5py and libhdf5 check.
            let folder = try TemporaryFolder()
            let path = folder.file("large.h5")
            let values = (0..<400_000).map { Float($0) }
            try HDF5File.writeAtomically(to: path) { file in
                try file.createDataset(at: "values", values: values, shape: [values.count])
            }
            #expect(try HDF5File(openingAt: path).dataset(at: "values").read(as: Float.self) == values)
        }

        @Test func lookup3MatchesJenkinsTestVectors() {
            // From lookup3.c's driver: hashlittle("", 0, 0) and of "Four score and seven years ago".
            #expect(HDF5Superblock.lookup3([][...]) == 0xdeadbeef)
            #expect(HDF5Superblock.lookup3(Array("Four score and seven years ago".utf8)[...]) == 0x17770551)
        }

        @Test func aMissingFolderIsNamedAndNothingIsCreated() throws {
            let folder = try TemporaryFolder()
            #expect(throws: (any Error).self) {
                try HDF5File.writeAtomically(to: folder.file("no/such/x.h5")) { file in
                    try file.createDataset(at: "d", values: [Float]([1]), shape: [1])
                }
            }
            #expect(try folder.contents() == [])
        }
    }
}
