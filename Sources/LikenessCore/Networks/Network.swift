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
        case .projection(let hidden, let d):
            precondition(hidden > 0 && d > 0, "projection head \(hidden) → \(d)")
            layers.append(("projection1", Linear(inputCount: features, outputCount: hidden, rng: &rng)))
            layers.append(("projection_bn", BatchNorm(featureCount: hidden)))
            layers.append(("projection_relu", ReLU()))
            layers.append(("projection2", Linear(inputCount: hidden, outputCount: d, rng: &rng)))
            layers.append(("l2norm", L2Normalize()))
        case .softmax(let c):
            precondition(c > 1, "a softmax head needs at least 2 classes, got \(c)")
            layers.append(("dense", Linear(inputCount: features, outputCount: c, rng: &rng)))
        }
        return Sequential(layers)
    }
}
