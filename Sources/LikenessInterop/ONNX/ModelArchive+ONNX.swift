import Foundation
import LikenessCore
import LikenessFiles
import LikenessStorage

/// A layer of a model that the ONNX export has no operator for.
public struct ONNXExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The layer's name in the network (`conv1`).
    public let layer: String
    /// Its type, in Swift's words.
    public let type: String

    public var description: String { "cannot export the layer \(layer) (\(type)) to ONNX: no operator for it" }
}

extension ModelArchive {
    /// The graph's input: `images`, `N × C × H × W` float32 pixels in [0, 1] (as `Dataset.batch`
    /// gives them); the graph normalises them as the model was trained (`(x − mean) / std`).
    public static let onnxInputName = "images"

    /// The graph's outputs: `embeddings` (`N × D`, unit length) for an embedding or projection
    /// head; `logits` and `probabilities` (their softmax, `N × classes`) for a softmax head.
    public var onnxOutputNames: [String] {
        architecture.head.embeddingDimension == nil ? ["logits", "probabilities"] : ["embeddings"]
    }

    /// The network in inference form as an ONNX model (IR 7, operator set 13): Conv, Relu,
    /// MaxPool, BatchNormalization (running statistics), Flatten, GlobalAveragePool, Gemm,
    /// Softmax, and `x / max(‖x‖₂, ε)` as ReduceL2, Max and Div; dropout left out. The batch
    /// dimension is named (`batch`), so any batch size runs. Metadata (`metadata_props`):
    /// `likeness.model_digest` (the weights' digest, `ModelArchive.digest`), `likeness.class_names`
    /// (a JSON array, label order), `likeness.backbone`, `likeness.head`, `likeness.input`.
    ///
    /// - Throws: `ONNXExportError` for a layer without an operator (none of the shipped backbones has one).
    package func onnxModel(producerVersion: String) throws -> ONNXModel {
        let a = architecture
        var builder = ONNXGraphBuilder(input: Self.onnxInputName)
        let input = ONNXValue(name: Self.onnxInputName,
                              shape: [.named("batch"), .size(a.channels), .size(a.height), .size(a.width)],
                              documentation: "float32 pixels in [0, 1], N × C × H × W")

        let normalization = a.normalization
        if normalization != .unitInterval {
            let shape = { (values: [Float]) in [1, values.count, 1, 1] }
            let mean = builder.constant("input_mean", shape: shape(normalization.mean), normalization.mean)
            let std = builder.constant("input_std", shape: shape(normalization.standardDeviation), normalization.standardDeviation)
            builder.add("Sub", "input_centred", with: [mean])
            builder.add("Div", "input_normalised", with: [std])
        }
        for (name, layer) in network.layers { try builder.add(layer, named: name) }

        let outputs: [ONNXValue]
        if case .softmax(let classCount) = a.head {
            builder.renameLast(to: "logits")
            builder.add("Softmax", "probabilities", attributes: [.int("axis", 1)])
            outputs = [
                ONNXValue(name: "logits", shape: [.named("batch"), .size(classCount)], documentation: "logits, in class order"),
                ONNXValue(name: "probabilities", shape: [.named("batch"), .size(classCount)], documentation: "softmax of the logits"),
            ]
        } else {
            builder.renameLast(to: "embeddings")
            let d = a.head.embeddingDimension ?? 0
            outputs = [ONNXValue(name: "embeddings", shape: [.named("batch"), .size(d)], documentation: "unit-length embeddings")]
        }
        var graph = builder.graph
        graph.inputs = [input]
        graph.outputs = outputs

        let classes = String(decoding: try classNamesEncoder.encode(classNames), as: UTF8.self)
        return ONNXModel(
            graph: graph, producerVersion: producerVersion,
            documentation: "Likeness model: the \(a.backbone.rawValue) backbone with \(a.head), for \(a.channels)×\(a.height)×\(a.width) images",
            metadata: [
                ("likeness.model_digest", digest),
                ("likeness.class_names", classes),
                ("likeness.backbone", a.backbone.rawValue),
                ("likeness.head", a.head.description),
                ("likeness.input", "images: N × \(a.channels) × \(a.height) × \(a.width) float32 pixels in [0, 1]; the graph normalises them"),
            ])
    }

