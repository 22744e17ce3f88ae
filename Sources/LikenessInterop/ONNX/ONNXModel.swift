/// ONNX's messages, as much of them as Likeness writes, encoded with the field numbers of
/// onnx.proto (ONNX 1.8 and later: IR version 7, operator set 13).
package struct ONNXModel {
    /// IR version 7 is what operator set 13 came with: every runtime since ONNX 1.8 reads it.
    package static let irVersion = 7
    package static let operatorSet = 13

    package var graph: ONNXGraph
    package var producerVersion: String
    package var documentation: String
    /// `metadata_props`: free-form key–value pairs a runtime hands to its user.
    package var metadata: [(key: String, value: String)]

    /// The serialised `ModelProto`.
    package var bytes: [UInt8] {
        var w = ProtobufWriter()
        w.int(1, Self.irVersion)
        w.string(2, "likeness")
        w.string(3, producerVersion)
        w.string(6, documentation)
        w.message(7) { graph.encode(into: &$0) }
        w.message(8) { opset in
            opset.string(1, "")
            opset.int(2, Self.operatorSet)
        }
        for (key, value) in metadata {
            w.message(14) { entry in
                entry.string(1, key)
                entry.string(2, value)
            }
        }
        return w.bytes
    }
}

/// A `GraphProto`: nodes in topological order, weights as initialisers, typed inputs and outputs.
package struct ONNXGraph {
    package var name: String
    package var nodes: [ONNXNode] = []
    package var initializers: [ONNXTensor] = []
    package var inputs: [ONNXValue] = []
    package var outputs: [ONNXValue] = []

    package init(name: String) { self.name = name }

    package func encode(into w: inout ProtobufWriter) {
        for node in nodes { w.message(1) { node.encode(into: &$0) } }
        w.string(2, name)
        for tensor in initializers { w.message(5) { tensor.encode(into: &$0) } }
        for value in inputs { w.message(11) { value.encode(into: &$0) } }
        for value in outputs { w.message(12) { value.encode(into: &$0) } }
    }
}

/// A `NodeProto` of the default (ai.onnx) domain.
package struct ONNXNode {
    package var operation: String
    package var name: String
    package var inputs: [String]
    package var outputs: [String]
    package var attributes: [ONNXAttribute] = []

    package func encode(into w: inout ProtobufWriter) {
        for input in inputs { w.string(1, input) }
        for output in outputs { w.string(2, output) }
        w.string(3, name)
        w.string(4, operation)
        for attribute in attributes { w.message(5) { attribute.encode(into: &$0) } }
    }
}

/// An `AttributeProto` of the kinds the exported operators take.
package enum ONNXAttribute {
    case int(String, Int)
    case ints(String, [Int])
    case float(String, Float)

    package func encode(into w: inout ProtobufWriter) {
        // AttributeType: FLOAT 1, INT 2, INTS 7.
        switch self {
        case .float(let name, let value):
            w.string(1, name); w.float(2, value); w.int(20, 1)
        case .int(let name, let value):
            w.string(1, name); w.int(3, value); w.int(20, 2)
        case .ints(let name, let values):
            w.string(1, name)
            for v in values { w.int(8, v) }
            w.int(20, 7)
        }
    }
}

/// A float32 `TensorProto` (an initialiser), its values little-endian in `raw_data`.
package struct ONNXTensor {
    package var name: String
    package var shape: [Int]
    package var values: [Float]

    package init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "tensor \(name) of shape \(shape) with \(values.count) values")
        self.name = name
        self.shape = shape
        self.values = values
    }

    package func encode(into w: inout ProtobufWriter) {
        for d in shape { w.int(1, d) }
        w.int(2, 1)  // DataType FLOAT
        w.string(8, name)
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for v in values {
            let bits = v.bitPattern
            raw += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                    UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
        }
        w.bytes(9, raw)
    }
}

/// A float32 graph input or output (`ValueInfoProto`), each dimension a size or a name (the batch).
package struct ONNXValue {
    package enum Dimension { case size(Int), named(String) }

    package var name: String
    package var shape: [Dimension]
    package var documentation: String

    package func encode(into w: inout ProtobufWriter) {
        w.string(1, name)
        w.message(2) { type in
            type.message(1) { tensor in
                tensor.int(1, 1)  // elem_type FLOAT
                tensor.message(2) { shapeProto in
                    for d in shape {
                        shapeProto.message(1) { dim in
                            switch d {
                            case .size(let n): dim.int(1, n)
                            case .named(let name): dim.string(2, name)
                            }
                        }
                    }
                }
            }
        }
        w.string(3, documentation)
    }
}
