import Foundation
import LikenessCore
import LikenessFiles
import LikenessHDF5
import LikenessTraining

/// A trained network in an HDF5 file, with what is needed to rebuild and use it.
///
/// Layout (docs/FILE-FORMATS.md has the details and an h5py reader):
///
///     /model_weights/<layer>/<param>   float32, one dataset per parameter and buffer
///                                      (`conv1.weight` → /model_weights/conv1/weight)
///     /checkpoint/...                  optimizer state, epoch, generators (checkpoints only)
///     attributes: format = "likeness-model", format_version = 2, architecture (JSON),
///                 training (JSON: a `TrainingRecord`, or {}), class_names (strings), digest ("sha256:…")
///
/// `load` rebuilds the network from the architecture with `Network.make` and checks every
/// stored name and shape against it before copying the weights in.
public struct ModelArchive {
    /// The `format` attribute of model archives.
    public static let formatName = "likeness-model"
    /// The `format_version` written; files of this version or older are read. Version 2 made
    /// the `training` attribute a `TrainingRecord` (version 1: free-form JSON, `likeness train`'s
    /// with each epoch's report as a JSON string; read and converted).
    public static let formatVersion = 2

    /// What the network is; `network` must be built from it (`architecture.makeNetwork()`).
    public var architecture: ModelDescription
    public var network: Sequential
    /// The names of the classes the network was trained on, in label order.
    public var classNames: [String]
    /// How the network was trained, nil when the file does not say.
    public var training: TrainingRecord?
    /// The state to resume training from, for checkpoints; nil for a finished model.
    public var checkpoint: Checkpoint?

    /// An archive of `network`, which must have the parameters and buffers, with their shapes,
    /// of `architecture.makeNetwork()`; a softmax head's class count must be `classNames.count`.
    ///
    /// - Throws: the encoder's error if `training` cannot be encoded as JSON (a non-finite figure).
    public init(
        network: Sequential, architecture: ModelDescription, classNames: [String],
        training: TrainingRecord? = nil, checkpoint: Checkpoint? = nil
    ) throws {
        let expected = architecture.makeNetwork().weightEntries.map { "\($0.name) \($0.tensor.shape)" }
        let given = network.weightEntries.map { "\($0.name) \($0.tensor.shape)" }
        precondition(given == expected, "network does not match its architecture: \(given) vs \(expected)")
        if case .softmax(let classCount) = architecture.head {
            precondition(classCount == classNames.count, "softmax head over \(classCount) classes, \(classNames.count) names")
        }
        self.architecture = architecture
        self.network = network
        self.classNames = classNames
        _ = try training?.json()
        self.training = training
        self.checkpoint = checkpoint
    }

    /// The digest of the network's current weights (`Sequential.weightDigest`), which embedding
    /// stores and galleries record to tie their vectors to this model.
    public var digest: String { network.weightDigest }

    /// Writes the archive to `path` as a whole (a temporary file renamed into place): if
    /// anything fails, a file already at `path` is left as it was.
    public func save(to path: String) throws {
        let architectureJSON = try ArchitectureRecord(description: architecture, network: network).json()
        let trainingJSON = try training?.json() ?? "{}"
        let entries = network.weightEntries
        try HDF5File.writeAtomically(to: path) { file in
            for (name, tensor) in entries {
                try file.createDataset(at: Self.weightsGroup + "/" + datasetPath(forName: name),
                                       values: tensor.scalars, shape: tensor.shape)
            }
            try Self.format.write(to: file)
            try file.attributes.write(architectureJSON, named: "architecture")
            try file.attributes.write(trainingJSON, named: "training")
            try file.attributes.write(classNames, named: "class_names")
            try file.attributes.write(WeightDigest.of(entries), named: "digest")
            if let checkpoint { try checkpoint.write(to: file, network: network) }
        }
    }

