/// Inverted dropout: in training `y = x · m / (1 − p)` with `m ~ Bernoulli(1 − p)` per element;
/// in inference `y = x`.
///
/// The mask is drawn from the layer's own seeded generator, so a run is repeatable.
public final class Dropout: Layer {
    public let probability: Float
    private var rng: SeededGenerator
    private var mask: Tensor?

    /// The generator the next masks are drawn from; saved and restored by checkpoints so that a
    /// resumed run draws the masks an uninterrupted one would have drawn.
    public var generator: SeededGenerator {
        get { rng }
        set { rng = newValue }
    }

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
        // One generator per block of elements, derived from this call's draw: the mask depends on
        // the seed and the call, not on how many threads fill it.
        let callSeed = rng.next()
        let block = 1 << 14
        let m = Tensor(shape: x.shape) { buf in
            Parallel.forEachChunk((buf.count + block - 1) / block) { blocks in
                for b in blocks {
                    var local = SeededGenerator(seed: callSeed &+ UInt64(b) &* 0x9E37_79B9_7F4A_7C15)
                    for i in (b * block)..<min((b + 1) * block, buf.count) {
                        buf[i] = local.nextUniform() < keep ? scale : 0
                    }
                }
            }
        }
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
