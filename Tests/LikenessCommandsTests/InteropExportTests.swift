import Foundation
import Likeness
import LikenessCommands
import Testing
import _LikenessTestSupport

/// `likeness export onnx` and `likeness export npy`, read back by the engines they are for: the
/// ONNX model checked by `onnx.checker` and run by ONNX Runtime on 256 Fashion-MNIST test images
/// against `likeness embed`'s embeddings; the .npy files read by NumPy against the store (h5py).
/// Python comes from the test environment (Scripts/requirements-test.txt); in CI a missing module fails.
@Suite("exports to ONNX and NumPy, read by onnxruntime and NumPy", .serialized)
struct InteropExportTests {
    static let pythonRuns = pythonTestsRun(needing: "onnxruntime") && pythonTestsRun(needing: "h5py")

    func run(_ arguments: [String]) throws {
        var command = try LikenessCommand.parseAsRoot(arguments)
        try command.run()
    }

    /// The first 256 images of Fashion-MNIST's test file.
    static func testImages() throws -> (dataset: Dataset, indices: [Int]) {
        let loaded = try DatasetSource(parsing: "fashion-mnist:test").load()
        return (loaded.dataset, Array(loaded.selection.prefix(256)))
    }

    /// A model of `backbone` and `head` for 28×28 grey images with every weight, and every batch
    /// norm's scale, shift and running statistics, drawn at random, so that no operator of the
    /// graph is an identity; input normalised with Fashion-MNIST's mean and deviation.
    static func randomModel(_ backbone: Backbone, head: Head, classNames: [String], seed: UInt64) throws -> ModelArchive {
        let architecture = ModelDescription(backbone: backbone, head: head, channels: 1, height: 28, width: 28,
                                            normalization: InputNormalization(mean: [0.286], standardDeviation: [0.353]))
        let network = architecture.makeNetwork(seed: seed)
        var rng = SeededGenerator(seed: seed &+ 1000)
        for case let (_, norm as BatchNorm) in network.layers {
            let c = norm.featureCount
            norm.weight.value = .randomUniform(shape: [c], in: 0.5...1.5, using: &rng)
            norm.bias.value = .randomNormal(shape: [c], std: 0.2, using: &rng)
            norm.setBuffer("running_mean", to: .randomNormal(shape: [c], std: 0.3, using: &rng))
            norm.setBuffer("running_var", to: .randomUniform(shape: [c], in: 0.5...2, using: &rng))
        }
        return try ModelArchive(network: network, architecture: architecture, classNames: classNames)
    }

    /// Checks the ONNX file with `onnx.checker` (full check), runs it in ONNX Runtime on
    /// `inputs.npy` and compares the output `name` with `expected.npy` (and, for logits, the
    /// probabilities with their softmax); checks the metadata. Prints the largest difference.
    static let onnxCheck = """
    import json, sys
    import numpy as np, onnx, onnxruntime as ort
    path, inputs, expected, name, digest, classes = sys.argv[1:7]
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["likeness.model_digest"] == digest, meta
    assert json.loads(meta["likeness.class_names"]) == json.loads(classes), meta
    assert model.opset_import[0].version >= 13
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x, want = np.load(inputs), np.load(expected)
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"images": x})))
    assert got[name].shape == want.shape, (got[name].shape, want.shape)
    difference = float(np.abs(got[name] - want).max())
    assert difference <= 1e-5, difference
    if name == "logits":
        z = np.exp(want - want.max(axis=1, keepdims=True))
        assert np.abs(got["probabilities"] - z / z.sum(axis=1, keepdims=True)).max() <= 1e-6
    print(difference)
    """

    func checkInRuntime(_ archive: ModelArchive, onnx: String, inputs: String, expected: Tensor, in dir: TemporaryFolder) throws {
        try NumpyFile.write(expected, to: dir.file("expected.npy"))
        let classes = String(decoding: try JSONEncoder().encode(archive.classNames), as: UTF8.self)
        let result = try runProcess("python3", ["-c", Self.onnxCheck, onnx, inputs, dir.file("expected.npy"),
                                                archive.onnxOutputNames[0], archive.digest, classes])
        #expect(result.status == 0, "\(archive.architecture.backbone) \(archive.architecture.head): \(result.standardError)")
    }

