import LikenessCore
import LikenessHDF5
import LikenessTraining

// MARK: - File layout

extension Checkpoint {
    private static let group = "/checkpoint"
    private static let optimizerGroup = "/checkpoint/optimizer"
    private static let generatorsGroup = "/checkpoint/generators"
    private static let dropoutGroup = "/checkpoint/dropout_generators"
    private static let bestGroup = "/checkpoint/best"
    private static let ensembleStartGroup = "/checkpoint/ensemble/start"
    private static let ensembleSumsGroup = "/checkpoint/ensemble/sums"
    /// The epochs and optimizer steps a checkpoint may count: far more than any training runs,
    /// and far from the overflow of the counts that resumed training goes on adding to.
    private static let countRange = 0...Int(Int32.max)

    func write(to file: HDF5File, network: Sequential) throws {
        let checkpoint = try file.createGroup(at: Self.group)
        let attributes = checkpoint.attributes
        try attributes.write(epoch, named: "epoch")
        func writeTensors(_ tensors: [String: Tensor], under group: String) throws {
            for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
                try file.createDataset(at: "\(group)/\(datasetPath(forName: name))", values: tensor.scalars, shape: tensor.shape)
            }
        }
        func writeSlot(_ slot: String, _ tensors: [String: Tensor]) throws {
            try writeTensors(tensors, under: "\(Self.optimizerGroup)/\(slot)")
        }
        switch optimizer {
        case let .adam(learningRate, beta1, beta2, epsilon, weightDecay, decoupled, stepCount, first, second):
            try attributes.write("adam", named: "optimizer")
            try attributes.write(Double(learningRate), named: "learning_rate")
            try attributes.write(Double(beta1), named: "beta1")
            try attributes.write(Double(beta2), named: "beta2")
            try attributes.write(Double(epsilon), named: "epsilon")
            try attributes.write(Double(weightDecay), named: "weight_decay")
            try attributes.write(decoupled ? 1 : 0, named: "decoupled_weight_decay")
            try attributes.write(stepCount, named: "step_count")
            try writeSlot("first_moment", first)
            try writeSlot("second_moment", second)
        case let .sgd(learningRate, momentum, nesterov, weightDecay, buffers):
            try attributes.write("sgd", named: "optimizer")
            try attributes.write(Double(learningRate), named: "learning_rate")
            try attributes.write(Double(momentum), named: "momentum")
            try attributes.write(nesterov ? 1 : 0, named: "nesterov")
            try attributes.write(Double(weightDecay), named: "weight_decay")
            try writeSlot("momentum", buffers)
        }
        for (name, generator) in generators.sorted(by: { $0.key < $1.key }) {
            try file.createDataset(at: "\(Self.generatorsGroup)/\(name)", values: generator.state.map { Int64(bitPattern: $0) }, shape: [4])
        }
        for (name, dropout) in network.dropoutLayers {
            try file.createDataset(at: "\(Self.dropoutGroup)/\(name)", values: dropout.generator.state.map { Int64(bitPattern: $0) }, shape: [4])
        }
        if let best {
            try attributes.write(best.epoch, named: "best_epoch")
            try attributes.write(best.score, named: "best_score")
            try writeTensors(best.weights, under: Self.bestGroup)
        }
        if let ensemble {
            try writeTensors(ensemble.start, under: Self.ensembleStartGroup)
            try writeTensors(ensemble.sums, under: Self.ensembleSumsGroup)
        }
    }

    /// The checkpoint stored in `file`, or nil if there is none; the network's dropout layers
    /// get their saved generators back.
    static func read(from file: HDF5File, network: Sequential) throws -> Checkpoint? {
        guard try file.objectKind(at: group) == .group else { return nil }
        let checkpoint = try file.group(at: group)
        let epoch = try checkpoint.requiredInt("epoch")
        guard countRange.contains(epoch) else {
            throw checkpoint.invalidAttribute("epoch", expected: "a count of epochs in \(countRange)", found: "\(epoch)")
        }
        let optimizer = try readOptimizer(checkpoint, file: file, network: network)

        var generators: [String: SeededGenerator] = [:]
        if try file.objectKind(at: generatorsGroup) == .group {
            for name in try file.group(at: generatorsGroup).childNames() {
                guard isStorableName(name) else {
                    throw StorageError(.invalidValue, filePath: file.path, field: "\(generatorsGroup)/\(name)",
                                       expected: "a generator name without '.'", found: "\"\(name)\"")
                }
                generators[name] = try readGenerator(file, at: "\(generatorsGroup)/\(name)")
            }
        }
        var dropoutStates: [String: SeededGenerator] = [:]
        let dropouts = network.dropoutLayers
        for (name, _) in dropouts {
            dropoutStates[name] = try readGenerator(file, at: "\(dropoutGroup)/\(name)")
        }
        if try file.objectKind(at: dropoutGroup) == .group,
           let extra = try file.group(at: dropoutGroup).childNames().first(where: { dropoutStates[$0] == nil }) {
            throw StorageError(.unexpectedEntry, filePath: file.path, field: "\(dropoutGroup)/\(extra)",
                               expected: "generators of the dropout layers \(dropouts.map(\.name))", found: "a layer the network does not have")
        }
        for (name, dropout) in dropouts { dropout.generator = dropoutStates[name] ?? dropout.generator }
        return Checkpoint(epoch: epoch, optimizer: optimizer, generators: generators,
                          best: try readBest(checkpoint, file: file, network: network, epoch: epoch),
                          ensemble: try readEnsemble(file: file, network: network))
    }

    private static func readBest(_ checkpoint: HDF5Group, file: HDF5File, network: Sequential, epoch: Int) throws -> BestEpoch? {
        guard try checkpoint.attributes.contains("best_epoch") else { return nil }
        let bestEpoch = try checkpoint.requiredInt("best_epoch")
        guard bestEpoch >= 1 && bestEpoch <= epoch else {
            throw checkpoint.invalidAttribute("best_epoch", expected: "an epoch from 1 to the checkpoint's \(epoch)", found: "\(bestEpoch)")
        }
        let score = try checkpoint.requiredDouble("best_score")
        guard score.isFinite else { throw checkpoint.invalidAttribute("best_score", expected: "a finite score", found: "\(score)") }
        let expected = network.weightEntries.map { (name: $0.name, shape: $0.tensor.shape) }
        return BestEpoch(epoch: bestEpoch, score: score,
                         weights: try file.readTensors(under: bestGroup, expected: expected, requireAll: true))
    }

    private static func readEnsemble(file: HDF5File, network: Sequential) throws -> EnsembleProgress? {
        guard try file.objectKind(at: "/checkpoint/ensemble") == .group else { return nil }
        // EasyEnsemble averages the head: the network's last layer.
        let head = network.layers.last.map { $0.name + "." } ?? ""
        let expected = network.parameters.filter { $0.name.hasPrefix(head) }.map { (name: $0.name, shape: $0.parameter.value.shape) }
        return EnsembleProgress(start: try file.readTensors(under: ensembleStartGroup, expected: expected, requireAll: true),
                                sums: try file.readTensors(under: ensembleSumsGroup, expected: expected, requireAll: true))
    }

    private static func readOptimizer(_ checkpoint: HDF5Group, file: HDF5File, network: Sequential) throws -> OptimizerState {
        let expected = network.parameters.map { (name: $0.name, shape: $0.parameter.value.shape) }
        func slot(_ name: String, requireAll: Bool) throws -> [String: Tensor] {
            try file.readTensors(under: "\(optimizerGroup)/\(name)", expected: expected, requireAll: requireAll)
        }
        // Checked once in float32, what the optimizer takes: a float64 past its range becomes
        // infinite, and one below its smallest step becomes 0.
        func number(_ name: String, in range: ClosedRange<Float>, _ meaning: String) throws -> Float {
            let value = try checkpoint.requiredDouble(name)
            guard range.contains(Float(value)) else { throw checkpoint.invalidAttribute(name, expected: meaning, found: "\(value)") }
            return Float(value)
        }
        func flag(_ name: String) throws -> Bool {
            let value = try checkpoint.requiredInt(name)
            guard value == 0 || value == 1 else { throw checkpoint.invalidAttribute(name, expected: "0 or 1", found: "\(value)") }
            return value == 1
        }
        let positive = Float.leastNonzeroMagnitude...Float.greatestFiniteMagnitude
        let nonNegative: ClosedRange<Float> = 0...Float.greatestFiniteMagnitude
        let kind = try checkpoint.requiredString("optimizer")
        switch kind {
        case "adam":
            let stepCount = try checkpoint.requiredInt("step_count")
            guard countRange.contains(stepCount) else {
                throw checkpoint.invalidAttribute("step_count", expected: "a count of steps in \(countRange)", found: "\(stepCount)")
            }
            let below1: ClosedRange<Float> = 0...Float(1).nextDown
            return .adam(
                learningRate: try number("learning_rate", in: positive, "a positive learning rate"),
                beta1: try number("beta1", in: below1, "a value in [0, 1)"),
                beta2: try number("beta2", in: below1, "a value in [0, 1)"),
                epsilon: try number("epsilon", in: positive, "a positive epsilon"),
                weightDecay: try number("weight_decay", in: nonNegative, "a weight decay of 0 or more"),
                decoupledWeightDecay: try flag("decoupled_weight_decay"), stepCount: stepCount,
                firstMoments: try slot("first_moment", requireAll: true), secondMoments: try slot("second_moment", requireAll: true))
        case "sgd":
            let momentum = try number("momentum", in: nonNegative, "a momentum of 0 or more")
            let nesterov = try flag("nesterov")
            guard !nesterov || momentum > 0 else {
                throw checkpoint.invalidAttribute("nesterov", expected: "0 when momentum is 0", found: "1")
            }
            return .sgd(
                learningRate: try number("learning_rate", in: positive, "a positive learning rate"),
                momentum: momentum, nesterov: nesterov,
                weightDecay: try number("weight_decay", in: nonNegative, "a weight decay of 0 or more"),
                momentumBuffers: try slot("momentum", requireAll: false))
        default:
            throw checkpoint.invalidAttribute("optimizer", expected: "\"adam\" or \"sgd\"", found: "\"\(kind)\"")
        }
    }

    private static func readGenerator(_ file: HDF5File, at path: String) throws -> SeededGenerator {
        let words = try file.requiredDataset(at: path, shape: [4]).read(as: Int64.self).map { UInt64(bitPattern: $0) }
        guard words.contains(where: { $0 != 0 }) else {
            throw StorageError(.invalidValue, filePath: file.path, field: path, expected: "a generator state", found: "all zeros")
        }
        return SeededGenerator(state: words)
    }
}

extension Sequential {
    /// The network's dropout layers by name, whose generators a checkpoint keeps.
    var dropoutLayers: [(name: String, layer: Dropout)] {
        layers.compactMap { name, layer in (layer as? Dropout).map { (name, $0) } }
    }
}
