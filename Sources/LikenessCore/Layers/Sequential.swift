/// Layers applied in order, each under a name that prefixes its parameters
/// (`conv1.weight`, `dense.bias`), as the model archive stores them.
public final class Sequential: Layer {
    public private(set) var layers: [(name: String, layer: any Layer)]

    public init(_ layers: [(name: String, layer: any Layer)]) {
        precondition(Set(layers.map(\.name)).count == layers.count, "duplicate layer names in \(layers.map(\.name))")
        precondition(layers.allSatisfy { !$0.name.isEmpty && !$0.name.contains(".") }, "layer names must be non-empty and dot-free: \(layers.map(\.name))")
        self.layers = layers
    }

    /// The arithmetic of every convolution's oneDNN kernels, nested networks' included (`Conv2d.precision`).
    public func setPrecision(_ precision: Precision) {
        for (_, layer) in layers {
            if let convolution = layer as? Conv2d { convolution.precision = precision }
            if let network = layer as? Sequential { network.setPrecision(precision) }
        }
    }

    /// The layer under `name`, if any.
    public subscript(name: String) -> (any Layer)? { layers.first { $0.name == name }?.layer }

    public var parameters: [(name: String, parameter: Parameter)] {
        layers.flatMap { l in l.layer.parameters.map { ("\(l.name).\($0.name)", $0.parameter) } }
    }

    public var buffers: [(name: String, tensor: Tensor)] {
        layers.flatMap { l in l.layer.buffers.map { ("\(l.name).\($0.name)", $0.tensor) } }
    }

    public func setBuffer(_ name: String, to tensor: Tensor) {
        guard let dot = name.firstIndex(of: "."), let layer = self[String(name[..<dot])] else {
            preconditionFailure("Sequential has no buffer named \(name)")
        }
        layer.setBuffer(String(name[name.index(after: dot)...]), to: tensor)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        layers.reduce(inputShape) { $1.layer.outputShape(for: $0) }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.layer.forward($0, training: training) }
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        var g = dy
        for (i, l) in layers.enumerated().reversed() {
            let needsInput = i > 0 || inputGradient
            guard let next = l.layer.backward(g, inputGradient: needsInput) else { return nil }
            g = next
        }
        return g
    }

    /// Zeroes the gradient of every parameter.
    public func zeroGradients() {
        for (_, p) in parameters { p.zeroGradient() }
    }
}

extension Sequential {
    /// The parameters' values and the buffers, by name: everything a model archive stores and a
    /// best epoch keeps.
    package var weightEntries: [(name: String, tensor: Tensor)] {
        parameters.map { ($0.name, $0.parameter.value) } + buffers
    }
}
