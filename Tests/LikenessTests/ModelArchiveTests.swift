import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// A record as `likeness train` writes it, both heads' figures in it.
let sampleTrainingRecord = TrainingRecord(
    command: "likeness train fmnist-lt --epochs 2", trainingClassCounts: [5, 0, 3],
    settings: TrainingSettings(EmbeddingRecipe(epochs: 2, patience: 1), backbone: .cifar, dimension: 8),
    epochs: [EpochReport(epoch: 1, learningRate: 1e-3, meanLoss: 0.25, validationScore: 0.5, seconds: 1.5, imagesPerSecond: 100,
                         statistics: [TripletLoss.Statistic.activeFraction: 0.125, EmbeddingStep.Statistic.collapsed: 0]),
             EpochReport(epoch: 2, learningRate: 1e-3, meanLoss: 0.125, validationScore: nil, seconds: 1, imagesPerSecond: 200)],
    keptEpoch: 1)

/// A CIFAR-backbone embedding network on 3×8×8 input whose batch-norm running statistics have
/// moved away from their initial values (one training-mode forward pass).
private func trainedCifarArchive() throws -> (archive: ModelArchive, batch: Tensor) {
    let architecture = ModelDescription(backbone: .cifar, head: .embedding(dimension: 8), channels: 3, height: 8, width: 8)
    let network = architecture.makeNetwork(seed: 7)
    var rng = SeededGenerator(seed: 11)
    let batch = Tensor.randomUniform(shape: [4, 3, 8, 8], using: &rng)
    _ = network.forward(batch, training: true)
    let archive = try ModelArchive(
        network: network, architecture: architecture, classNames: ["cat", "dog", "frog"],
        training: sampleTrainingRecord)
    return (archive, batch)
}

/// A reference softmax network on 1×8×8 input, three classes, with its training step.
private func referenceSoftmax(seed: UInt64) -> (architecture: ModelDescription, network: Sequential) {
    let architecture = ModelDescription(backbone: .reference, head: .softmax(classCount: 3), channels: 1, height: 8, width: 8)
    return (architecture, architecture.makeNetwork(seed: seed))
}

/// Edits the HDF5 file at `path` in place (for making damaged archives).
private func edit(_ path: String, _ body: (HDF5File) throws -> Void) throws {
    let file = try HDF5File(openingAt: path, mode: .readWrite)
    try body(file)
    try file.close()
}

extension StorageTests {
    @Suite struct ModelArchiveTests {
        @Test func cifarNetworkWithBatchNormGivesIdenticalOutputsAfterReload() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (archive, batch) = try trainedCifarArchive()
            let runningMean = try #require(archive.network.buffers.first { $0.name == "bn1.running_mean" }).tensor
            #expect(runningMean != Tensor(shape: runningMean.shape), "the running mean has moved from zero")
            try archive.save(to: path)

