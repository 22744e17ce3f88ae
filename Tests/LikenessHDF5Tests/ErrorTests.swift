import Foundation
import LikenessHDF5
import Testing
import _LikenessTestSupport

extension HDF5Tests {
    @Suite struct ErrorTests {
        @Test func missingFileNamesThePath() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("absent.h5")
            let error = #expect(throws: HDF5Error.self) { try HDF5File(openingAt: path) }
            #expect(error?.kind == .fileNotFound)
            #expect(error?.filePath == path)
            #expect(error?.description == "\(path): open file: no such file")
        }

        @Test func creatingInAMissingFolderNamesTheFolder() throws {
            let folder = try TemporaryFolder()
            let error = #expect(throws: HDF5Error.self) { try HDF5File(creatingAt: folder.file("no/such/folder/x.h5")) }
            #expect(error?.kind == .fileNotFound)
            #expect(error?.found == "no folder '\(folder.file("no/such/folder"))'")
        }

        @Test(arguments: ["plain text, not HDF5\n", ""])
        func fileWithoutHDF5SignatureIsNotAnHDF5File(contents: String) throws {
            let folder = try TemporaryFolder()
            let path = folder.file("notes.h5")
            try contents.write(toFile: path, atomically: false, encoding: .utf8)
            let error = #expect(throws: HDF5Error.self) { try HDF5File(openingAt: path) }
            #expect(error?.kind == .notAnHDF5File)
            #expect(error?.filePath == path)
            #expect(error?.description.hasPrefix("\(path): open file: not an HDF5 file") == true)
            #expect(error?.libraryMessage?.isEmpty == false, "HDF5's own reason is kept")
        }

        @Test func folderIsNotAnHDF5File() throws {
            let folder = try TemporaryFolder()
            let error = #expect(throws: HDF5Error.self) { try HDF5File(openingAt: folder.path) }
            #expect(error?.kind == .notAnHDF5File)
            #expect(error?.found == "a folder")
        }

        @Test func missingObjectsAndWrongKindsNameFileAndObject() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("objects.h5")
            let file = try HDF5File(creatingAt: path)
            try file.createDataset(at: "embeddings", elementType: .float32, shape: [2, 2])

            let missing = #expect(throws: HDF5Error.self) { try file.dataset(at: "labels") }
            #expect(missing?.kind == .objectNotFound)
            #expect(missing?.description == "\(path): /labels: open dataset: not found: expected a dataset")

            let nested = #expect(throws: HDF5Error.self) { try file.group(at: "model_weights/conv1") }
            #expect(nested?.kind == .objectNotFound)
            #expect(nested?.objectPath == "/model_weights/conv1")

            let wrongKind = #expect(throws: HDF5Error.self) { try file.group(at: "embeddings") }
            #expect(wrongKind?.kind == .wrongObjectKind)
            #expect(wrongKind?.description == "\(path): /embeddings: open group: wrong kind of object: expected a group, found a dataset")
        }

        @Test func wrongElementTypeAndShapeSayWhatWasExpectedAndFound() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("types.h5")
            let file = try HDF5File(creatingAt: path)
            let labels = try file.createDataset(at: "labels", values: [Int32]([0, 1, 2]), shape: [3])
            let embeddings = try file.createDataset(at: "embeddings", values: [Float](repeating: 0, count: 6), shape: [3, 2])

            let type = #expect(throws: HDF5Error.self) { try labels.read(as: Float.self) }
            #expect(type?.kind == .wrongElementType)
            #expect(type?.description == "\(path): /labels: read: wrong element type: expected float32, found int32")

            let shape = #expect(throws: HDF5Error.self) { try embeddings.read(as: Float.self, expectingShape: [nil, 64]) }
            #expect(shape?.kind == .wrongShape)
            #expect(shape?.description == "\(path): /embeddings: read: wrong shape: expected [any, 64], found [3, 2]")
            #expect(try embeddings.read(as: Float.self, expectingShape: [nil, 2]).count == 6)
            #expect(throws: Never.self) { try embeddings.requireShape([3, 2]) }
            #expect(throws: HDF5Error.self) { try embeddings.requireShape([3]) }

            let count = #expect(throws: HDF5Error.self) { try labels.write([Int32]([1, 2])) }
            #expect(count?.kind == .wrongShape)
            #expect(count?.expected == "3 values for shape [3]")
            #expect(count?.found == "2 values")

            let create = #expect(throws: HDF5Error.self) { try file.createDataset(at: "x", values: [UInt8]([1]), shape: [2, 2]) }
            #expect(create?.kind == .wrongShape)
            #expect(try !file.contains("x"), "nothing is created when the values do not fit the shape")
        }

        @Test func libraryFailuresCarryHDF5sMessage() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("readonly.h5")
            try HDF5File(creatingAt: path).createDataset(at: "d", values: [Int64]([1]), shape: [1])
            let file = try HDF5File(openingAt: path, mode: .readOnly)
            let error = #expect(throws: HDF5Error.self) { try file.dataset(at: "d").write([Int64]([2])) }
            #expect(error?.kind == .libraryFailure)
            #expect(error?.objectPath == "/d")
            let message = try #require(error?.libraryMessage)
            #expect(message.contains("H5Dwrite"), "the message starts at the API call: \(message)")
            #expect(error?.description.hasSuffix("(HDF5: \(message))") == true)
            #expect(try file.dataset(at: "d").read(as: Int64.self) == [1])
        }

        @Test func replacingExistingFalseRefusesToOverwrite() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("keep.h5")
            try HDF5File(creatingAt: path).attributes.write("original", named: "v")
            let error = #expect(throws: HDF5Error.self) { try HDF5File(creatingAt: path, replacingExisting: false) }
            #expect(error?.kind == .alreadyExists)
            #expect(try HDF5File(openingAt: path).attributes.readString(named: "v") == "original")
        }

        @Test func closedFileRefusesFurtherCalls() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("closed.h5"))
            try file.close()
            try file.close()
            let error = #expect(throws: HDF5Error.self) { try file.childNames() }
            #expect(error?.kind == .fileClosed)
            #expect(throws: HDF5Error.self) { try file.attributes.write(1, named: "n") }
        }

        @Test func unsupportedStoredTypesAreNamed() throws {
            let file = try HDF5File(openingAt: try fixturePath("h5py_written.h5"))
            let error = #expect(throws: HDF5Error.self) { try file.dataset(at: "int16").elementType }
            #expect(error?.kind == .wrongElementType)
            #expect(error?.found == "16-bit signed integer")
            let read = #expect(throws: HDF5Error.self) { try file.dataset(at: "int16").read(as: Int32.self) }
            #expect(read?.found == "16-bit signed integer")
        }
    }
}