    /// Reads the archive at `path` and rebuilds its network.
    ///
    /// - Throws: `HDF5Error` if the file is missing, not HDF5 or damaged; `StorageError` with
    ///   the file and field if it is not a model archive of a version this build reads
    ///   (`wrongFormat`, `unsupportedVersion`), an attribute is missing or unreadable
    ///   (`missingEntry`, `invalidValue`; version 1's `training` is converted), a parameter or buffer of the network is missing, extra
    ///   or of another shape (`missingEntry`, `unexpectedEntry`, `wrongShape`, naming the dataset
    ///   and both shapes), or the weights do not hash to the stored digest (`digestMismatch`).
    public static func load(_ path: String) throws -> ModelArchive {
        let file = try HDF5File(openingAt: path)
        let version = try format.check(file)
        let record = try ArchitectureRecord(json: try file.requiredString("architecture"), file: file)
        let classNames = try file.requiredStrings("class_names")
        let training: TrainingRecord?
        do {
            training = try TrainingRecord.decode(try file.requiredString("training"), version: version)
        } catch let error as DecodingError {
            throw file.invalidAttribute(
                "training", expected: version == 1
                    ? "likeness train's settings of format version 1 ({command, trainingClassCounts, epochs: [JSON strings]}), "
                        + "or {}: set the attribute to {} to load the weights without them (h5py: f.attrs[\"training\"] = \"{}\")"
                    : "a training record (docs/FILE-FORMATS.md) or {}",
                found: "\(error)")
        }
        let storedDigest = try file.requiredString("digest")
        if case .softmax(let classCount) = record.description.head, classCount != classNames.count {
            throw file.invalidAttribute("class_names", expected: "\(classCount) names (the softmax head's classes)",
                                        found: "\(classNames.count) names")
        }

        try requireRoom(for: record.description, in: file)
        let network = record.description.makeNetwork()
        let storedLayers = record.layers.map { "\($0.name): \($0.type)" }
        let builtLayers = ArchitectureRecord.layers(of: network).map { "\($0.name): \($0.type)" }
        guard storedLayers == builtLayers else {
            throw file.invalidAttribute("architecture", expected: "the layers \(builtLayers) that \(record.description.backbone) builds",
                                        found: "\(storedLayers)")
        }
        let expected = network.weightEntries.map { (name: $0.name, shape: $0.tensor.shape) }
        let weights = try file.readTensors(under: weightsGroup, expected: expected, requireAll: true)
        for (name, parameter) in network.parameters { parameter.value = weights[name] ?? parameter.value }
        for (name, _) in network.buffers { if let tensor = weights[name] { network.setBuffer(name, to: tensor) } }

        let digest = network.weightDigest
        guard digest == storedDigest else {
            throw StorageError(.digestMismatch, filePath: path, field: attributeField(file, "digest"),
                               expected: storedDigest, found: "weights hashing to \(digest)")
        }
        return ModelArchive(
            checkedNetwork: network, architecture: record.description, classNames: classNames,
            training: training, checkpoint: try Checkpoint.read(from: file, network: network))
    }

    /// An archive of parts `load` has checked against each other.
    private init(
        checkedNetwork network: Sequential, architecture: ModelDescription, classNames: [String],
        training: TrainingRecord?, checkpoint: Checkpoint?
    ) {
        self.architecture = architecture
        self.network = network
        self.classNames = classNames
        self.training = training
        self.checkpoint = checkpoint
    }

    /// The digest stored in the archive at `path`, read without loading the weights.
    public static func storedDigest(at path: String) throws -> String {
        let file = try HDF5File(openingAt: path)
        try format.check(file)
        return try file.requiredString("digest")
    }

    /// Throws `invalidValue` for the architecture unless the file is long enough to hold the
    /// weights of its dense layer (compressed at most as deflate can): a small file cannot make
    /// `load` build a large network only to find its weights missing.
    private static func requireRoom(for description: ModelDescription, in file: HDF5File) throws {
        let fileBytes = try file.byteCount()
        let weightBytes = description.denseLayerWeightCount * MemoryLayout<Float>.size
        guard weightBytes / HDF5ReadLimit.inflationRatio <= fileBytes else {
            throw file.invalidAttribute(
                "architecture", expected: "a network whose weights a file of \(fileBytes) bytes can hold",
                found: "\(weightBytes) bytes of weights in the dense layer alone")
        }
    }