            let loaded = try ModelArchive.load(path)
            #expect(loaded.architecture == archive.architecture)
            #expect(loaded.classNames == ["cat", "dog", "frog"])
            #expect(loaded.training == sampleTrainingRecord)
            #expect(loaded.checkpoint == nil)
            #expect(loaded.network.parameters.map(\.name) == archive.network.parameters.map(\.name))
            for (original, reloaded) in zip(archive.network.weightEntries(), loaded.network.weightEntries()) {
                #expect(original.name == reloaded.name)
                #expect(original.tensor == reloaded.tensor, "\(original.name)")
            }
            let expected = archive.network.forward(batch, training: false)
            #expect(loaded.network.forward(batch, training: false) == expected)
            #expect(archive.architecture.makeNetwork(seed: 7).forward(batch, training: false) != expected,
                    "the running statistics matter: a fresh network of the same seed differs")
            #expect(loaded.digest == archive.digest)
            #expect(try ModelArchive.storedDigest(at: path) == archive.digest)
            #expect(archive.digest.hasPrefix("sha256:") && archive.digest.count == 7 + 64)
        }

        @Test func digestFollowsTheWeights() throws {
            let (archive, _) = try trainedCifarArchive()
            let before = archive.digest
            let parameter = archive.network.parameters[0].parameter
            parameter.value.withUnsafeMutableBufferPointer { $0[0] += 1e-3 }
            #expect(archive.digest != before)
            parameter.value.withUnsafeMutableBufferPointer { $0[0] -= 1e-3 }
            #expect(archive.digest == before)
        }

        @Test(arguments: ["adam", "sgd"])
        func checkpointResumesTrainingExactly(optimizerKind: String) throws {
            let folder = try TemporaryFolder()
            let path = folder.file("checkpoint.h5")
            let (architecture, network) = referenceSoftmax(seed: 3)
            let parameters = network.parameters.map(\.parameter)
            let optimizer: any Optimizer = optimizerKind == "adam"
                ? Adam(parameters: parameters, learningRate: 1e-2, weightDecay: 1e-3)
                : SGD(parameters: parameters, learningRate: 1e-2, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
            let step = ClassifierStep(model: network, optimizer: optimizer, loss: SoftmaxCrossEntropy())
            var rng = SeededGenerator(seed: 5)
            let batches = (0..<3).map { _ in Tensor.randomUniform(shape: [6, 1, 8, 8], using: &rng) }
            let labels = [0, 1, 2, 0, 1, 2]
            try step(images: batches[0], labels: labels)
            try step(images: batches[1], labels: labels)

            var loopGenerator = SeededGenerator(seed: 99)
            _ = loopGenerator.next()
            let checkpoint = Checkpoint(epoch: 2, optimizer: OptimizerState(capturing: optimizer, of: network),
                                        generators: ["sampler": loopGenerator])
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"], checkpoint: checkpoint)
                .save(to: path)

            let loaded = try ModelArchive.load(path)
            let restored = try #require(loaded.checkpoint)
            #expect(restored.epoch == 2)
            #expect(restored.optimizer == checkpoint.optimizer)
            #expect(restored.generators.keys.sorted() == ["sampler"])
            var restoredGenerator = try #require(restored.generators["sampler"])
            #expect((0..<4).map { _ in restoredGenerator.next() } == (0..<4).map { _ in loopGenerator.next() })

            // The third step (with a dropout mask drawn from the saved generator) lands on the same weights.
            let resumed = ClassifierStep(model: loaded.network, optimizer: restored.optimizer.makeOptimizer(for: loaded.network),
                                         loss: SoftmaxCrossEntropy())
            let lossUninterrupted = try step(images: batches[2], labels: labels)
            let lossResumed = try resumed(images: batches[2], labels: labels)
            #expect(lossResumed == lossUninterrupted)
            for (original, reloaded) in zip(network.parameters, loaded.network.parameters) {
                #expect(original.parameter.value == reloaded.parameter.value, "\(original.name)")
            }
        }

        @Test func inputNormalizationAppliesPerChannel() {
            let normalization = InputNormalization(mean: [0.5, 0.25], standardDeviation: [0.5, 0.25])
            let batch = Tensor(shape: [1, 2, 1, 2], scalars: [1, 0, 0.5, 0.75])
            #expect(normalization.apply(to: batch).scalars == [1, -1, 1, 2])
            #expect(InputNormalization.unitInterval.apply(to: batch) == batch)
        }

        @Test func normalizationIsPartOfTheStoredArchitecture() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let normalization = InputNormalization(mean: [0.286], standardDeviation: [0.353])
            let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 4), channels: 1, height: 4,
                                                width: 4, normalization: normalization)
            try ModelArchive(network: architecture.makeNetwork(), architecture: architecture, classNames: []).save(to: path)
            #expect(try ModelArchive.load(path).architecture.normalization == normalization)
        }

        // MARK: Damaged and mismatched files

        @Test func parameterOfAnotherShapeIsRefusedNamingDatasetAndShapes() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            try edit(path) { file in
                try file.removeObject(at: "/model_weights/conv1/weight")
                try file.createDataset(at: "/model_weights/conv1/weight", values: [Float](repeating: 0, count: 16 * 9),
                                       shape: [16, 1, 3, 3])
            }
            let error = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            #expect(error.kind == .wrongShape)
            #expect(error.filePath == path)
            #expect(error.field == "/model_weights/conv1/weight")
            #expect(error.expected == "[32, 1, 3, 3]")
            #expect(error.found == "[16, 1, 3, 3]")
            #expect(error.description.contains(path) && error.description.contains("[16, 1, 3, 3]"))
        }

        @Test func missingParameterIsRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            try edit(path) { try $0.removeObject(at: "/model_weights/dense/bias") }
            let error = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            #expect(error.kind == .missingEntry)
            #expect(error.filePath == path)
            #expect(error.field == "/model_weights/dense/bias")
            #expect(error.expected?.contains("[3]") == true)
        }

        @Test func extraParameterIsRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            try edit(path) { try $0.createDataset(at: "/model_weights/dense/scale", values: [Float]([1, 2, 3]), shape: [3]) }
            let error = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            #expect(error.kind == .unexpectedEntry)
            #expect(error.field == "/model_weights/dense/scale")
        }

        @Test func alteredWeightIsRefusedByTheDigest() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            try edit(path) { file in
                let bias = try file.dataset(at: "/model_weights/dense/bias")
                try bias.write(try bias.read(as: Float.self).map { $0 + 0.5 })
            }
            let error = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            #expect(error.kind == .digestMismatch)
            #expect(error.filePath == path)
            #expect(error.expected == network.weightDigest)
        }

        @Test func wrongFormatNameAndVersionAreRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            try edit(path) { try $0.attributes.write(3, named: "format_version") }
            let version = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            #expect(version.kind == .unsupportedVersion)
            #expect(version.field == "attribute 'format_version'" && version.found == "3")

            try edit(path) { try $0.attributes.write("likeness-gallery", named: "format") }
            let format = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            #expect(format.kind == .wrongFormat)
            #expect(format.filePath == path && format.expected == "\"likeness-model\"" && format.found == "\"likeness-gallery\"")

            let other = folder.file("other.h5")
            try HDF5File.writeAtomically(to: other) { try $0.createDataset(at: "x", values: [Float]([1]), shape: [1]) }
            let unmarked = try #require(throws: StorageError.self) { try ModelArchive.load(other) }
            #expect(unmarked.kind == .wrongFormat && unmarked.filePath == other)
        }

        @Test func unreadableArchitectureIsRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            try edit(path) {
                try $0.attributes.write(#"{"backbone": "resnet", "head": {"kind": "softmax", "size": 3}}"#, named: "architecture")
            }
            let error = try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            #expect(error.kind == .invalidValue)
            #expect(error.field == "attribute 'architecture'")
        }

        @Test func architectureOfAbsurdSizesIsRefusedBeforeTheNetworkIsBuilt() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            let stored = try HDF5File(openingAt: path).attributes.readString(named: "architecture")
            func refusal(_ edits: [String: String]) throws -> StorageError {
                let json = edits.reduce(stored) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
                #expect(json != stored)
                try edit(path) { try $0.attributes.write(json, named: "architecture") }
                return try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            }
            let side = try refusal(["\"height\":8": "\"height\":100000"])
            #expect(side.kind == .invalidValue && side.filePath == path && side.field == "attribute 'architecture'")
            #expect(side.found?.contains("expected at most 16 channels and 4096×4096 pixels, found 1×100000×8") == true)
            let head = try refusal(["\"size\":3": "\"size\":1000000000"])
            #expect(head.found?.contains("expected a head of at most 65536 dimensions or classes, found 1000000000") == true)
            // Within each limit, but 4096 × 4096 input to the reference backbone would make a head of 201 million weights.
            let weights = try refusal(["\"height\":8": "\"height\":4096", "\"width\":8": "\"width\":4096"])
            #expect(weights.found?.contains("expected at most 67108864 weights in a layer, found 201326592") == true)
            // Within the limits (50 million weights), but more than a file of this length can hold.
            let room = try refusal(["\"height\":8": "\"height\":2048", "\"width\":8": "\"width\":2048"])
            #expect(room.kind == .invalidValue && room.field == "attribute 'architecture'")
            #expect(room.found == "201326592 bytes of weights in the dense layer alone")
        }

        @Test func modelReachedThroughASymbolicLinkLoads() throws {
            // The size check reads the open file's length: the link's own (8 bytes for "model.h5")
            // would refuse a 28 × 28 network's 3 MB dense layer.
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 64), channels: 1, height: 28, width: 28)
            let network = architecture.makeNetwork(seed: 3)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b"]).save(to: path)
            let link = folder.file("link.h5")
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "model.h5")

            let loaded = try ModelArchive.load(link)
            #expect(loaded.architecture == architecture)
            #expect(loaded.network.weightEntries().map(\.tensor) == network.weightEntries().map(\.tensor))
            #expect(try HDF5File(openingAt: link).byteCount() == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        }

        @Test(arguments: Backbone.allCases)
        func denseLayerWeightCountIsThatOfTheBuiltNetwork(backbone: Backbone) {
            for (height, width, head) in [(8, 8, Head.embedding(dimension: 4)), (27, 19, .softmax(classCount: 5))] {
                let description = ModelDescription(backbone: backbone, head: head, channels: 3, height: height, width: width)
                // The first dense layer: the first two-dimensional weight.
                let dense = description.makeNetwork().parameters.first { $0.parameter.value.rank == 2 }
                #expect(description.denseLayerWeightCount == dense?.parameter.value.count, "\(backbone) \(height)×\(width)")
            }
        }

        @Test func checkpointValuesOutOfRangeAreRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("checkpoint.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            let optimizer = SGD(parameters: network.parameters.map(\.parameter), learningRate: 1e-2)
            let checkpoint = Checkpoint(epoch: 1, optimizer: OptimizerState(capturing: optimizer, of: network),
                                        generators: ["sampler": SeededGenerator(seed: 1)])
            let archive = try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"],
                                           checkpoint: checkpoint)
            func refusal(_ body: (HDF5File) throws -> Void) throws -> StorageError {
                try archive.save(to: path)
                try edit(path, body)
                return try #require(throws: StorageError.self) { try ModelArchive.load(path) }
            }
            // A name a checkpoint cannot hold, which HDF5 allows.
            let name = try refusal {
                try $0.createDataset(at: "/checkpoint/generators/a.b", values: [Int64]([1, 2, 3, 4]), shape: [4])
            }
            #expect(name.kind == .invalidValue && name.filePath == path && name.field == "/checkpoint/generators/a.b")
            let epoch = try refusal { try $0.group(at: "/checkpoint").attributes.write(1 << 40, named: "epoch") }
            #expect(epoch.kind == .invalidValue && epoch.field == "/checkpoint attribute 'epoch'")
            // 1e300 is a float64, but infinite as the float32 the optimizer takes.
            let rate = try refusal { try $0.group(at: "/checkpoint").attributes.write(1e300, named: "learning_rate") }
            #expect(rate.kind == .invalidValue && rate.field == "/checkpoint attribute 'learning_rate'" && rate.found == "1e+300")
        }

        @Test func notAnHDF5FileAndTruncatedFileAreRefusedNamingTheFile() throws {
            let folder = try TemporaryFolder()
            let text = folder.file("notes.h5")
            try Data("not a model\n".utf8).write(to: URL(fileURLWithPath: text))
            let notHDF5 = try #require(throws: HDF5Error.self) { try ModelArchive.load(text) }
            #expect(notHDF5.kind == .notAnHDF5File && notHDF5.filePath == text)

            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            let whole = try StorageTests.bytes(path)
            try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
            let truncated = try #require(throws: HDF5Error.self) { try ModelArchive.load(path) }
            #expect(truncated.filePath == path)

            let missing = try #require(throws: HDF5Error.self) { try ModelArchive.load(folder.file("absent.h5")) }
            #expect(missing.kind == .fileNotFound)
        }

        @Test func failedSaveLeavesThePreviousFileByteIdentical() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let (architecture, network) = referenceSoftmax(seed: 1)
            try ModelArchive(network: network, architecture: architecture, classNames: ["a", "b", "c"]).save(to: path)
            let before = try StorageTests.bytes(path)

            // The weights are written before the class names, which HDF5 refuses (NUL).
            let other = architecture.makeNetwork(seed: 2)
            #expect(throws: HDF5Error.self) {
                try ModelArchive(network: other, architecture: architecture, classNames: ["a", "b\0", "c"]).save(to: path)
            }
            #expect(try StorageTests.bytes(path) == before)
            #expect(try folder.contents() == ["model.h5"], "no temporary file is left behind")
            #expect(try ModelArchive.load(path).digest == network.weightDigest)
        }
    }
}

extension Sequential {
    /// Parameters then buffers, by name, as public API gives them.
    fileprivate func weightEntries() -> [(name: String, tensor: Tensor)] {
        parameters.map { ($0.name, $0.parameter.value) } + buffers
    }
}