    /// The serialised ONNX model (`onnxModel(producerVersion:)`).
    public func onnxData(producerVersion: String) throws -> [UInt8] {
        try onnxModel(producerVersion: producerVersion).bytes
    }

    /// Writes the ONNX model to `path`, replacing a file there only once the whole model is on disk (`AtomicFile`).
    public func writeONNX(to path: String, producerVersion: String) throws {
        try AtomicFile.write(onnxData(producerVersion: producerVersion), to: path)
    }
}

/// JSON without escaped slashes: "T-shirt/top" as it is.
private var classNamesEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    return encoder
}

/// Appends the nodes of a chain of layers, each taking the previous one's output.
private struct ONNXGraphBuilder {
    var graph = ONNXGraph(name: "likeness")
    /// The value the next node takes.
    private var current: String

    init(input: String) { current = input }

    /// A node `operation` named `name` (its output too) on the current value and `extra` inputs.
    mutating func add(_ operation: String, _ name: String, with extra: [String] = [], attributes: [ONNXAttribute] = []) {
        graph.nodes.append(ONNXNode(operation: operation, name: name, inputs: [current] + extra, outputs: [name], attributes: attributes))
        current = name
    }

    /// An initialiser `name` holding `values`.
    mutating func constant(_ name: String, shape: [Int], _ values: [Float]) -> String {
        graph.initializers.append(ONNXTensor(name: name, shape: shape, values: values))
        return name
    }

    mutating func weight(_ name: String, _ tensor: Tensor) -> String {
        constant(name, shape: tensor.shape, tensor.scalars)
    }

    /// Gives the last node's output the graph output's name.
    mutating func renameLast(to name: String) {
        precondition(!graph.nodes.isEmpty, "a graph without nodes")
        graph.nodes[graph.nodes.count - 1].outputs = [name]
        current = name
    }

    mutating func add(_ layer: any Layer, named name: String) throws {
        switch layer {
        case let conv as Conv2d:
            let k = conv.kernelSize, p = conv.padding, s = conv.stride
            add("Conv", name, with: [weight(name + ".weight", conv.weight.value), weight(name + ".bias", conv.bias.value)],
                attributes: [.ints("kernel_shape", [k, k]), .ints("pads", [p, p, p, p]), .ints("strides", [s, s])])
            if conv.activation == .relu { add("Relu", name + ".relu") }
            if let pooling = conv.pooling { maxPool(name + ".pool", kernel: pooling, stride: pooling) }
        case let linear as Linear:
            add("Gemm", name, with: [weight(name + ".weight", linear.weight.value), weight(name + ".bias", linear.bias.value)],
                attributes: [.int("transB", 1)])
            if linear.activation == .relu { add("Relu", name + ".relu") }
        case let norm as BatchNorm:
            add("BatchNormalization", name,
                with: [weight(name + ".weight", norm.weight.value), weight(name + ".bias", norm.bias.value),
                       weight(name + ".running_mean", norm.runningMean), weight(name + ".running_var", norm.runningVariance)],
                attributes: [.float("epsilon", norm.epsilon)])
        case let pool as MaxPool2d:
            maxPool(name, kernel: pool.kernelSize, stride: pool.stride)
        case is GlobalAveragePool:
            add("GlobalAveragePool", name)
            add("Flatten", name + ".flatten", attributes: [.int("axis", 1)])
        case is Flatten:
            add("Flatten", name, attributes: [.int("axis", 1)])
        case is ReLU:
            add("Relu", name)
        case is Dropout:
            break  // the identity in inference
        case let l2 as L2Normalize:
            let x = current
            add("ReduceL2", name + ".norm", attributes: [.ints("axes", [1]), .int("keepdims", 1)])
            add("Max", name + ".clamped", with: [constant(name + ".epsilon", shape: [], [l2.epsilon])])
            graph.nodes.append(ONNXNode(operation: "Div", name: name, inputs: [x, current], outputs: [name]))
            current = name
        default:
            throw ONNXExportError(layer: name, type: String(describing: type(of: layer)))
        }
    }

    private mutating func maxPool(_ name: String, kernel: Int, stride: Int) {
        add("MaxPool", name, attributes: [.ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride])])
    }
}