    @Test(.enabled(if: pythonRuns, "python3 cannot import onnxruntime and h5py (Scripts/test.sh installs them)"),
          arguments: Backbone.allCases)
    func anExportedEmbedderGivesLikenessEmbedsEmbeddingsInONNXRuntime(backbone: Backbone) throws {
        let dir = try TemporaryFolder()
        let (dataset, indices) = try Self.testImages()
        let archive = try Self.randomModel(backbone, head: .embedding(dimension: 32), classNames: dataset.classNames, seed: 3)
        try archive.save(to: dir.file("model.h5"))
        try dataset.writeHDF5(to: dir.file("images.h5"), indices: indices)
        try NumpyFile.write(dataset.batch(indices), to: dir.file("inputs.npy"))

        try run(["export", "onnx", dir.file("model.h5"), "-o", dir.file("model.onnx")])
        try run(["embed", "--model", dir.file("model.h5"), "--dataset", dir.file("images.h5"), "-o", dir.file("store.h5")])
        let embedded = try EmbeddingStore.open(dir.file("store.h5")).readAll()
        #expect(embedded.count == 256)
        try checkInRuntime(archive, onnx: dir.file("model.onnx"), inputs: dir.file("inputs.npy"), expected: embedded.embeddings, in: dir)
    }

    @Test(.enabled(if: pythonRuns, "python3 cannot import onnxruntime (Scripts/test.sh installs it)"),
          arguments: [Head.softmax(classCount: 10), .projection(hidden: 48, dimension: 24)])
    func theOtherHeadsExportToo(head: Head) throws {
        let dir = try TemporaryFolder()
        let (dataset, indices) = try Self.testImages()
        let archive = try Self.randomModel(.reference, head: head, classNames: dataset.classNames, seed: 5)
        try archive.writeONNX(to: dir.file("model.onnx"), producerVersion: "test")
        try NumpyFile.write(dataset.batch(indices), to: dir.file("inputs.npy"))
        try checkInRuntime(archive, onnx: dir.file("model.onnx"), inputs: dir.file("inputs.npy"),
                           expected: archive.outputs(for: dataset, indices: indices), in: dir)
    }

