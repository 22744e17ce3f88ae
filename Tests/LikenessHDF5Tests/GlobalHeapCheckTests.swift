import Foundation
import LikenessHDF5
import Testing
import _LikenessTestSupport

extension HDF5Tests {
    /// Global heap collections libhdf5 1.10 would loop on or read past are refused before it opens the file.
    @Suite struct GlobalHeapCheckTests {
        /// A file whose strings live in one global heap collection, and the offset of its first object.
        func fileWithStrings(_ folder: TemporaryFolder) throws -> (path: String, bytes: [UInt8], firstObject: Int) {
            let path = folder.file("strings.h5")
            try HDF5File.writeAtomically(to: path) { try $0.createDataset(at: "names", strings: ["alpha", "beta"]) }
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let collection = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("GCOL".utf8) })
            return (path, bytes, collection + 16)
        }

        /// `bytes` with the 8-byte size of the object at `object` replaced by `size`.
        func settingSize(_ bytes: [UInt8], ofObjectAt object: Int, to size: UInt64) -> [UInt8] {
            var bytes = bytes
            for k in 0..<8 { bytes[object + 8 + k] = UInt8(truncatingIfNeeded: size >> (8 * UInt64(k))) }
            return bytes
        }

        @Test func intactCollectionsAreRead() throws {
            let folder = try TemporaryFolder()
            let (path, _, _) = try fileWithStrings(folder)
            #expect(try HDF5File(openingAt: path).dataset(at: "names").readStrings() == ["alpha", "beta"])
        }

        @Test func freeSpaceOfSizeZeroIsDamaged() throws {
            let folder = try TemporaryFolder()
            let (path, bytes, first) = try fileWithStrings(folder)
            // Objects 1 ("alpha") and 2 ("beta") take 16 + 8 bytes each; the free space follows.
            let freeSpace = first + 2 * 24
            #expect(bytes[freeSpace] == 0 && bytes[freeSpace + 1] == 0, "the free space has index 0")
            try Data(settingSize(bytes, ofObjectAt: freeSpace, to: 0)).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: HDF5Error.self) { try HDF5File(openingAt: path) }
            #expect(error.kind == .damaged && error.filePath == path)
            #expect(error.found?.hasPrefix("an object of 0 bytes at offset \(freeSpace) in the collection of") == true)
        }

        @Test(arguments: [nil, [1]] as [[Int]?])
        func stringsLongerThanTheirObjectsAreRefusedBeforeReading(chunkShape: [Int]?) throws {
            let folder = try TemporaryFolder()
            let path = folder.file("strings.h5")
            try HDF5File.writeAtomically(to: path) { try $0.createDataset(at: "names", strings: ["alpha", "beta"], chunkShape: chunkShape) }
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let collection = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("GCOL".utf8) })
            // "beta"'s reference: its length (4), the collection's address, then its object's index.
            let reference: [UInt8] = [4, 0, 0, 0] + (0..<8).map { UInt8(truncatingIfNeeded: collection >> (8 * $0)) }
            let at = try #require((0...(bytes.count - 16)).first { bytes[$0..<($0 + 12)].elementsEqual(reference) })
            let index = bytes[at + 12]
            bytes[at..<(at + 4)] = [0xF8, 0xFF, 0xFF, 0xFF]
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let names = try HDF5File(openingAt: path).dataset(at: "names")
            #expect(try names.readStrings(rows: 0..<1) == ["alpha"], "the other string is not read")
            let error = try #require(throws: HDF5Error.self) { try names.readStrings() }
            #expect(error.kind == .damaged && error.objectPath == "/names")
            #expect(error.found == "a string of 4294967288 bytes stored as object \(index) of the collection at \(collection), of 4 bytes")
        }

        @Test func objectReachingPastItsCollectionIsDamaged() throws {
            let folder = try TemporaryFolder()
            let (path, bytes, first) = try fileWithStrings(folder)
            try Data(settingSize(bytes, ofObjectAt: first, to: 1 << 40)).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: HDF5Error.self) { try HDF5File(openingAt: path) }
            #expect(error.kind == .damaged && error.found?.hasPrefix("an object of 1099511627776 bytes at offset \(first)") == true)
        }
    }
}
