import LikenessCore
import Testing

@Suite("Finite-difference gradients of every layer")
struct LayerGradientTests {
    func input(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return .randomNormal(shape: shape, using: &rng)
    }

    @Test(arguments: [(1, 0), (2, 1), (1, 1)])
    func conv2d(stride: Int, padding: Int) {
        GradientCheck().check("Conv2d s\(stride) p\(padding)", input: input([2, 3, 6, 5])) {
            var rng = SeededGenerator(seed: 7)
            return Conv2d(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: stride, padding: padding, rng: &rng)
        }
    }

    @Test func conv2dPointwise() {
        GradientCheck().check("Conv2d 1×1", input: input([2, 3, 4, 4])) {
            var rng = SeededGenerator(seed: 7)
            return Conv2d(inputChannels: 3, outputChannels: 5, kernelSize: 1, rng: &rng)
        }
    }

    @Test func conv2dWithReLU() {
        GradientCheck(step: 1e-3).check("Conv2d+ReLU", input: input([2, 2, 5, 5], seed: 3)) {
            var rng = SeededGenerator(seed: 11)
            return Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, activation: .relu, rng: &rng)
        }
    }

    @Test(arguments: [Activation.identity, .relu])
    func conv2dWithPooling(activation: Activation) {
        GradientCheck(step: 1e-3).check("Conv2d+\(activation)+pool", input: input([2, 2, 6, 6], seed: 4)) {
            var rng = SeededGenerator(seed: 13)
            return Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, activation: activation, pooling: 2, rng: &rng)
        }
    }

    /// Eight input channels or more take oneDNN's backward kernels: 21 images make, on two
    /// threads, calls of 8 images and of the remainders 3 and 2.
    @Test(arguments: [(Activation.relu, 2, 1, 1), (.identity, nil, 2, 0)] as [(Activation, Int?, Int, Int)], [3, 21])
    func conv2dOfEightChannels(_ setting: (activation: Activation, pooling: Int?, stride: Int, padding: Int), batch: Int) {
        GradientCheck(step: 1e-3).check("Conv2d 8→6 \(setting) batch \(batch)", input: input([batch, 8, 6, 6], seed: 5)) {
            var rng = SeededGenerator(seed: 17)
            let layer = Conv2d(inputChannels: 8, outputChannels: 6, kernelSize: 3, stride: setting.stride, padding: setting.padding,
                               activation: setting.activation, pooling: setting.pooling, rng: &rng)
            layer.bias.value = .randomNormal(shape: [6], std: 0.1, using: &rng)
            return layer
        }
    }

    @Test(arguments: [(2, 2), (3, 2), (2, 1)])
    func maxPool(kernel: Int, stride: Int) {
        GradientCheck(step: 1e-3).check("MaxPool2d k\(kernel) s\(stride)", input: input([2, 3, 7, 6])) {
            MaxPool2d(kernelSize: kernel, stride: stride)
        }
    }

    /// (stride, padding, output padding): DCGAN's doubling k4 s2 p1, an odd kernel with output
    /// padding (k3 s2 p1 op1 also doubles), and stride 1.
    @Test(arguments: [(2, 1, 0), (2, 1, 1), (1, 0, 0), (3, 2, 2)])
    func convTranspose2d(stride: Int, padding: Int, outputPadding: Int) {
        let kernel = stride == 2 && outputPadding == 0 ? 4 : 3
        GradientCheck().check("ConvTranspose2d k\(kernel) s\(stride) p\(padding) op\(outputPadding)", input: input([2, 3, 4, 3])) {
            var rng = SeededGenerator(seed: 7)
            return ConvTranspose2d(inputChannels: 3, outputChannels: 2, kernelSize: kernel, stride: stride, padding: padding,
                                   outputPadding: outputPadding, rng: &rng)
        }
    }

    @Test func convTranspose2dOutputShape() {
        var rng = SeededGenerator(seed: 7)
        let doubling = ConvTranspose2d(inputChannels: 4, outputChannels: 2, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
        #expect(doubling.outputShape(for: [3, 4, 7, 8]) == [3, 2, 14, 16])
        #expect(doubling.forward(input([3, 4, 7, 8]), training: false).shape == [3, 2, 14, 16])
        let padded = ConvTranspose2d(inputChannels: 4, outputChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng)
        #expect(padded.outputShape(for: [1, 4, 5, 5]) == [1, 2, 10, 10])
    }

    @Test func leakyReLU() {
        GradientCheck(step: 1e-3).check("LeakyReLU", input: input([4, 10])) { LeakyReLU(negativeSlope: 0.2) }
    }

    @Test func tanh() {
        GradientCheck(step: 1e-3).check("Tanh", input: input([4, 10])) { Tanh() }
    }

    @Test func globalAveragePool() {
        GradientCheck().check("GlobalAveragePool", input: input([3, 4, 3, 5])) { GlobalAveragePool() }
    }

    @Test func relu() {
        GradientCheck(step: 1e-3).check("ReLU", input: input([4, 10])) { ReLU() }
    }

    @Test(arguments: [Activation.identity, .relu])
    func linear(activation: Activation) {
        GradientCheck(step: 1e-3).check("Linear \(activation)", input: input([5, 7])) {
            var rng = SeededGenerator(seed: 5)
            return Linear(inputCount: 7, outputCount: 4, activation: activation, rng: &rng)
        }
    }

    @Test func dropout() {
        GradientCheck().check("Dropout", input: input([4, 12])) { Dropout(probability: 0.4, seed: 3) }
    }

    @Test func unflatten() {
        GradientCheck().check("Unflatten", input: input([2, 12])) { Unflatten(exampleShape: [3, 2, 2]) }
        #expect(Unflatten(exampleShape: [3, 2, 2]).forward(input([2, 12]), training: false).shape == [2, 3, 2, 2])
    }

    @Test func flatten() {
        GradientCheck().check("Flatten", input: input([2, 3, 2, 2])) { Flatten() }
    }

    @Test(arguments: [[6, 3], [3, 2, 4, 3]])
    func batchNormTraining(shape: [Int]) {
        GradientCheck(step: 1e-2, relativeTolerance: 3e-2).check("BatchNorm \(shape)", input: input(shape)) {
            let bn = BatchNorm(featureCount: shape[1])
            var rng = SeededGenerator(seed: 2)
            bn.weight.value = .randomNormal(shape: [shape[1]], using: &rng)
            bn.bias.value = .randomNormal(shape: [shape[1]], using: &rng)
            return bn
        }
    }

    @Test func l2Normalize() {
        GradientCheck(step: 1e-3).check("L2Normalize", input: input([4, 6])) { L2Normalize() }
    }

    /// A smooth stack (the kinks of pooling and ReLU make composite finite differences flaky;
    /// each of those is checked alone above).
    @Test func sequential() {
        GradientCheck(step: 1e-3).check("Sequential", input: input([2, 1, 8, 8])) {
            var rng = SeededGenerator(seed: 21)
            return Sequential([
                ("conv", Conv2d(inputChannels: 1, outputChannels: 3, kernelSize: 3, padding: 1, rng: &rng)),
                ("bn", BatchNorm(featureCount: 3)),
                ("flatten", Flatten()),
                ("dense", Linear(inputCount: 192, outputCount: 5, rng: &rng)),
                ("l2", L2Normalize()),
            ])
        }
    }
}
