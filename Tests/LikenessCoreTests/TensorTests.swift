import LikenessCore
import Testing

@Suite("Tensor")
struct TensorTests {
    @Test func copyOnWrite() {
        let a = Tensor(shape: [2, 3], scalars: (0..<6).map(Float.init))
        var b = a
        b[1, 2] = 42
        #expect(a[1, 2] == 5)
        #expect(b[1, 2] == 42)
        #expect(a.scalars == [0, 1, 2, 3, 4, 5])
    }

    @Test func rowMajorIndexing() {
        let t = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))
        #expect(t[1, 2, 3] == 23)
        #expect(t[0, 1, 0] == 4)
        #expect(t.reshaped([6, 4])[5, 3] == 23)
    }

    @Test func seededDrawsRepeat() {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5), c = SeededGenerator(seed: 6)
        let x = Tensor.randomNormal(shape: [100], using: &a)
        #expect(x == Tensor.randomNormal(shape: [100], using: &b))
        #expect(x != Tensor.randomNormal(shape: [100], using: &c))
        let mean = x.scalars.reduce(0, +) / 100
        #expect(abs(mean) < 0.3)
    }

    @Test func chunksCoverTheRangeOnce() {
        for count in [1, 7, 128] {
            for parts in 1...5 where parts <= count {
                let ranges = (0..<parts).map { Parallel.chunk($0, of: parts, count: count) }
                #expect(ranges.flatMap { Array($0) } == Array(0..<count))
                #expect(ranges.map(\.count).max()! - ranges.map(\.count).min()! <= 1)
            }
        }
    }
}

@Suite("GEMM")
struct GEMMTests {
    func naive(_ ta: Bool, _ tb: Bool, _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Double = 0
            for p in 0..<k {
                let x = ta ? a[p * m + i] : a[i * k + p]
                let y = tb ? b[j * k + p] : b[p * n + j]
                s += Double(x) * Double(y)
            }
            c[i * n + j] = Float(s)
        } }
        return c
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesNaiveProduct(ta: Bool, tb: Bool) {
        let (m, n, k) = (13, 17, 29)
        var rng = SeededGenerator(seed: 8)
        let a = Tensor.randomNormal(shape: [m * k], using: &rng).scalars
        let b = Tensor.randomNormal(shape: [k * n], using: &rng).scalars
        var c = [Float](repeating: 1, count: m * n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            GEMM.multiply(ta ? .transposed : .none, tb ? .transposed : .none, m: m, n: n, k: k,
                          alpha: 2, a: ap.baseAddress!, b: bp.baseAddress!, beta: 0.5, c: cp.baseAddress!)
        } } }
        let expected = naive(ta, tb, a, b, m: m, n: n, k: k).map { 2 * $0 + 0.5 }
        for (x, y) in zip(c, expected) { #expect(abs(x - y) < 1e-3 * max(1, abs(y))) }
    }
}

