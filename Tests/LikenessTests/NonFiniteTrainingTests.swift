import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// A NaN or an infinity stops training at the batch it appears in, names where it began, and
/// leaves the network and the last checkpoint as they were.
@Suite("Non-finite values in training")
struct NonFiniteTrainingTests {
    let data = stripes(count: 120, seed: 7)
    let softmax = ModelDescription(backbone: .reference, head: .softmax(classCount: 2), channels: 1, height: 8, width: 8)
    let embedding = ModelDescription(backbone: .reference, head: .embedding(dimension: 4), channels: 1, height: 8, width: 8)

    /// Sets the first value of the parameter `name` of `network`.
    func poison(_ network: Sequential, _ name: String, with value: Float) {
        let parameter = network.parameters.first { $0.name == name }!.parameter
        parameter.value.withUnsafeMutableBufferPointer { $0[0] = value }
    }

    /// The source of the `NonFiniteValue` that `body` throws, or nil.
    func source(_ body: () throws -> Void) -> NonFiniteValue.Source? {
        do {
            try body()
        } catch let error as NonFiniteValue {
            return error.source
        } catch {
            Issue.record("expected a NonFiniteValue, got \(error)")
        }
        return nil
    }

    @Test func theStepNamesWhereTheValueBegan() throws {
        var rng = SeededGenerator(seed: 1)
        let images = Tensor.randomUniform(shape: [4, 1, 8, 8], using: &rng)
        let labels = [0, 1, 0, 1]
        func step(_ network: Sequential, optimizer: (any Optimizer)? = nil) -> ClassifierStep {
            ClassifierStep(model: network, optimizer: optimizer ?? Adam(parameters: network.parameters.map(\.parameter)),
                           loss: SoftmaxCrossEntropy())
        }

        var network = softmax.makeNetwork(seed: 1)
        var poisoned = images
        poisoned.withUnsafeMutableBufferPointer { $0[5] = .nan }
        #expect(source { try step(network)(images: poisoned, labels: labels) } == .input)

        network = softmax.makeNetwork(seed: 1)
        poison(network, "conv2.weight", with: .infinity)
        let before = network.parameters.map(\.parameter.value)
        #expect(source { try step(network)(images: images, labels: labels) } == .weights("conv2.weight"))
        #expect(network.parameters.map(\.parameter.value) == before, "the failing step changes nothing")

        // Finite weights whose products overflow float32 in the second convolution.
        network = softmax.makeNetwork(seed: 1)
        let conv1 = network.parameters.first { $0.name == "conv1.weight" }!.parameter
        conv1.value = Tensor(shape: conv1.value.shape, repeating: 1e30)
        let conv2 = network.parameters.first { $0.name == "conv2.weight" }!.parameter
        conv2.value = Tensor(shape: conv2.value.shape, repeating: 1e30)
        #expect(source { try step(network)(images: images, labels: labels) } == .layerOutput("conv2"))

        // Finite gradients, but an update that overflows.
        network = softmax.makeNetwork(seed: 1)
        let overflowing = Overflowing(network.parameters.first { $0.name == "dense.bias" }!.parameter)
        #expect(source { try step(network, optimizer: overflowing)(images: images, labels: labels) } == .updatedWeights("dense.bias"))
    }

    /// An optimizer whose step makes one parameter infinite (its state, never saved: plain SGD's).
    final class Overflowing: Optimizer {
        var learningRate: Float = 1
        let parameter: Parameter
        var parameters: [Parameter] { [parameter] }
        init(_ parameter: Parameter) { self.parameter = parameter }
        convenience init(restoring state: OptimizerState, parameters: [(name: String, parameter: Parameter)]) {
            self.init(parameters[0].parameter)
        }
        func step() { parameter.value.withUnsafeMutableBufferPointer { $0[0] = .infinity } }
        func state(parameterNames names: [String]) -> OptimizerState {
            .sgd(learningRate: learningRate, momentum: 0, nesterov: false, weightDecay: 0, momentumBuffers: [:])
        }
    }

    /// The classifier's hook saves a checkpoint after epoch 1, then a weight is poisoned: epoch
    /// 2 stops at its first batch, naming the parameter, and the checkpoint still loads whole.
    @Test func classifierTrainingStopsAndTheCheckpointStays() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/checkpoint.h5"
        let network = softmax.makeNetwork(seed: 2)
        let step = ClassifierStep(model: network, optimizer: Adam(parameters: network.parameters.map(\.parameter)),
                                  loss: SoftmaxCrossEntropy())
        var savedDigest = ""
        let trainer = Trainer<ClassifierStep>(epochs: 3)
        let error = #expect(throws: TrainingError.self) {
            try trainer.fit(step, on: data, sampler: ShuffledBatchSampler(indices: Array(0..<120), batchSize: 16, seed: 1)) { _, checkpoint in
                try ModelArchive(network: network, architecture: softmax, classNames: data.classNames, checkpoint: checkpoint).save(to: path)
                savedDigest = network.weightDigest
                poison(network, "dense.weight", with: .nan)
            }
        }
        guard case .nonFinite(let epoch, let batch, let value)? = error else {
            Issue.record("expected nonFinite, got \(String(describing: error))")
            return
        }
        #expect((epoch, batch) == (2, 1))
        #expect(value.source == .weights("dense.weight"))
        #expect(error!.description.contains("epoch 2, batch 1") && error!.description.contains("dense.weight"))
        let saved = try ModelArchive.load(path)
        #expect(saved.digest == savedDigest && saved.checkpoint?.epoch == 1)
        #expect(saved.network.parameters.allSatisfy { $0.parameter.value.isFinite })
    }

    @Test func embeddingTrainingStopsAndTheCheckpointStays() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/checkpoint.h5"
        let network = embedding.makeNetwork(seed: 2)
        var savedDigest = ""
        let trainer = EmbeddingRecipe(epochs: 3, classesPerBatch: 2, imagesPerClass: 8)
        let error = #expect(throws: TrainingError.self) {
            try trainer.train(network, on: data, trainingIndices: Array(0..<120)) { _, checkpoint in
                try ModelArchive(network: network, architecture: embedding, classNames: data.classNames, checkpoint: checkpoint).save(to: path)
                savedDigest = network.weightDigest
                poison(network, "conv1.weight", with: -.infinity)
            }
        }
        guard case .nonFinite(2, 1, let value)? = error else {
            Issue.record("expected nonFinite at epoch 2, batch 1, got \(String(describing: error))")
            return
        }
        #expect(value.source == .weights("conv1.weight"))
        #expect(try ModelArchive.load(path).digest == savedDigest)
    }
}
