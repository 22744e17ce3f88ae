/// Inverted dropout: in training `y = x · m / (1 − p)` with `m ~ Bernoulli(1 − p)` per element;
/// in inference `y = x`.
///
/// The mask is drawn from the layer's own seeded generator, so a run is repeatable.
public final class Dropout: Layer {
    public let probability: Float
    private var rng: SeededGenerator
    private var mask: Tensor?

    public init(probability: Float, seed: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
        self.probability = probability
        self.rng = SeededGenerator(seed: seed)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training, probability > 0 else {
            mask = nil
            return x
        }
        let scale = 1 / (1 - probability), keep = 1 - probability
        var local = rng  // a local copy: no exclusivity check per draw
        let m = Tensor(shape: x.shape) { buf in
            for i in buf.indices { buf[i] = local.nextUniform() < keep ? scale : 0 }
        }
        rng = local
        mask = m
        return Tensor(shape: x.shape) { y in
            x.withUnsafeBufferPointer { xp in m.withUnsafeBufferPointer { mp in
                for i in y.indices { y[i] = xp[i] * mp[i] }
            } }
        }
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard inputGradient else { return nil }
        guard let m = mask else { return dy }
        return Tensor(shape: dy.shape) { dx in
            dy.withUnsafeBufferPointer { g in m.withUnsafeBufferPointer { mp in
                for i in dx.indices { dx[i] = g[i] * mp[i] }
            } }
        }
    }
}
