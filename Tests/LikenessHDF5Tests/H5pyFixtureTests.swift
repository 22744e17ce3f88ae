import LikenessHDF5
import Testing

extension HDF5Tests {
    /// Reads Fixtures/h5py_written.h5, written by h5py (Fixtures/make_h5py_fixture.py), in the
    /// layouts other tools produce: byte order, compression, fixed-length and ASCII strings.
    @Suite struct H5pyFixtureTests {
        let file: HDF5File

        init() throws {
            file = try HDF5File(openingAt: try fixturePath("h5py_written.h5"))
        }

        @Test func numbersInOtherByteOrdersAndCompressedChunks() throws {
            let bigEndian = try file.dataset(at: "big_endian_float32")
            #expect(try bigEndian.elementType == .float32)
            #expect(try bigEndian.read(as: Float.self, expectingShape: [2, 3]) == [0, 0.25, 0.5, 0.75, 1, 1.25])
            let gzip = try file.dataset(at: "gzip_int32")
            #expect(try gzip.chunkShape == [4, 10])
            #expect(try gzip.maximumShape == [nil, 10])
            #expect(try gzip.read(as: Int32.self) == Array(-50..<50))
            #expect(try gzip.read(as: Int32.self, rows: 3..<5) == Array(-20..<0))
            #expect(try file.dataset(at: "float64").read(as: Double.self) == [1e-300, -2.5, 1e300])
            #expect(try file.dataset(at: "int64").read(as: Int64.self) == [-(1 << 62), 0, 1 << 62])
            #expect(try file.dataset(at: "uint8").read(as: UInt8.self, expectingShape: [2, 2]) == [0, 127, 128, 255])
        }

        @Test func fixedLengthAsciiAndUTF8Strings() throws {
            #expect(try file.dataset(at: "fixed_strings").readStrings() == ["ab", "hello", ""])
            #expect(try file.dataset(at: "ascii_strings").readStrings() == ["x", "yz"])
            #expect(try file.dataset(at: "utf8_strings").readStrings() == ["é", "日本", ""])
        }

        @Test func attributesAsH5pyWritesThem() throws {
            let attributes = file.attributes
            #expect(try attributes.names() == ["count", "fixed", "matrix", "names", "scale", "small", "title", "vector"])
            #expect(try attributes.readString(named: "title") == "Ünïcode title")
            #expect(try attributes.readString(named: "fixed") == "fixed text")
            #expect(try attributes.readInt(named: "count") == 42)
            #expect(try attributes.readInt(named: "small") == -7)
            #expect(try attributes.readDouble(named: "scale") == 0.125)
            #expect(try attributes.readFloats(named: "vector") == [0.5, 1.5, -2])
            #expect(try attributes.readStrings(named: "names") == ["alpha", "β"])
            let matrix = #expect(throws: HDF5Error.self) { try attributes.readFloats(named: "matrix") }
            #expect(matrix?.kind == .wrongShape)
            #expect(matrix?.found == "[2, 2]")
            let group = try file.group(at: "group/nested")
            #expect(try group.attributes.readString(named: "note") == "inside")
            #expect(try group.dataset(at: "values").read(as: Int32.self) == [3, 1, 2])
        }
    }
}