    static let format = FileFormat(name: formatName, version: formatVersion)
    static let weightsGroup = "/model_weights"
}

/// `conv1/weight` for the parameter `conv1.weight`: the layer's group, then the parameter.
func datasetPath(forName name: String) -> String {
    guard let dot = name.firstIndex(of: ".") else { return name }
    return "\(name[..<dot])/\(name[name.index(after: dot)...])"
}

/// The `architecture` attribute: the description, and the network's layers for readers
/// without Likeness (and for `load` to check that the backbone still builds the same layers).
struct ArchitectureRecord: Codable {
    struct Layer: Codable, Equatable {
        struct Entry: Codable, Equatable {
            var name: String
            var shape: [Int]
        }
        var name: String
        var type: String
        var parameters: [Entry]
        var buffers: [Entry]
    }

    var description: ModelDescription
    var layers: [Layer]

    init(description: ModelDescription, network: Sequential) {
        self.description = description
        layers = Self.layers(of: network)
    }

    static func layers(of network: Sequential) -> [Layer] {
        network.layers.map { name, layer in
            Layer(name: name, type: String(describing: type(of: layer)),
                  parameters: layer.parameters.map { .init(name: $0.name, shape: $0.parameter.value.shape) },
                  buffers: layer.buffers.map { .init(name: $0.name, shape: $0.tensor.shape) })
        }
    }

    /// Decodes the attribute's JSON; throws `invalidValue` naming the attribute if it cannot.
    init(json: String, file: HDF5File) throws {
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(json.utf8))
        } catch {
            throw file.invalidAttribute("architecture", expected: "a model description in JSON", found: "\(error)")
        }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    private enum CodingKeys: String, CodingKey { case layers }

    init(from decoder: any Decoder) throws {
        description = try ModelDescription(from: decoder)
        layers = try decoder.container(keyedBy: CodingKeys.self).decode([Layer].self, forKey: .layers)
    }

    func encode(to encoder: any Encoder) throws {
        try description.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(layers, forKey: .layers)
    }
}

extension HDF5File {
    /// Reads the float32 datasets `<layer>/<param>` under `groupPath` as tensors keyed
    /// `layer.param`, after checking them against `expected` (names and shapes).
    ///
    /// - Throws: `missingEntry` for an expected tensor that is absent (only when `requireAll`;
    ///   otherwise it is left out of the result), `unexpectedEntry` for a dataset or group not
    ///   expected, `wrongShape` naming the dataset and both shapes.
    func readTensors(
        under groupPath: String, expected: [(name: String, shape: [Int])], requireAll: Bool
    ) throws -> [String: Tensor] {
        var found: [String: String] = [:]  // name → dataset path
        if try objectKind(at: groupPath) == .group {
            let group = try group(at: groupPath)
            for layer in try group.childNames() {
                let layerPath = "\(groupPath)/\(layer)"
                guard try objectKind(at: layerPath) == .group else {
                    throw StorageError(.unexpectedEntry, filePath: path, field: layerPath,
                                       expected: "groups of datasets <layer>/<name>", found: "a dataset")
                }
                for name in try self.group(at: layerPath).childNames() {
                    found["\(layer).\(name)"] = "\(layerPath)/\(name)"
                }
            }
        }
        var tensors: [String: Tensor] = [:]
        for (name, shape) in expected {
            let entryPath = "\(groupPath)/\(datasetPath(forName: name))"
            guard found.removeValue(forKey: name) != nil else {
                if requireAll {
                    throw StorageError(.missingEntry, filePath: path, field: entryPath,
                                       expected: "a float32 dataset of shape \(describe(shape: shape)) for \(name)")
                }
                continue
            }
            let dataset = try requiredDataset(at: entryPath, shape: shape)
            tensors[name] = Tensor(shape: shape, scalars: try dataset.read(as: Float.self))
        }
        if let extra = found.values.sorted().first {
            throw StorageError(.unexpectedEntry, filePath: path, field: extra,
                               expected: "only the network's \(expected.count) tensors", found: "a tensor the network does not have")
        }
        return tensors
    }
}
