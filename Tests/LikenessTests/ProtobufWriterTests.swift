import Likeness
import LikenessInterop
import Testing

/// The wire format against the encodings the protocol-buffer documentation gives
/// (protobuf.dev, "Encoding"), and ONNX's nesting of a model's parts.
@Suite struct ProtobufWriterTests {
    @Test func fieldsAreEncodedAsTheDocumentationShows() {
        var w = ProtobufWriter()
        w.int(1, 150)
        #expect(w.bytes == [0x08, 0x96, 0x01])

        w = ProtobufWriter()
        w.string(2, "testing")
        #expect(w.bytes == [0x12, 0x07] + Array("testing".utf8))

        w = ProtobufWriter()
        w.packedInts(4, [3, 270, 86942])
        #expect(w.bytes == [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])

        // A negative int64 takes ten bytes: its 64-bit two's complement.
        w = ProtobufWriter()
        w.int(1, -1)
        #expect(w.bytes == [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])

        // A float is a little-endian 32-bit word (wire type 5).
        w = ProtobufWriter()
        w.float(2, 1)
        #expect(w.bytes == [0x15, 0x00, 0x00, 0x80, 0x3F])

        // A nested message: its tag, its length, its fields (Test3 { c: Test1 { a: 150 } }).
        w = ProtobufWriter()
        w.message(3) { $0.int(1, 150) }
        #expect(w.bytes == [0x1A, 0x03, 0x08, 0x96, 0x01])
    }

    @Test func anONNXTensorCarriesItsValuesAsRawLittleEndianFloats() {
        let tensor = ONNXTensor(name: "w", shape: [2], values: [1, -2])
        var graph = ONNXGraph(name: "g")
        graph.initializers = [tensor]
        var w = ProtobufWriter()
        graph.encode(into: &w)
        // Graph field 5 (initializer) holding: dims 2, data_type FLOAT, name "w", raw_data 8 bytes; then field 2, the name.
        let initializer: [UInt8] = [0x08, 0x02, 0x10, 0x01, 0x42, 0x01, 0x77, 0x4A, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]
        #expect(w.bytes == [0x12, 0x01, 0x67] + [0x2A, UInt8(initializer.count)] + initializer)
    }
}
