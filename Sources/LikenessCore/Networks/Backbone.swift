
/// The convolutional feature extractors the toolkit trains, by name.
///
/// Each convolution carries its ReLU, and its max pooling where nothing stands between them
/// (both applied in the convolution's own pass).
///
/// Input `N × C × H × W` with channels and size taken from the data; output `N × F` features.
public enum Backbone: String, Sendable, CaseIterable, Codable {
    /// The seed tutorial's "simple MNIST convnet" (PROTOCOL.md's reference network):
    /// conv 3×3·32 same, ReLU, max-pool 2 → conv 3×3·64 same, ReLU, max-pool 2 → flatten → dropout 0.5.
    case reference
    /// The seed tutorial's CIFAR-10 network: three blocks of two (conv 3×3 same, ReLU, batch norm)
    /// with 32, 64, 128 filters, each block ending in max-pool 2 and dropout (0.3, 0.5, 0.5),
    /// then flatten → dense 128, ReLU, batch norm → dropout 0.5.
    case cifar
    /// The cats-vs-dogs tutorial's small convnet: (conv 3×3, ReLU, batch norm) pairs with
    /// 8, 32 and 128 filters, each pair ending in max-pool 2, then global average pooling.
    case small

    /// The backbone's layers for an input of `channels × height × width`, and their output width.
    public func layers(channels: Int, height: Int, width: Int, rng: inout SeededGenerator)
        -> (layers: [(name: String, layer: any Layer)], featureCount: Int) {
        var layers: [(name: String, layer: any Layer)] = []
        var shape = [1, channels, height, width]
        var dropouts: UInt64 = 0
        func add(_ name: String, _ layer: any Layer) {
            shape = layer.outputShape(for: shape)
            layers.append((name, layer))
        }
        func conv(_ name: String, _ out: Int, pooling: Int? = nil) {
            add(name, Conv2d(inputChannels: shape[1], outputChannels: out, kernelSize: 3, padding: 1,
                             activation: .relu, pooling: pooling, rng: &rng))
        }
        func dropout(_ name: String, _ p: Float) {
            dropouts += 1
            add(name, Dropout(probability: p, seed: rng.next() &+ dropouts))
        }
        switch self {
        case .reference:
            conv("conv1", 32, pooling: 2)
            conv("conv2", 64, pooling: 2)
            add("flatten", Flatten()); dropout("dropout", 0.5)
        case .cifar:
            var k = 0
            for (block, (filters, p)) in [(32, Float(0.3)), (64, 0.5), (128, 0.5)].enumerated() {
                for _ in 0..<2 {
                    k += 1
                    conv("conv\(k)", filters); add("bn\(k)", BatchNorm(featureCount: filters))
                }
                add("pool\(block + 1)", MaxPool2d(kernelSize: 2)); dropout("dropout\(block + 1)", p)
            }
            add("flatten", Flatten())
            add("fc", Linear(inputCount: shape[1], outputCount: 128, activation: .relu, initializer: .heNormal, rng: &rng))
            add("bn_fc", BatchNorm(featureCount: 128)); dropout("dropout_fc", 0.5)
        case .small:
            var k = 0
            for (block, filters) in [8, 32, 128].enumerated() {
                for _ in 0..<2 {
                    k += 1
                    conv("conv\(k)", filters); add("bn\(k)", BatchNorm(featureCount: filters))
                }
                add("pool\(block + 1)", MaxPool2d(kernelSize: 2))
            }
            add("gap", GlobalAveragePool())
        }
        return (layers, shape[1])
    }
}

/// What the network puts on top of the backbone.
public enum Head: Sendable, Equatable, Codable {
    /// `dense (F → d)` then L2-normalisation: unit-length embeddings for triplet training.
    case embedding(dimension: Int)
    /// `dense (F → C)`: logits for a softmax classifier (the softmax is part of the loss).
    case softmax(classCount: Int)
}

/// Builds a network: a backbone and a head, with stable parameter names (`conv1.weight`, `dense.bias`).
public enum Network {
    public static func make(backbone: Backbone, head: Head, channels: Int, height: Int, width: Int, seed: UInt64) -> Sequential {
        var rng = SeededGenerator(seed: seed)
        var (layers, features) = backbone.layers(channels: channels, height: height, width: width, rng: &rng)
        switch head {
        case .embedding(let d):
            precondition(d > 0, "embedding dimension \(d)")
            layers.append(("embedding", Linear(inputCount: features, outputCount: d, rng: &rng)))
            layers.append(("l2norm", L2Normalize()))
        case .softmax(let c):
            precondition(c > 1, "a softmax head needs at least 2 classes, got \(c)")
            layers.append(("dense", Linear(inputCount: features, outputCount: c, rng: &rng)))
        }
        return Sequential(layers)
    }
}
