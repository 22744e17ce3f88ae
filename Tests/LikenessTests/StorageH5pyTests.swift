import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// What h5py sees in the three files (printed as JSON by the script below), following the
/// readers of docs/FILE-FORMATS.md.
private struct H5pyView: Decodable {
    struct Model: Decodable {
        let format: String
        let formatVersion: Int
        let digest: String
        let recomputedDigest: String
        let backbone: String
        let headKind: String
        let headSize: Int
        let layerNames: [String]
        let classNames: [String]
        let training: TrainingRecord
        let shapes: [String: [Int]]
        let firstBias: [Float]
        let checkpointEpoch: Int
        let stepCount: Int
    }
    struct Store: Decodable {
        let format: String
        let modelDigest: String
        let dimension: Int
        let distance: String
        let normalized: Int
        let dtype: String
        let shape: [Int]
        let maxshape: [Int?]
        let embeddings: [Float]
        let labels: [Int]
        let ids: [String]
        let classes: [String]
    }
    struct Gallery: Decodable {
        let format: String
        let modelDigest: String
        let classes: [String]
        let prototypes: [[Float]]
        let shotCounts: [Int]
        let thresholds: [Float?]
        let falseAcceptanceRates: [Double?]
        let globalThreshold: Double
    }
    let model: Model
    let store: Store
    let gallery: Gallery
}

private let h5pyScript = """
    import hashlib, json, math, sys
    import h5py, numpy as np

    def weights(group):
        out = {}
        group.visititems(lambda name, obj: out.__setitem__(name.replace("/", "."), obj[...])
                         if isinstance(obj, h5py.Dataset) else None)
        return out

    def digest(tensors):
        h = hashlib.sha256()
        for name in sorted(tensors, key=lambda n: n.encode()):
            t = np.asarray(tensors[name], dtype="<f4")
            h.update(name.encode() + b"\\0")
            h.update(np.array([t.ndim, *t.shape], dtype="<u8").tobytes())
            h.update(t.tobytes())
        return "sha256:" + h.hexdigest()

    def nan_to_none(values):
        return [None if math.isnan(v) else float(v) for v in values]

    with h5py.File(sys.argv[1], "r") as f:
        w = weights(f["model_weights"])
        architecture = json.loads(f.attrs["architecture"])
        model = {
            "format": f.attrs["format"], "formatVersion": int(f.attrs["format_version"]),
            "digest": f.attrs["digest"], "recomputedDigest": digest(w),
            "backbone": architecture["backbone"], "headKind": architecture["head"]["kind"],
            "headSize": architecture["head"]["size"], "layerNames": [l["name"] for l in architecture["layers"]],
            "classNames": list(f.attrs["class_names"]), "training": json.loads(f.attrs["training"]),
            "shapes": {k: list(v.shape) for k, v in w.items()}, "firstBias": w["conv1.bias"].tolist(),
            "checkpointEpoch": int(f["checkpoint"].attrs["epoch"]),
            "stepCount": int(f["checkpoint"].attrs["step_count"]),
        }
    with h5py.File(sys.argv[2], "r") as f:
        e = f["embeddings"]
        store = {
            "format": f.attrs["format"], "modelDigest": f.attrs["model_digest"],
            "dimension": int(f.attrs["dimension"]), "distance": f.attrs["distance"],
            "normalized": int(f.attrs["normalized"]), "dtype": str(e.dtype), "shape": list(e.shape),
            "maxshape": list(e.maxshape), "embeddings": e[...].ravel().tolist(),
            "labels": f["labels"][...].tolist(), "ids": f["ids"].asstr()[...].tolist(),
            "classes": f["classes"].asstr()[...].tolist(),
        }
    with h5py.File(sys.argv[3], "r") as f:
        gallery = {
            "format": f.attrs["format"], "modelDigest": f.attrs["model_digest"],
            "classes": f["classes"].asstr()[...].tolist(), "prototypes": f["prototypes"][...].tolist(),
            "shotCounts": f["shot_counts"][...].tolist(), "thresholds": nan_to_none(f["thresholds"][...]),
            "falseAcceptanceRates": nan_to_none(f["threshold_false_acceptance_rates"][...]),
            "globalThreshold": float(f.attrs["threshold"]),
        }
    print(json.dumps({"model": model, "store": store, "gallery": gallery}))
    """


