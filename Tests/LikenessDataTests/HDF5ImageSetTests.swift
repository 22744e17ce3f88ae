import Foundation
import LikenessData
import LikenessHDF5
import Testing
import _LikenessTestSupport

@Suite("HDF5 image sets", .serialized)
struct HDF5ImageSetTests {
    @Test(arguments: [1, 3])
    func roundTripOfASelection(channels: Int) throws {
        let dir = try TemporaryFolder()
        let dataset = makeDataset(count: 12, classes: 3, height: 5, width: 4, channels: channels)
        let chosen = [7, 0, 11, 3]
        try dataset.writeHDF5(to: dir.file("set.h5"), indices: chosen)
        let back = try Dataset(hdf5: dir.file("set.h5"))
        #expect(back.count == 4 && back.height == 5 && back.width == 4 && back.channels == channels)
        #expect(back.labels == dataset.labels(chosen))
        #expect(back.ids == chosen.map { dataset.ids[$0] })
        #expect(back.classNames == dataset.classNames)
        #expect(back.pixels == dataset.subset(chosen).pixels)
        // And it is a dataset source like any other.
        let loaded = try DatasetSource(parsing: dir.file("set.h5")).load()
        #expect(loaded.dataset.pixels == back.pixels)
    }

    @Test func aFailedWriteKeepsTheOldFile() throws {
        let dir = try TemporaryFolder()
        let dataset = makeDataset(count: 6, classes: 2, height: 3, width: 3, channels: 1)
        try dataset.writeHDF5(to: dir.file("set.h5"))
        let before = try dir.read("set.h5")
        // A string with a NUL cannot be stored: the write fails after the file was started.
        var broken = dataset
        broken.ids[2] = "bad\u{0}id"
        #expect(throws: (any Error).self) { try broken.writeHDF5(to: dir.file("set.h5")) }
        #expect(try dir.read("set.h5") == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["set.h5"])
    }

    /// Writes a file by hand with the given datasets, for the malformed cases.
    func handMade(_ dir: TemporaryFolder, _ fill: (HDF5File) throws -> Void) throws -> String {
        let path = dir.file("made.h5")
        let file = try HDF5File(creatingAt: path)
        try fill(file)
        try file.close()
        return path
    }

    @Test func malformedFilesNameTheFieldAndWhatWasExpected() throws {
        let dir = try TemporaryFolder()
        var path = try handMade(dir) { f in
            try f.createDataset(at: "/images", values: [Float](repeating: 0, count: 8), shape: [2, 2, 2])
            try f.createDataset(at: "/labels", values: [Int32(0), 1], shape: [2])
        }
        var error = datasetFileError { _ = try Dataset(hdf5: path) }
        #expect(error == .invalidField(file: path, field: "/images", expected: "uint8 N×H×W or N×H×W×C", found: "float32 of shape [2, 2, 2]"))

        path = try handMade(dir) { f in
            try f.createDataset(at: "/images", values: [UInt8](repeating: 0, count: 8), shape: [2, 2, 2])
            try f.createDataset(at: "/labels", values: [Int32(0), 1, 1], shape: [3])
        }
        error = datasetFileError { _ = try Dataset(hdf5: path) }
        #expect(error?.description.contains("/labels") == true)
        #expect(error?.description.contains("[2]") == true)

        path = try handMade(dir) { f in
            try f.createDataset(at: "/images", values: [UInt8](repeating: 0, count: 8), shape: [2, 2, 2])
            try f.createDataset(at: "/labels", values: [Int32(0), 5], shape: [2])
            try f.createDataset(at: "/classes", strings: ["a", "b"])
        }
        error = datasetFileError { _ = try Dataset(hdf5: path) }
        #expect(error == .invalidField(file: path, field: "/labels[1]", expected: "a class index in 0..<2", found: "5"))
    }

    @Test func declaredSizesAreCheckedBeforeReading() throws {
        let dir = try TemporaryFolder()
        let path = try handMade(dir) { f in
            try f.createDataset(at: "/images", elementType: .uint8, shape: [1000, 64, 64, 3], chunkShape: [1, 64, 64, 3])
            try f.createDataset(at: "/labels", elementType: .int32, shape: [1000])
        }
        let error = datasetFileError { _ = try Dataset(hdf5: path, byteLimit: 1 << 20) }
        #expect(error == .tooLarge(file: path, field: "/images", limit: 1 << 20, found: 1000 * 64 * 64 * 3))
    }

    @Test func hostileSizesAreRefused() throws {
        let dir = try TemporaryFolder()
        // No images, each of 2^20 × 2^20 × 3 bytes: nothing to read, but no image can be that large.
        var path = try handMade(dir) { f in
            try f.createDataset(at: "/images", elementType: .uint8, shape: [0, 1 << 20, 1 << 20, 3])
            try f.createDataset(at: "/labels", elementType: .int32, shape: [0])
        }
        var error = datasetFileError { _ = try Dataset(hdf5: path) }
        #expect(error == .tooLarge(file: path, field: "/images", limit: Dataset.hdf5ByteLimit, found: 3 << 40))

        // Without /classes, the largest label would set the number of classes.
        path = try handMade(dir) { f in
            try f.createDataset(at: "/images", values: [UInt8](repeating: 0, count: 2), shape: [2, 1, 1])
            try f.createDataset(at: "/labels", values: [Int64(0), .max], shape: [2])
        }
        error = datasetFileError { _ = try Dataset(hdf5: path) }
        #expect(error == .invalidField(file: path, field: "/labels[1]",
                                       expected: "a class index in 0..<1048576 (the file has no /classes)", found: "\(Int64.max)"))

        // 34 MiB of images declared, within the byte limit, but never written: the file holds a few KB.
        path = try handMade(dir) { f in
            try f.createDataset(at: "/images", elementType: .uint8, shape: [3000, 64, 64, 3], chunkShape: [1, 64, 64, 3])
            try f.createDataset(at: "/labels", elementType: .int32, shape: [3000])
        }
        let declared = try #require(throws: HDF5Error.self) { try Dataset(hdf5: path) }
        #expect(declared.kind == .tooLarge && declared.filePath == path && declared.objectPath == "/images")
    }

    @Test func missingAndForeignFilesAreRefused() throws {
        let dir = try TemporaryFolder()
        #expect(datasetFileError { _ = try Dataset(hdf5: dir.file("none.h5")) } == .missing(file: dir.file("none.h5")))
        try dir.write(Array("not hdf5".utf8), to: "text.h5")
        #expect(throws: HDF5Error.self) { _ = try Dataset(hdf5: dir.file("text.h5")) }
    }
}
