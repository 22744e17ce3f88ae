/// A weight of one network that another cannot take: missing, or of another shape.
public struct WeightTransferError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The weight's name (`conv1.weight`).
    public var name: String
    /// Its shape in the network receiving it.
    public var expected: [Int]
    /// Its shape in the source network, nil when the source lacks it.
    public var found: [Int]?

    public init(name: String, expected: [Int], found: [Int]?) {
        self.name = name
        self.expected = expected
        self.found = found
    }

    public var description: String {
        "weight \(name): expected shape \(expected), found " + (found.map { "\($0)" } ?? "none")
    }
}

extension Sequential {
    /// Sets the parameters and buffers of the layers named `layerNames` to `source`'s (same
    /// names): supervised training starting from a pre-trained backbone (`likeness train --init`).
    ///
    /// - Throws: `WeightTransferError` for a weight `source` lacks or holds in another shape;
    ///   nothing is changed then.
    public func copyWeights(from source: Sequential, layers layerNames: Set<String>) throws(WeightTransferError) {
        let theirs = Dictionary(source.weightEntries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let wanted = { (name: String) in name.split(separator: ".").first.map { layerNames.contains(String($0)) } ?? false }
        var parameters: [(Parameter, Tensor)] = [], buffers: [(String, Tensor)] = []
        for (name, parameter) in self.parameters where wanted(name) {
            guard let value = theirs[name], value.shape == parameter.value.shape else {
                throw WeightTransferError(name: name, expected: parameter.value.shape, found: theirs[name]?.shape)
            }
            parameters.append((parameter, value))
        }
        for (name, tensor) in self.buffers where wanted(name) {
            guard let value = theirs[name], value.shape == tensor.shape else {
                throw WeightTransferError(name: name, expected: tensor.shape, found: theirs[name]?.shape)
            }
            buffers.append((name, value))
        }
        for (parameter, value) in parameters { parameter.value = value }
        for (name, value) in buffers { setBuffer(name, to: value) }
    }
}
