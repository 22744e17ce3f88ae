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

    /// The backbone's layers, named and in order, as shapes without weights: what `layers`
    /// builds and what the sizes of a network are computed from without building it.
    package var spec: [(name: String, layer: BackboneLayer)] {
        var spec: [(name: String, layer: BackboneLayer)] = []
        func add(_ name: String, _ layer: BackboneLayer) { spec.append((name, layer)) }
        switch self {
        case .reference:
            add("conv1", .convolution(filters: 32, pooling: 2))
            add("conv2", .convolution(filters: 64, pooling: 2))
            add("flatten", .flatten); add("dropout", .dropout(0.5))
        case .cifar:
            var k = 0
            for (block, (filters, p)) in [(32, Float(0.3)), (64, 0.5), (128, 0.5)].enumerated() {
                for _ in 0..<2 {
                    k += 1
                    add("conv\(k)", .convolution(filters: filters, pooling: nil)); add("bn\(k)", .batchNorm)
                }
                add("pool\(block + 1)", .maxPool(2)); add("dropout\(block + 1)", .dropout(p))
            }
            add("flatten", .flatten)
            add("fc", .dense(outputCount: 128))
            add("bn_fc", .batchNorm); add("dropout_fc", .dropout(0.5))
        case .small:
            var k = 0
            for (block, filters) in [8, 32, 128].enumerated() {
                for _ in 0..<2 {
                    k += 1
                    add("conv\(k)", .convolution(filters: filters, pooling: nil)); add("bn\(k)", .batchNorm)
                }
                add("pool\(block + 1)", .maxPool(2))
            }
            add("gap", .globalAveragePool)
        }
        return spec
    }

    /// The names of the backbone's layers (`conv1`, `fc`): what a network takes from a
    /// pre-trained one of the same backbone (`Sequential.copyWeights(from:layers:)`).
    public var layerNames: Set<String> { Set(spec.map(\.name)) }

    /// The backbone's layers for an input of `channels × height × width`, and their output width.
    public func layers(channels: Int, height: Int, width: Int, rng: inout SeededGenerator)
        -> (layers: [(name: String, layer: any Layer)], featureCount: Int) {
        var layers: [(name: String, layer: any Layer)] = []
        var shape = [1, channels, height, width]
        var dropouts: UInt64 = 0
        for (name, spec) in spec {
            let layer: any Layer
            switch spec {
            case .convolution(let filters, let pooling):
                layer = Conv2d(inputChannels: shape[1], outputChannels: filters, kernelSize: 3, padding: 1,
                               activation: .relu, pooling: pooling, rng: &rng)
            case .batchNorm:
                layer = BatchNorm(featureCount: shape[1])
            case .maxPool(let size):
                layer = MaxPool2d(kernelSize: size)
            case .dropout(let p):
                dropouts += 1
                layer = Dropout(probability: p, seed: rng.next() &+ dropouts)
            case .flatten:
                layer = Flatten()
            case .dense(let outputCount):
                layer = Linear(inputCount: shape[1], outputCount: outputCount, activation: .relu, initializer: .heNormal, rng: &rng)
            case .globalAveragePool:
                layer = GlobalAveragePool()
            }
            shape = layer.outputShape(for: shape)
            layers.append((name, layer))
        }
        return (layers, shape[1])
    }
}
