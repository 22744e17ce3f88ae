import LikenessHDF5
import Testing
import _LikenessTestSupport

extension HDF5Tests {
    @Suite struct NavigationTests {
        @Test func groupsDatasetsAndTheirPaths() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("tree.h5")
            do {
                let file = try HDF5File(creatingAt: path)
                let conv1 = try file.createGroup(at: "model_weights/conv1")
                #expect(conv1.location.objectPath == "/model_weights/conv1")
                try conv1.createDataset(at: "weight", values: [Float](repeating: 0.5, count: 18), shape: [2, 1, 3, 3])
                try conv1.createDataset(at: "bias", values: [Float]([0, 1]), shape: [2])
                // Missing groups above a dataset are created with it.
                try file.createDataset(at: "/model_weights/dense/bias", values: [Float](repeating: 0, count: 10), shape: [10])
                try file.createDataset(at: "labels", values: [Int32]([1, 2]), shape: [2])
            }
            let file = try HDF5File(openingAt: path)
            #expect(file.path == path)
            #expect(try file.childNames() == ["labels", "model_weights"])
            let weights = try file.group(at: "model_weights")
            #expect(try weights.childNames() == ["conv1", "dense"])
            #expect(try weights.group(at: "conv1").childNames() == ["bias", "weight"])
            #expect(try file.objectKind(at: "model_weights/conv1") == .group)
            #expect(try weights.objectKind(at: "conv1/weight") == .dataset)
            #expect(try file.objectKind(at: "/") == .group)
            #expect(try file.objectKind(at: "model_weights/conv2") == nil)
            #expect(try file.objectKind(at: "nothing/here/either") == nil)
            #expect(try file.objectKind(at: "labels/child") == nil, "a dataset has no children")
            #expect(try file.contains("model_weights/dense/bias"))
            #expect(try !file.contains("model_weights/dense/weight"))
            let weight = try weights.dataset(at: "conv1/weight")
            #expect(weight.location.objectPath == "/model_weights/conv1/weight")
            #expect(weight.location.filePath == path)
            #expect(try weight.shape == [2, 1, 3, 3])
            // Absolute paths start at the root from any group.
            #expect(try weights.dataset(at: "/labels").read(as: Int32.self) == [1, 2])
        }

        @Test func createRefusesExistingNamesAndRemoveObjectUnlinks() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("names.h5"))
            try file.createGroup(at: "g")
            try file.createDataset(at: "g/d", elementType: .uint8, shape: [3])
            let group = #expect(throws: HDF5Error.self) { try file.createGroup(at: "g/d") }
            #expect(group?.kind == .alreadyExists)
            #expect(group?.found == "a dataset")
            let dataset = #expect(throws: HDF5Error.self) { try file.createDataset(at: "g", elementType: .float32, shape: [1]) }
            #expect(dataset?.kind == .alreadyExists)
            #expect(dataset?.found == "a group")

            try file.removeObject(at: "g/d")
            #expect(try file.group(at: "g").childNames() == [])
            try file.createDataset(at: "g/d", values: [UInt8]([9]), shape: [1])
            #expect(try file.dataset(at: "g/d").read(as: UInt8.self) == [9])
            let missing = #expect(throws: HDF5Error.self) { try file.removeObject(at: "g/nothing") }
            #expect(missing?.kind == .objectNotFound)
        }
    }
}