    @Test func theONNXCommandRefusesWhatItCannotWrite() throws {
        let dir = try TemporaryFolder()
        let archive = try Self.randomModel(.reference, head: .embedding(dimension: 8), classNames: ["a", "b"], seed: 1)
        try archive.save(to: dir.file("model.h5"))
        for (arguments, expected) in [
            (["export", "onnx", dir.file("model.h5")], "Give the ONNX file to write with -o/--output."),
            (["export", "onnx", dir.file("model.h5"), "-o", dir.file("model.pb")], "must name an ONNX file ending in .onnx"),
            (["export", "onnx", dir.file("model.h5"), "-o", dir.file("model.h5")], "is the file MODEL"),
        ] {
            #expect(throws: (any Error).self) { try run(arguments) }
            do { try run(arguments) } catch {
                #expect(LikenessCommand.exitCode(for: error) == .validationFailure)
                #expect(LikenessCommand.fullMessage(for: error).contains(expected), "\(LikenessCommand.fullMessage(for: error))")
            }
        }
        // A missing model fails naming it, and writes nothing.
        do {
            try run(["export", "onnx", dir.file("absent.h5"), "-o", dir.file("model.onnx")])
            Issue.record("exporting a missing model did not fail")
        } catch {
            #expect(LikenessCommand.fullMessage(for: error).contains(dir.file("absent.h5")))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("model.onnx")))
        // The export is deterministic: the command writes the library's bytes.
        try run(["export", "onnx", dir.file("model.h5"), "-o", dir.file("model.onnx")])
        let written = try Data(contentsOf: URL(fileURLWithPath: dir.file("model.onnx")))
        #expect(Array(written) == (try archive.onnxData(producerVersion: LikenessVersion.current)))
    }

    /// Reads the .npy files with NumPy and the store with h5py, and compares them.
    static let numpyCheck = """
    import sys
    import h5py, numpy as np
    store, folder = sys.argv[1:3]
    with h5py.File(store, "r") as f:
        embeddings = f["embeddings"][:]
        labels = f["labels"][:]
        ids = [s.decode() for s in f["ids"][:]]
        classes = [s.decode() for s in f["classes"][:]]
    e = np.load(folder + "/embeddings.npy")
    assert e.dtype == np.float32 and e.shape == embeddings.shape and (e == embeddings).all(), (e.shape, embeddings.shape)
    l = np.load(folder + "/labels.npy")
    assert l.dtype == np.int64 and (l == labels).all(), l
    assert np.load(folder + "/ids.npy").tolist() == ids
    assert np.load(folder + "/classes.npy").tolist() == classes
    print(len(ids))
    """

    @Test(.enabled(if: pythonRuns, "python3 cannot import h5py (Scripts/test.sh installs it)"))
    func aStoreExportsToNumpyFilesAsOneSet() throws {
        let dir = try TemporaryFolder()
        let rows = 1_000, dimension = 12
        var rng = SeededGenerator(seed: 9)
        let embeddings = Tensor.randomNormal(shape: [rows, dimension], using: &rng)
        // Identifiers of different lengths, outside ASCII too; rows without a label.
        let ids = (0..<rows).map { $0 % 7 == 0 ? "images/été/\($0).png" : $0 % 11 == 0 ? "日本/\($0)" : "\($0)" }
        let labels = (0..<rows).map { $0 % 5 == 4 ? -1 : $0 % 3 }
        _ = try EmbeddingStore.create(at: dir.file("store.h5"), modelDigest: "sha256:test", dimension: dimension,
                                      classNames: ["T-shirt/top", "Sandale", "靴"], normalized: false) {
            try $0.append(EmbeddingBatch(embeddings: embeddings, labels: labels, ids: ids))
        }
        let folder = dir.file("npy")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        // Several chunks, the last one short.
        try run(["export", "npy", dir.file("store.h5"), folder, "--chunk-rows", "300"])
        let output = try runProcess("python3", ["-c", Self.numpyCheck, dir.file("store.h5"), folder], environment: ["HDF5_USE_FILE_LOCKING": "FALSE"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "\(rows)")
        // The user's file is kept; nothing else is left behind.
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(entries == (EmbeddingStore.numpyFileNames + ["notes.txt"]).sorted())
        #expect(try String(contentsOfFile: folder + "/notes.txt", encoding: .utf8) == "mine")
        // A file where the folder should be is refused, and kept.
        do {
            try run(["export", "npy", dir.file("store.h5"), dir.file("store.h5")])
            Issue.record("exporting onto the store did not fail")
        } catch {
            #expect(LikenessCommand.fullMessage(for: error).contains("a file, not a folder"), "\(LikenessCommand.fullMessage(for: error))")
        }
        #expect(try EmbeddingStore.open(dir.file("store.h5")).count == rows)
    }

    @Test func theNumpyHeaderIsWhatNumpyWrites() {
        // numpy.lib.format.write_array_header_1_0 for np.zeros((3, 2), '<f4'): 128 bytes in all with the data.
        let header = NumpyFile.header(.float32, shape: [3, 2])
        #expect(header.count % 64 == 0)
        #expect(Array(header.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let text = String(decoding: header.dropFirst(10), as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"))
        #expect(text.hasSuffix(" \n"))
        #expect(String(decoding: NumpyFile.header(.unicode(characters: 5), shape: [4]).dropFirst(10), as: UTF8.self)
            .hasPrefix("{'descr': '<U5', 'fortran_order': False, 'shape': (4,), }"))
    }
}