@Suite("Convolution kernels")
struct ConvolutionTests {
    /// The definition, loop by loop.
    func directConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor, stride: Int, padding: Int) -> Tensor {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, k) = (w.shape[0], w.shape[2])
        let ho = (h + 2 * padding - k) / stride + 1, wo = (wd + 2 * padding - k) / stride + 1
        var y = Tensor(shape: [n, cout, ho, wo])
        for i in 0..<n { for o in 0..<cout { for oy in 0..<ho { for ox in 0..<wo {
            var s = b[o]
            for c in 0..<cin { for ki in 0..<k { for kj in 0..<k {
                let iy = oy * stride - padding + ki, ix = ox * stride - padding + kj
                if iy >= 0 && iy < h && ix >= 0 && ix < wd { s += w[o, c, ki, kj] * x[i, c, iy, ix] }
            } } }
            y[i, o, oy, ox] = s
        } } } }
        return y
    }

    @Test(arguments: [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 0, 2), (1, 2, 5)])
    func im2colConvolutionMatchesDefinition(stride: Int, padding: Int, kernel: Int) {
        var rng = SeededGenerator(seed: 12)
        let conv = Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: kernel, stride: stride, padding: padding, rng: &rng)
        conv.bias.value = .randomNormal(shape: [4], using: &rng)
        let x = Tensor.randomNormal(shape: [3, 3, 9, 8], using: &rng)
        let y = conv.forward(x, training: false)
        let expected = directConvolution(x, conv.weight.value, conv.bias.value, stride: stride, padding: padding)
        #expect(y.shape == expected.shape)
        for i in 0..<y.count { #expect(abs(y[flat: i] - expected[flat: i]) < 1e-4) }
    }

    /// The fused post-operations equal the separate layers, forward and backward, exactly.
    @Test(arguments: [2, 3])
    func fusedActivationAndPoolingEqualSeparateLayers(pool: Int) {
        var rng = SeededGenerator(seed: 5)
        let fused = Conv2d(inputChannels: 2, outputChannels: 4, kernelSize: 3, padding: 1, activation: .relu, pooling: pool, rng: &rng)
        let plain = Conv2d(inputChannels: 2, outputChannels: 4, kernelSize: 3, padding: 1, rng: &rng)
        plain.weight.value = fused.weight.value
        plain.bias.value = .randomNormal(shape: [4], std: 0.1, using: &rng)
        fused.bias.value = plain.bias.value
        let separate = Sequential([("conv", plain), ("relu", ReLU()), ("pool", MaxPool2d(kernelSize: pool))])
        let x = Tensor.randomNormal(shape: [3, 2, 9, 8], using: &rng)
        let y1 = fused.forward(x, training: true), y2 = separate.forward(x, training: true)
        #expect(y1 == y2)
        let dy = Tensor.randomNormal(shape: y1.shape, using: &rng)
        let dx1 = fused.backward(dy, inputGradient: true)!, dx2 = separate.backward(dy, inputGradient: true)!
        for i in 0..<dx1.count { #expect(abs(dx1[flat: i] - dx2[flat: i]) < 1e-5) }
        for i in 0..<fused.weight.gradient.count {
            #expect(abs(fused.weight.gradient[flat: i] - plain.weight.gradient[flat: i]) < 1e-4)
        }
        #expect(zip(fused.bias.gradient.scalars, plain.bias.gradient.scalars).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test func resultsDoNotDependOnThreadCount() {
        func run(threads: Int) -> (Tensor, Tensor) {
            Parallel.withThreadCount(threads) { convolution() }
        }
        func convolution() -> (Tensor, Tensor) {
            var rng = SeededGenerator(seed: 3)
            let conv = Conv2d(inputChannels: 2, outputChannels: 5, kernelSize: 3, padding: 1, activation: .relu, rng: &rng)
            let x = Tensor.randomNormal(shape: [6, 2, 7, 7], using: &rng)
            let y = conv.forward(x, training: true)
            _ = conv.backward(Tensor(shape: y.shape, repeating: 1), inputGradient: true)
            return (y, conv.weight.gradient)
        }
        let (y1, g1) = run(threads: 1), (y3, g3) = run(threads: 3)
        #expect(y1 == y3)
        for i in 0..<g1.count { #expect(abs(g1[flat: i] - g3[flat: i]) < 1e-4 * max(1, abs(g1[flat: i]))) }
    }
}

@Suite("Thread count")
struct ThreadCountTests {
    /// A scoped count holds inside its task only: the process-wide one is untouched, so tests
    /// that vary it cannot change the arithmetic of tests running beside them.
    @Test func aScopedThreadCountLeavesTheProcessWideOneAlone() {
        let global = Parallel.threadCount
        Parallel.withThreadCount(global + 2) {
            #expect(Parallel.threadCount == global + 2)
            Parallel.withThreadCount(1) { #expect(Parallel.threadCount == 1) }
            #expect(Parallel.threadCount == global + 2)
        }
        #expect(Parallel.threadCount == global)
    }
}
