import LikenessHDF5
import Testing
import _LikenessTestSupport

/// Text with accents, CJK, an emoji, an empty string and a path with spaces.
private let texts = ["café", "日本語", "🦔 hedgehog", "", "images/class 3/0001.png"]

extension HDF5Tests {
    @Suite struct StringDatasetTests {
        @Test func stringsRoundTripAsVariableLengthUTF8() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("strings.h5")
            do {
                let file = try HDF5File(creatingAt: path)
                try file.createDataset(at: "classes", strings: texts)
            }
            let classes = try HDF5File(openingAt: path).dataset(at: "classes")
            #expect(try classes.elementType == .string)
            #expect(try classes.shape == [texts.count])
            #expect(try classes.readStrings() == texts)
            #expect(try classes.readStrings(rows: 1..<3) == Array(texts[1..<3]))
        }

        @Test func extendableStringDatasetAppendsAndOverwrites() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("ids.h5"))
            let ids = try file.createDataset(at: "ids", strings: [], extendable: true)
            try ids.append(["a", "b"])
            try ids.append(texts)
            #expect(try ids.shape == [2 + texts.count])
            try ids.write(["B"], startingAtRow: 1)
            #expect(try ids.readStrings() == ["a", "B"] + texts)
            #expect(try ids.readStrings(rows: 2..<4) == Array(texts[0..<2]))
        }

        @Test func stringsWithNULAreRejected() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("nul.h5"))
            let error = #expect(throws: HDF5Error.self) { try file.createDataset(at: "s", strings: ["ok", "a\u{0}b"]) }
            #expect(error?.kind == .unsupportedValue)
            #expect(error?.found == "NUL in string 1")
            #expect(try !file.contains("s"), "nothing is created")
            let ids = try file.createDataset(at: "ids", strings: ["kept"], extendable: true)
            #expect(throws: HDF5Error.self) { try ids.append(["x\u{0}"]) }
            #expect(try ids.readStrings() == ["kept"], "a rejected append leaves the dataset as it was")
            try file.attributes.write("kept", named: "name")
            #expect(throws: HDF5Error.self) { try file.attributes.write("a\u{0}", named: "name") }
            #expect(try file.attributes.readString(named: "name") == "kept")
        }

        @Test func numbersAndStringsDoNotReadAsEachOther() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("mixed.h5"))
            let strings = try file.createDataset(at: "s", strings: ["x"])
            let numbers = try file.createDataset(at: "n", values: [Float(1)], shape: [1])
            let asNumbers = #expect(throws: HDF5Error.self) { try strings.read(as: Float.self) }
            #expect(asNumbers?.kind == .wrongElementType)
            #expect(asNumbers?.found == "string")
            let asStrings = #expect(throws: HDF5Error.self) { try numbers.readStrings() }
            #expect(asStrings?.expected == "string")
            #expect(asStrings?.found == "float32")
        }
    }
}

extension HDF5Tests {
    @Suite struct AttributeTests {
        /// Writes one attribute of each kind on `object`.
        private func writeAll(on object: some HDF5Object) throws {
            try object.attributes.write("digest: 9f86d08…", named: "digest")
            try object.attributes.write(texts, named: "names")
            try object.attributes.write(-(1 << 40), named: "count")
            try object.attributes.write(0.1, named: "threshold")
            try object.attributes.write([Float]([0.25, -1.5, 3e-8]), named: "mean")
            try object.attributes.write([Int]([3, -1, Int.max]), named: "shape")
            try object.attributes.write(#"{"layers": [{"kind": "conv", "filters": 32}]}"#, named: "architecture")
        }

        /// Checks that every attribute `writeAll` wrote reads back on `object`.
        private func expectAll(on object: some HDF5Object) throws {
            let attributes = object.attributes
            #expect(try attributes.names() == ["architecture", "count", "digest", "mean", "names", "shape", "threshold"])
            #expect(try attributes.readString(named: "digest") == "digest: 9f86d08…")
            #expect(try attributes.readStrings(named: "names") == texts)
            #expect(try attributes.readInt(named: "count") == -(1 << 40))
            #expect(try attributes.readDouble(named: "threshold") == 0.1)
            #expect(try attributes.readFloats(named: "mean") == [0.25, -1.5, 3e-8])
            #expect(try attributes.readInts(named: "shape") == [3, -1, Int.max])
            #expect(try attributes.readString(named: "architecture") == #"{"layers": [{"kind": "conv", "filters": 32}]}"#)
            #expect(try attributes.contains("digest"))
            #expect(try !attributes.contains("missing"))
        }

        @Test func attributesRoundTripOnFilesGroupsAndDatasets() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("attributes.h5")
            do {
                let file = try HDF5File(creatingAt: path)
                try writeAll(on: file)
                try writeAll(on: try file.createGroup(at: "model_weights/conv1"))
                try writeAll(on: try file.createDataset(at: "model_weights/conv1/weight", elementType: .float32, shape: [2]))
            }
            let file = try HDF5File(openingAt: path)
            try expectAll(on: file)
            try expectAll(on: try file.group(at: "model_weights/conv1"))
            try expectAll(on: try file.dataset(at: "/model_weights/conv1/weight"))
        }

        @Test func writingAnExistingNameReplacesTheAttributeAndRemoveDeletesIt() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("replace.h5"))
            try file.attributes.write(1, named: "version")
            try file.attributes.write("two", named: "version")
            #expect(try file.attributes.readString(named: "version") == "two")
            try file.attributes.write([Float](), named: "empty")
            #expect(try file.attributes.readFloats(named: "empty") == [])
            try file.attributes.remove("version")
            #expect(try file.attributes.names() == ["empty"])
            let again = #expect(throws: HDF5Error.self) { try file.attributes.remove("version") }
            #expect(again?.kind == .objectNotFound)
        }

        @Test func attributesLargerThan64KiBAreStored() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("large.h5")
            let values = (0..<40_000).map { Float($0) / 7 }
            do {
                let file = try HDF5File(creatingAt: path)
                try file.attributes.write(values, named: "prototypes")
                try file.close()
            }
            #expect(try HDF5File(openingAt: path).attributes.readFloats(named: "prototypes") == values)
        }

        @Test func missingAttributesAndWrongKindsAreReported() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("attribute-errors.h5")
            let file = try HDF5File(creatingAt: path)
            try file.attributes.write("text", named: "name")
            try file.attributes.write([Float]([1, 2]), named: "pair")

            let missing = #expect(throws: HDF5Error.self) { try file.attributes.readInt(named: "dimension") }
            #expect(missing?.kind == .objectNotFound)
            #expect(missing?.description == "\(path): /: read attribute 'dimension': not found")

            let wrongType = #expect(throws: HDF5Error.self) { try file.attributes.readInt(named: "name") }
            #expect(wrongType?.kind == .wrongElementType)
            #expect(wrongType?.expected == "integer")
            #expect(wrongType?.found == "string")

            let notSingle = #expect(throws: HDF5Error.self) { try file.attributes.readDouble(named: "pair") }
            #expect(notSingle?.kind == .wrongShape)
            #expect(notSingle?.found == "[2]")
        }
    }
}