extension StorageTests {
    @Suite struct H5pyTests {
        @Test(.enabled(if: StorageTests.pythonHasH5py, "python3 cannot import h5py (pip install h5py)"))
        func h5pyReadsTheModelTheStoreAndTheGallery() throws {
            let folder = try TemporaryFolder()
            let (modelPath, storePath, galleryPath) = (folder.file("model.h5"), folder.file("store.h5"), folder.file("gallery.h5"))

            let architecture = ModelDescription(backbone: .small, head: .embedding(dimension: 4), channels: 3, height: 8, width: 8)
            let network = architecture.makeNetwork(seed: 2)
            let adam = Adam(parameters: network.parameters.map(\.parameter))
            let checkpoint = Checkpoint(epoch: 4, optimizer: OptimizerState(capturing: adam, of: network))
            let archive = try ModelArchive(network: network, architecture: architecture, classNames: ["Coat", "Bag"],
                                           training: sampleTrainingRecord, checkpoint: checkpoint)
            try archive.save(to: modelPath)

            let embeddings = StorageTests.unitRows(5, 4, seed: 3)
            let store = try EmbeddingStore.create(at: storePath, modelDigest: archive.digest, dimension: 4, classNames: ["Coat", "Bag"]) {
                try $0.append(EmbeddingBatch(embeddings: embeddings, labels: [0, 1, -1, 1, 0], ids: ["a.png", "b.png", "ç.png", "3", "4"]))
            }
            var gallery = Gallery(modelDigest: archive.digest, dimension: 4)
            try gallery.enroll(contentsOf: store)
            try gallery.setThreshold(.init(distance: 0.5, falseAcceptanceRate: 0.02), forClass: "Bag")
            gallery.globalThreshold = .init(distance: 0.875)
            try gallery.save(to: galleryPath)

            let output = try StorageTests.runPython(h5pyScript, [modelPath, storePath, galleryPath])
            let view = try JSONDecoder().decode(H5pyView.self, from: Data(output.utf8))

            let model = view.model
            #expect(model.format == "likeness-model" && model.formatVersion == 2)
            #expect(model.digest == archive.digest)
            #expect(model.recomputedDigest == archive.digest, "the digest recipe of FILE-FORMATS.md gives the same digest")
            #expect(model.backbone == "small" && model.headKind == "embedding" && model.headSize == 4)
            #expect(model.layerNames == network.layers.map(\.name))
            #expect(model.classNames == ["Coat", "Bag"])
            #expect(model.training == sampleTrainingRecord)
            #expect(model.shapes == Dictionary(uniqueKeysWithValues:
                (network.parameters.map { ($0.name, $0.parameter.value.shape) } + network.buffers.map { ($0.name, $0.tensor.shape) })))
            #expect(model.firstBias == network.parameters.first { $0.name == "conv1.bias" }?.parameter.value.scalars)
            #expect(model.checkpointEpoch == 4 && model.stepCount == 0)

            let storeView = view.store
            #expect(storeView.format == "likeness-embeddings" && storeView.modelDigest == archive.digest)
            #expect(storeView.dimension == 4 && storeView.distance == "euclidean" && storeView.normalized == 1)
            #expect(storeView.dtype == "float32" && storeView.shape == [5, 4] && storeView.maxshape == [nil, 4])
            #expect(storeView.embeddings == embeddings.scalars)
            #expect(storeView.labels == [0, 1, -1, 1, 0])
            #expect(storeView.ids == ["a.png", "b.png", "ç.png", "3", "4"])
            #expect(storeView.classes == ["Coat", "Bag"])

            let galleryView = view.gallery
            #expect(galleryView.format == "likeness-gallery" && galleryView.modelDigest == archive.digest)
            #expect(galleryView.classes == ["Coat", "Bag"])
            #expect(galleryView.prototypes == gallery.classes.map(\.prototype))
            #expect(galleryView.shotCounts == [2, 2])
            #expect(galleryView.thresholds == [nil, 0.5])
            #expect(galleryView.falseAcceptanceRates == [nil, 0.02])
            #expect(galleryView.globalThreshold == 0.875)
        }
    }
}
