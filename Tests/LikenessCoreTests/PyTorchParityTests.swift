import Foundation
import LikenessCore
import Testing

/// The reference network's forward and backward passes against PyTorch 2.15 on a committed
/// fixture (Fixtures/make_reference_fixture.py made it), the GAN's layers on another
/// (Fixtures/make_generative_layers_fixture.py), and the imbalance losses against those the
/// PyTorch accuracy peer trains with (Fixtures/make_imbalance_loss_fixture.py): equal to 1e-4 relative.
@Suite("Parity with PyTorch")
struct PyTorchParityTests {
    struct Fixture {
        let json: [String: Any]

        init(_ name: String = "reference_network") throws {
            let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
            json = try #require(object as? [String: Any])
        }

        static func tensor(_ any: Any?) throws -> Tensor {
            let object = try #require(any as? [String: Any])
            let shape = try #require(object["shape"] as? [Int])
            let base64 = try #require(object["data"] as? String)
            let bytes = try #require(Data(base64Encoded: base64))
            let scalars = bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            return Tensor(shape: shape, scalars: scalars)
        }

        func tensor(_ path: String...) throws -> Tensor {
            var node: Any? = json
            for key in path { node = (node as? [String: Any])?[key] }
            return try Self.tensor(node)
        }

        subscript(_ path: String...) -> Any? {
            var node: Any? = json
            for key in path { node = (node as? [String: Any])?[key] }
            return node
        }
    }

