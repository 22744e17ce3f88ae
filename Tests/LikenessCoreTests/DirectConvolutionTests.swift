import LikenessCore
import Testing

/// Both forward passes (oneDNN's direct convolution where it has a kernel, the layer's own
/// product elsewhere) against the definition, summed in Double.
@Suite("Convolution forward passes against the definition")
struct DirectConvolutionTests {
    struct Case: CustomStringConvertible, Sendable {
        let channels: Int, filters: Int, size: Int, stride: Int, padding: Int
        let activation: Activation, pooling: Int?
        var description: String { "\(channels)→\(filters) \(size)² s\(stride) p\(padding) \(activation) pool \(pooling.map(String.init) ?? "none")" }
    }

    static let cases: [Case] = [
        Case(channels: 1, filters: 32, size: 28, stride: 1, padding: 1, activation: .relu, pooling: 2),   // reference conv1
        Case(channels: 32, filters: 64, size: 14, stride: 1, padding: 1, activation: .relu, pooling: 2),  // reference conv2
        Case(channels: 3, filters: 32, size: 32, stride: 1, padding: 1, activation: .relu, pooling: nil), // cifar conv1
        Case(channels: 8, filters: 16, size: 9, stride: 2, padding: 0, activation: .identity, pooling: nil),
        Case(channels: 5, filters: 12, size: 11, stride: 1, padding: 1, activation: .relu, pooling: 3),
    ]

    /// `pool(act(b[o] + Σ_{c,i,j} w[o,c,i,j] · x[n, c, oy·s − p + i, ox·s − p + j]))`, in Double.
    static func definition(_ layer: Conv2d, _ x: Tensor) -> [Double] {
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let k = layer.kernelSize, s = layer.stride, p = layer.padding, cout = layer.outputChannels
        let ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1
        let xs = x.scalars, ws = layer.weight.value.scalars, bs = layer.bias.value.scalars
        var conv = [Double](repeating: 0, count: n * cout * ho * wo)
        for i in 0..<n { for o in 0..<cout { for oy in 0..<ho { for ox in 0..<wo {
            var sum = Double(bs[o])
            for c in 0..<cin { for ky in 0..<k { for kx in 0..<k {
                let y = oy * s - p + ky, xx = ox * s - p + kx
                guard y >= 0 && y < h && xx >= 0 && xx < w else { continue }
                sum += Double(ws[((o * cin + c) * k + ky) * k + kx]) * Double(xs[((i * cin + c) * h + y) * w + xx])
            } } }
            conv[((i * cout + o) * ho + oy) * wo + ox] = layer.activation == .relu ? max(sum, 0) : sum
        } } } }
        guard let q = layer.pooling else { return conv }
        let hp = ho / q, wp = wo / q
        var pooled = [Double](repeating: 0, count: n * cout * hp * wp)
        for plane in 0..<(n * cout) { for py in 0..<hp { for px in 0..<wp {
            var m = -Double.infinity
            for dy in 0..<q { for dx in 0..<q { m = max(m, conv[(plane * ho + py * q + dy) * wo + px * q + dx]) } }
            pooled[(plane * hp + py) * wp + px] = m
        } } }
        return pooled
    }

