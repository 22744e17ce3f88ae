import Foundation
import Likeness
import LikenessCommands

/// Embedding images/s: the reference network with its embedding head, in inference mode, over
/// the 10,000 test images in batches of `--batch`, made before the clock starts (the PyTorch
/// peer's are too). Random images when Fashion-MNIST is missing: the speed does not depend on the pixels.
///
/// Peers, each paired with runs of its own: PyTorch under `inference_mode`, and ONNX Runtime
/// running this very network exported with `likeness export onnx` (`ModelArchive.writeONNX`).
struct EmbeddingBenchmark {
    let speed: SpeedOptions
    let threads: Int
    let pytorch: String?
    let onnxruntime: String?
    let data: ProtocolData

    static let imageCount = 10_000

    func run(_ out: FigureOutput) throws {
        let test = ProtocolData.isInstalled ? try data.test() : nil
        let batches = stride(from: 0, to: Self.imageCount, by: speed.batch).map { start in
            TrainingBenchmark.batch(Array(start..<min(start + speed.batch, Self.imageCount)), of: test).images
        }
        let network = Network.make(backbone: .reference, head: .embedding(dimension: 64), channels: 1, height: 28, width: 28, seed: 1)
        for b in batches.prefix(5) { _ = network.forward(b, training: false) }  // warm-up
        let peer = pytorch.map {
            Peer(title: "PyTorch", versionField: "torch", script: PeerScript(python: $0, name: "pytorch_embed.py"),
                 arguments: ["--threads", "\(threads)", "--batch", "\(speed.batch)", "--images", "\(Self.imageCount)", "--repeats", "1"],
                 figure: "pytorch_embed_images_per_s")
        }
        let ours = { Double(Self.imageCount) / seconds { for b in batches { _ = network.forward(b, training: false) } } }
        let details: [String: Any] = ["network": "reference", "head": "embedding", "dimension": 64, "batch": speed.batch,
                                      "images": Self.imageCount, "data": test == nil ? "random" : "fashion-mnist test"]
        if pytorch != nil || onnxruntime == nil {
            let runs = try PairedRuns.measure("embed", count: speed.runs, unit: .imagesPerSecond, ours: ours, peer: peer)
            try out.write(runs, base: "embed", unit: .imagesPerSecond, peerName: "pytorch", details: details)
        }
        if let onnxruntime {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-bench-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 64), channels: 1, height: 28, width: 28)
            let archive = try ModelArchive(network: network, architecture: architecture, classNames: (0..<10).map { "class \($0)" })
            try archive.writeONNX(to: folder + "/reference.onnx", producerVersion: LikenessVersion.current)
            let peer = Peer(title: "ONNX Runtime", versionField: "onnxruntime", script: PeerScript(python: onnxruntime, name: "onnxruntime_embed.py"),
                            arguments: ["--model", folder + "/reference.onnx", "--threads", "\(threads)", "--batch", "\(speed.batch)",
                                        "--images", "\(Self.imageCount)", "--repeats", "1"],
                            figure: "onnxruntime_embed_images_per_s")
            let runs = try PairedRuns.measure("embed", count: speed.runs, unit: .imagesPerSecond, ours: ours, peer: peer)
            try out.write(runs, base: "embed", unit: .imagesPerSecond, peerName: "onnxruntime", details: details, writingOwn: pytorch == nil)
        }
    }
}