    /// `max |a − b| ≤ tolerance · max(max |b|, 1e-3)`: relative to the tensor's scale, so that
    /// entries that are zero up to rounding do not make the check meaningless.
    func expectClose(_ a: Tensor, _ b: Tensor, _ what: String, tolerance: Float = 1e-4,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.shape == b.shape, "\(what): shape \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
        guard a.shape == b.shape else { return }
        let scale = max(b.scalars.map(abs).max() ?? 0, 1e-3)
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance * scale, "\(what): max difference \(worst), scale \(scale)", sourceLocation: sourceLocation)
    }

    /// The reference network as `Network.make` builds it, with the fixture's weights and without
    /// its dropout (PyTorch ran in evaluation mode, where dropout is the identity).
    func referenceNetwork(_ f: Fixture) throws -> Sequential {
        let built = Network.make(backbone: .reference, head: .softmax(classCount: 10), channels: 1, height: 28, width: 28, seed: 0)
        let model = Sequential(built.layers.filter { !($0.layer is Dropout) })
        let names = model.parameters.map(\.name)
        #expect(Set(names) == Set(try #require(f["parameters"] as? [String: Any]).keys))
        for (name, p) in model.parameters {
            let value = try f.tensor("parameters", name)
            #expect(value.shape == p.value.shape, "\(name)")
            p.value = value
        }
        return model
    }

    @Test func referenceNetworkForwardAndBackward() throws {
        let f = try Fixture()
        let model = try referenceNetwork(f)
        let x = try f.tensor("input")
        let labels = try #require(f["labels"] as? [Int])
        let logits = model.forward(x, training: true)
        expectClose(logits, try f.tensor("logits"), "logits")
        let (loss, dLogits) = SoftmaxCrossEntropy().lossAndGradient(logits: logits, labels: labels)
        let expectedLoss = try #require(f["loss"] as? Double)
        #expect(abs(Double(loss) - expectedLoss) <= 1e-4 * abs(expectedLoss))
        model.zeroGradients()
        let dx = try #require(model.backward(dLogits, inputGradient: true))
        for (name, p) in model.parameters {
            expectClose(p.gradient, try f.tensor("gradients", name), "∂loss/∂\(name)")
        }
        expectClose(dx, try f.tensor("input_gradient"), "∂loss/∂input")
    }

    @Test func weightedCrossEntropy() throws {
        let f = try Fixture()
        let model = try referenceNetwork(f)
        let logits = model.forward(try f.tensor("input"), training: false)
        let weights = try #require(f["weighted_ce", "class_weights"] as? [Double]).map(Float.init)
        let (loss, gradient) = SoftmaxCrossEntropy(classWeights: weights)
            .lossAndGradient(logits: logits, labels: try #require(f["labels"] as? [Int]))
        let expected = try #require(f["weighted_ce", "loss"] as? Double)
        #expect(abs(Double(loss) - expected) <= 1e-4 * abs(expected))
        expectClose(gradient, try f.tensor("weighted_ce", "logits_gradient"), "∂weighted CE/∂logits")
    }

    @Test func batchNormTraining() throws {
        let f = try Fixture()
        let x = try f.tensor("batchnorm", "input")
        let bn = BatchNorm(featureCount: x.shape[1], epsilon: Float(try #require(f["batchnorm", "eps"] as? Double)),
                           momentum: Float(try #require(f["batchnorm", "momentum"] as? Double)))
        bn.weight.value = try f.tensor("batchnorm", "weight")
        bn.bias.value = try f.tensor("batchnorm", "bias")
        let y = bn.forward(x, training: true)
        expectClose(y, try f.tensor("batchnorm", "output"), "batch norm output")
        expectClose(bn.runningMean, try f.tensor("batchnorm", "running_mean"), "running mean")
        expectClose(bn.runningVariance, try f.tensor("batchnorm", "running_var"), "running variance")
        let dx = try #require(bn.backward(try f.tensor("batchnorm", "projection"), inputGradient: true))
        expectClose(dx, try f.tensor("batchnorm", "input_gradient"), "∂/∂input")
        expectClose(bn.weight.gradient, try f.tensor("batchnorm", "weight_gradient"), "∂/∂weight")
        expectClose(bn.bias.gradient, try f.tensor("batchnorm", "bias_gradient"), "∂/∂bias")
    }

    @Test func l2Normalize() throws {
        let f = try Fixture()
        let layer = L2Normalize(epsilon: Float(try #require(f["l2normalize", "eps"] as? Double)))
        let y = layer.forward(try f.tensor("l2normalize", "input"), training: true)
        expectClose(y, try f.tensor("l2normalize", "output"), "L2-normalised output")
        let dx = try #require(layer.backward(try f.tensor("l2normalize", "projection"), inputGradient: true))
        expectClose(dx, try f.tensor("l2normalize", "input_gradient"), "∂/∂input")
    }

    @Test(arguments: 0..<4)
    func convTranspose2d(index: Int) throws {
        let f = try Fixture("generative_layers")
        let cases = try #require(f["conv_transpose"] as? [[String: Any]])
        let c = cases[index]
        func int(_ key: String) throws -> Int { try #require(c[key] as? Int) }
        func tensor(_ key: String) throws -> Tensor { try Fixture.tensor(c[key]) }
        var rng = SeededGenerator(seed: 0)
        let layer = ConvTranspose2d(inputChannels: try int("in_channels"), outputChannels: try int("out_channels"),
                                    kernelSize: try int("kernel_size"), stride: try int("stride"), padding: try int("padding"),
                                    outputPadding: try int("output_padding"), rng: &rng)
        layer.weight.value = try tensor("weight")
        layer.bias.value = try tensor("bias")
        let what = "ConvTranspose2d case \(index)"
        expectClose(layer.forward(try tensor("input"), training: true), try tensor("output"), "\(what) output")
        let dx = try #require(layer.backward(try tensor("projection"), inputGradient: true))
        expectClose(dx, try tensor("input_gradient"), "\(what) ∂/∂input")
        expectClose(layer.weight.gradient, try tensor("weight_gradient"), "\(what) ∂/∂weight")
        expectClose(layer.bias.gradient, try tensor("bias_gradient"), "\(what) ∂/∂bias")
    }

    @Test(arguments: ["leaky_relu", "tanh"])
    func elementwiseActivation(name: String) throws {
        let f = try Fixture("generative_layers")
        let layer: any Layer = name == "tanh"
            ? Tanh() : LeakyReLU(negativeSlope: Float(try #require(f[name, "negative_slope"] as? Double)))
        expectClose(layer.forward(try f.tensor(name, "input"), training: true), try f.tensor(name, "output"), "\(name) output")
        let dx = try #require(layer.backward(try f.tensor(name, "projection"), inputGradient: true))
        expectClose(dx, try f.tensor(name, "input_gradient"), "\(name) ∂/∂input")
    }

    // The PyTorch accuracy peer's losses (Benchmarks/peers/pytorch_accuracy.py), so that its
    // recipes train on Likeness's.

    /// The balanced softmax on the labels: `LogitAdjustedCrossEntropy` with τ 1, as the
    /// `balanced-softmax` recipe makes it.
    @Test func peerBalancedSoftmax() throws {
        let f = try Fixture("imbalance_losses")
        let loss = LogitAdjustedCrossEntropy(classCounts: try #require(f["class_counts"] as? [Int]), tau: 1)
        let (value, gradient) = loss.lossAndGradient(logits: try f.tensor("logits"), labels: try #require(f["labels"] as? [Int]))
        let expected = try #require(f["balanced_softmax", "loss"] as? Double)
        #expect(abs(Double(value) - expected) <= 1e-4 * abs(expected), "\(value) vs \(expected)")
        expectClose(gradient, try f.tensor("balanced_softmax", "logits_gradient"), "∂balanced softmax/∂logits")
    }

    /// The balanced softmax on a mixup batch's soft targets, built from the peer's λ and partners
    /// as `Mixup` builds them: the peer's targets, loss and gradient.
    @Test func peerBalancedSoftmaxOnMixupTargets() throws {
        let f = try Fixture("imbalance_losses")
        let labels = try #require(f["labels"] as? [Int])
        let lambda = Float(try #require(f["balanced_softmax_mixup", "lambda"] as? Double))
        let partner = try #require(f["balanced_softmax_mixup", "partner"] as? [Int])
        var targets = Tensor.oneHot(labels, classCount: 10)
        for i in labels.indices {
            targets[i, labels[i]] = lambda
            targets[i, labels[partner[i]]] += 1 - lambda
        }
        expectClose(targets, try f.tensor("balanced_softmax_mixup", "targets"), "mixup targets", tolerance: 1e-6)
        let loss = LogitAdjustedCrossEntropy(classCounts: try #require(f["class_counts"] as? [Int]), tau: 1)
        let (value, gradient) = loss.lossAndGradient(logits: try f.tensor("logits"), targets: targets)
        let expected = try #require(f["balanced_softmax_mixup", "loss"] as? Double)
        #expect(abs(Double(value) - expected) <= 1e-4 * abs(expected), "\(value) vs \(expected)")
        expectClose(gradient, try f.tensor("balanced_softmax_mixup", "logits_gradient"), "∂balanced softmax (mixup)/∂logits")
    }

    /// LDAM with deferred re-weighting, as the `ldam-drw` recipe makes it: the peer's margins,
    /// and its loss before the re-weighting epoch (no weights) and from it on (the peer's weights).
    @Test func peerLDAMWithDeferredReweighting() throws {
        let f = try Fixture("imbalance_losses")
        let weights = try f.tensor("ldam_drw", "class_weights").scalars
        let loss = LDAMLoss(classCounts: try #require(f["class_counts"] as? [Int]),
                            maxMargin: Float(try #require(f["ldam_drw", "max_margin"] as? Double)),
                            scale: Float(try #require(f["ldam_drw", "scale"] as? Double)), classWeights: weights, reweightingEpoch: 2)
        expectClose(Tensor(shape: [loss.margins.count], scalars: loss.margins), try f.tensor("ldam_drw", "margins"), "LDAM margins", tolerance: 1e-6)
        let logits = try f.tensor("logits"), labels = try #require(f["labels"] as? [Int])
        for (epoch, part) in [(1, "unweighted"), (2, "weighted")] {
            let (value, gradient) = loss.lossAndGradient(logits: logits, labels: labels, epoch: epoch)
            let expected = try #require(f["ldam_drw", part, "loss"] as? Double)
            #expect(abs(Double(value) - expected) <= 1e-4 * abs(expected), "\(part): \(value) vs \(expected)")
            expectClose(gradient, try f.tensor("ldam_drw", part, "logits_gradient"), "∂LDAM (\(part))/∂logits")
        }
    }
}