    /// Batches of 1, of fewer images than a oneDNN call takes, and of several calls per thread
    /// with a remainder; on one thread and two.
    @Test(arguments: cases, [1, 5, 37])
    func bothPassesEqualTheDefinition(_ c: Case, batch: Int) {
        var rng = SeededGenerator(seed: 3)
        let layer = Conv2d(inputChannels: c.channels, outputChannels: c.filters, kernelSize: 3, stride: c.stride, padding: c.padding,
                           activation: c.activation, pooling: c.pooling, rng: &rng)
        layer.bias.value = .randomNormal(shape: [c.filters], std: 0.1, using: &rng)
        let x = Tensor.randomNormal(shape: [batch, c.channels, c.size, c.size], using: &rng)
        let expected = Self.definition(layer, x)
        for threads in [1, 2] {
            for training in [false, true] {
                let y = Parallel.withThreadCount(threads) { layer.forward(x, training: training) }
                #expect(y.count == expected.count, "\(c)")
                let worst = zip(y.scalars, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
                #expect(worst <= 1e-5, "\(c), batch \(batch), \(threads) threads, training \(training): largest difference \(worst)")
            }
        }
    }

    /// `x` rounded to the nearest bfloat16 (ties to even), as oneDNN's reorders round.
    static func bfloat16(_ x: Tensor) -> Tensor {
        Tensor(shape: x.shape, scalars: x.scalars.map { v in
            let bits = v.bitPattern
            return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
        })
    }

    /// With `Precision.bfloat16`, oneDNN's kernels round the input, the weights and the output's
    /// gradient to bfloat16 and accumulate in float32: the layer then equals a float32 layer given
    /// those operands already rounded (output, input and weight gradients, to float32 summation
    /// order), and differs from one given them unrounded. The output's gradient is drawn from small
    /// integers, which bfloat16 holds exactly, so that its rounding changes nothing.
    @Test(.enabled(if: Precision.bfloat16.isAvailable, "the processor has no AVX-512 BF16 or AMX"), arguments: [1, 13])
    func bfloat16KernelsRoundTheirOperandsAndAccumulateInFloat32(batch: Int) throws {
        func make() -> Conv2d {
            var rng = SeededGenerator(seed: 5)
            let layer = Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, activation: .relu, pooling: 2, rng: &rng)
            layer.bias.value = .randomNormal(shape: [64], std: 0.1, using: &rng)
            return layer
        }
        var rng = SeededGenerator(seed: 9)
        let x = Tensor.randomNormal(shape: [batch, 32, 14, 14], using: &rng)
        let dy = Tensor(shape: [batch, 64, 7, 7], scalars: (0..<(batch * 64 * 49)).map { _ in Float(Int(rng.next() % 7) - 3) })
        let reduced = make(), rounded = make(), plain = make()
        reduced.precision = .bfloat16
        rounded.weight.value = Self.bfloat16(rounded.weight.value)
        let kernel = try #require(reduced.directKernel(forInput: x.shape, training: true))
        #expect(kernel.contains("bf16"), "\(kernel)")
        func relative(_ a: Tensor, _ b: Tensor) -> Float {
            zip(a.scalars, b.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        }
        for threads in [1, 2] {
            let (y, yRounded, yPlain) = Parallel.withThreadCount(threads) {
                (reduced.forward(x, training: true), rounded.forward(Self.bfloat16(x), training: true), plain.forward(x, training: true))
            }
            #expect(relative(y, yRounded) < 1e-5, "\(threads) threads")
            #expect(relative(y, yPlain) > 1e-4, "the bfloat16 output equals float32's: nothing was rounded")
            for layer in [reduced, rounded] { layer.weight.zeroGradient(); layer.bias.zeroGradient() }
            let (dx, dxRounded) = Parallel.withThreadCount(threads) {
                (reduced.backward(dy, inputGradient: true)!, rounded.backward(dy, inputGradient: true)!)
            }
            #expect(relative(dx, dxRounded) < 1e-5, "input gradient, \(threads) threads")
            #expect(relative(reduced.weight.gradient, rounded.weight.gradient) < 1e-4, "weight gradient, \(threads) threads")
            #expect(relative(reduced.bias.gradient, rounded.bias.gradient) < 1e-5, "bias gradient, \(threads) threads")
        }
    }

    /// The reference network's convolutions have a oneDNN kernel on every processor the project
    /// runs on (AVX2 or AVX-512), so inference never falls back to the product per image; in
    /// training the first layer (one input channel) keeps it, the second takes oneDNN's. The
    /// backward pass of the first layer takes oneDNN's kernel with AVX-512 only.
    @Test func theReferenceNetworksConvolutionsRunOnOneDNNKernels() throws {
        var rng = SeededGenerator(seed: 1)
        let conv1 = Conv2d(inputChannels: 1, outputChannels: 32, kernelSize: 3, padding: 1, activation: .relu, pooling: 2, rng: &rng)
        let conv2 = Conv2d(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, activation: .relu, pooling: 2, rng: &rng)
        for (layer, shape, training) in [(conv1, [128, 1, 28, 28], false), (conv2, [128, 32, 14, 14], false), (conv2, [128, 32, 14, 14], true)] {
            let kernel = try #require(layer.directKernel(forInput: shape, training: training))
            #expect(kernel.hasPrefix("jit") || kernel.hasPrefix("brg"), "\(kernel)")
        }
        #expect(conv1.directKernel(forInput: [128, 1, 28, 28], training: true) == nil)
        #expect(conv2.directGradientKernel(forInput: [128, 32, 14, 14]) != nil)
        let firstBackward = conv1.directGradientKernel(forInput: [128, 1, 28, 28])
        #expect((firstBackward != nil) == Precision.instructionSet.hasPrefix("avx512"), "\(firstBackward ?? "no kernel") on \(Precision.instructionSet)")
    }
}
