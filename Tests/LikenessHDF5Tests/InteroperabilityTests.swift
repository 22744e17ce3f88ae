import Foundation
import LikenessHDF5
import Testing
import _LikenessTestSupport

/// An embedding store as later work will write it: extendable float32 embeddings, int32
/// labels, UTF-8 ids and class names, and attributes describing them.
private func writeEmbeddingStore(at path: String) throws {
    try HDF5File.writeAtomically(to: path) { file in
        let embeddings = try file.createDataset(
            at: "embeddings", elementType: .float32, shape: [0, 4], chunkShape: [2, 4], extendable: true)
        try embeddings.append((0..<12).map { Float($0) / 8 })
        try embeddings.append((12..<20).map { Float($0) / 8 })
        try file.createDataset(at: "labels", values: [Int32]([3, 1, 4, 1, 5]), shape: [5])
        try file.createDataset(at: "ids", strings: ["a/0.png", "b/1.png", "café.png", "日本.png", ""], extendable: true)
        try file.createDataset(at: "classes", strings: ["T-shirt/top", "Trouser"])
        try file.attributes.write("sha256:ab12", named: "model_digest")
        try file.attributes.write(4, named: "dimension")
        try file.attributes.write("euclidean", named: "distance")
        try file.attributes.write(0.75, named: "threshold")
        try file.attributes.write([Float]([0.5, -0.25]), named: "mean")
        try file.attributes.write([1, 2, 3], named: "counts")
    }
}

/// What h5py sees in the file (printed as JSON by the script below).
private struct H5pyView: Decodable {
    struct Array: Decodable {
        let dtype: String
        let shape: [Int]
        let maxshape: [Int?]
        let chunks: [Int]?
        let data: [Double]
    }
    struct Attribute: Decodable {
        let type: String
        let text: String?
        let number: Double?
        let numbers: [Double]?
    }
    let embeddings: Array
    let labels: Array
    let ids: [String]
    let idsEncoding: String
    let classes: [String]
    let attributes: [String: Attribute]
}

private let h5pyScript = """
    import json, sys, h5py
    def array(d):
        return {"dtype": str(d.dtype), "shape": list(d.shape), "maxshape": list(d.maxshape),
                "chunks": list(d.chunks) if d.chunks else None, "data": d[...].ravel().tolist()}
    def attribute(v):
        if isinstance(v, str): return {"type": "str", "text": v}
        if hasattr(v, "shape") and v.shape: return {"type": "array of " + str(v.dtype), "numbers": v.tolist()}
        return {"type": type(v).__name__, "number": v.item()}
    with h5py.File(sys.argv[1], "r") as f:
        print(json.dumps({
            "embeddings": array(f["embeddings"]), "labels": array(f["labels"]),
            "ids": f["ids"].asstr()[...].tolist(),
            "idsEncoding": h5py.check_string_dtype(f["ids"].dtype).encoding,
            "classes": f["classes"].asstr()[...].tolist(),
            "attributes": {k: attribute(v) for k, v in f.attrs.items()},
        }))
    """

extension HDF5Tests {
    @Suite struct InteroperabilityTests {
        @Test(.enabled(if: pythonHasH5py, "python3 cannot import h5py (pip install h5py)"))
        func h5pyReadsWhatLikenessWrites() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("embeddings.h5")
            try writeEmbeddingStore(at: path)
            let result = try runProcess("python3", ["-c", h5pyScript, path])
            try #require(result.status == 0, "h5py failed: \(result.standardError)")
            let view = try JSONDecoder().decode(H5pyView.self, from: Data(result.standardOutput.utf8))

            #expect(view.embeddings.dtype == "float32")
            #expect(view.embeddings.shape == [5, 4])
            #expect(view.embeddings.maxshape == [nil, 4])
            #expect(view.embeddings.chunks == [2, 4])
            #expect(view.embeddings.data == (0..<20).map { Double($0) / 8 })
            #expect(view.labels.dtype == "int32")
            #expect(view.labels.data == [3, 1, 4, 1, 5])
            #expect(view.ids == ["a/0.png", "b/1.png", "café.png", "日本.png", ""])
            #expect(view.idsEncoding == "utf-8")
            #expect(view.classes == ["T-shirt/top", "Trouser"])

            let attributes = view.attributes
            #expect(attributes["model_digest"]?.type == "str", "string attributes read as str, not bytes")
            #expect(attributes["model_digest"]?.text == "sha256:ab12")
            #expect(attributes["distance"]?.text == "euclidean")
            #expect(attributes["dimension"]?.type == "int64")
            #expect(attributes["dimension"]?.number == 4)
            #expect(attributes["threshold"]?.type == "float64")
            #expect(attributes["threshold"]?.number == 0.75)
            #expect(attributes["mean"]?.type == "array of float32")
            #expect(attributes["mean"]?.numbers == [0.5, -0.25])
            #expect(attributes["counts"]?.type == "array of int64")
            #expect(attributes["counts"]?.numbers == [1, 2, 3])
        }

        @Test(.enabled(if: h5dumpIsInstalled, "h5dump is not installed (Debian hdf5-tools)"))
        func h5dumpReadsWhatLikenessWrites() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("embeddings.h5")
            try writeEmbeddingStore(at: path)
            let labels = try runProcess("h5dump", ["-d", "/labels", path])
            try #require(labels.status == 0, "h5dump failed: \(labels.standardError)")
            #expect(labels.standardOutput.contains("H5T_STD_I32LE"))
            #expect(labels.standardOutput.contains("(0): 3, 1, 4, 1, 5"))
            let digest = try runProcess("h5dump", ["-a", "/model_digest", path])
            try #require(digest.status == 0, "h5dump failed: \(digest.standardError)")
            #expect(digest.standardOutput.contains("STRSIZE H5T_VARIABLE;"))
            #expect(digest.standardOutput.contains("CSET H5T_CSET_UTF8;"))
            #expect(digest.standardOutput.contains("\"sha256:ab12\""))
        }
    }
}
