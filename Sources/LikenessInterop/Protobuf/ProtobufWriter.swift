/// The protocol-buffer wire format, for writing: fields appended in the order given, each as its
/// tag (`field << 3 | wire type`) then its value — a varint, a 32-bit little-endian word, or a
/// length-delimited run of bytes (strings, bytes, nested messages, packed repeated numbers).
///
/// Enough for the messages Likeness writes (ONNX's `ModelProto`); no reflection, no schema.
package struct ProtobufWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    private enum WireType: UInt64 {
        case varint = 0, fixed32 = 5, lengthDelimited = 2
    }

    private mutating func tag(_ field: Int, _ type: WireType) {
        precondition(field > 0 && field < 1 << 29, "protobuf field number \(field)")
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// Base-128 varint: seven bits per byte, least significant group first, the high bit set on
    /// every byte but the last.
    package mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// An `int64`, `int32` or enum field: negative values as their 64-bit two's complement (ten bytes).
    package mutating func int(_ field: Int, _ value: Int) {
        tag(field, .varint)
        varint(UInt64(bitPattern: Int64(value)))
    }

    /// A `float` field: the IEEE 754 bits, little-endian.
    package mutating func float(_ field: Int, _ value: Float) {
        tag(field, .fixed32)
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }

    /// A `bytes` field.
    package mutating func bytes(_ field: Int, _ value: some Collection<UInt8>) {
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field, UTF-8.
    package mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// A packed `repeated int64` field (proto3's default encoding for repeated numbers).
    package mutating func packedInts(_ field: Int, _ values: [Int]) {
        var packed = ProtobufWriter()
        for v in values { packed.varint(UInt64(bitPattern: Int64(v))) }
        bytes(field, packed.bytes)
    }

    /// A nested message field, its fields written by `body`.
    package mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        bytes(field, nested.bytes)
    }
}
