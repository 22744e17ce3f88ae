#if !FUZZING
import Foundation
import Likeness

/// The seed corpus: small valid files of every kind, written by the library itself, from which
/// the fuzzer's mutations start (`Tests/Fuzz/Corpus/<target>/`).
enum Seeds {
    /// Writes the seeds of every target into `folder/<target>/`.
    static func write(to folder: String) throws {
        for target in FuzzTarget.allCases {
            let directory = "\(folder)/\(target.rawValue)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try write(target, to: directory)
        }
    }

    private static func write(_ target: FuzzTarget, to directory: String) throws {
        switch target {
        case .idx:
            let gray = IDXArray(shape: [3, 4, 4], bytes: ramp(48))
            try gray.write(to: "\(directory)/gray", compressed: false)
            try gray.write(to: "\(directory)/gray.gz", compressed: true)
            try IDXArray(shape: [2, 2, 2, 3], bytes: ramp(24)).write(to: "\(directory)/colour", compressed: false)
        case .cifar10:
            try CIFAR10.writeBatch(images(count: 1, side: 32, channels: 3), to: "\(directory)/one-record.bin")
        case .png:
            try image(channels: 1).writePNG(to: "\(directory)/gray.png")
            try image(channels: 3).writePNG(to: "\(directory)/rgb.png")
        case .jpeg:
            try image(channels: 1).writeJPEG(to: "\(directory)/gray.jpg")
            try image(channels: 3).writeJPEG(to: "\(directory)/rgb.jpg")
        case .imageSet:
            try images(count: 3, side: 4, channels: 1).writeHDF5(to: "\(directory)/gray.h5")
            try images(count: 2, side: 2, channels: 3).writeHDF5(to: "\(directory)/rgb.h5")
        case .gallery:
            var gallery = Gallery(modelDigest: digest, dimension: 4)
            try gallery.enroll(embeddings: unitRows(3), labels: [0, 1, 1], classNames: ["a", "b"])
            try gallery.setThreshold(.init(distance: 0.5, falseAcceptanceRate: 0.1, falseRejectionRate: 0.2), forClass: "a")
            gallery.globalThreshold = .init(distance: 0.7)
            try gallery.save(to: "\(directory)/two-classes.h5")
            try Gallery(modelDigest: digest, dimension: 4).save(to: "\(directory)/empty.h5")
        case .embeddingStore:
            try writeCompactStore(to: "\(directory)/three-rows.h5")
        case .modelArchive:
            let description = ModelDescription(backbone: .reference, head: .embedding(dimension: 2), channels: 1, height: 4, width: 4)
            let network = description.makeNetwork()
            let checkpoint = Checkpoint(
                epoch: 1, optimizer: .sgd(learningRate: 0.01, momentum: 0, nesterov: false, weightDecay: 0, momentumBuffers: [:]),
                generators: ["batches": SeededGenerator(seed: 1)])
            let path = "\(directory)/reference-checkpoint.h5"
            try ModelArchive(network: network, architecture: description, classNames: ["a", "b"], checkpoint: checkpoint).save(to: path)
            try writeAttributesOnly(of: path, to: "\(directory)/attributes-only.h5")
        }
    }

    /// An embedding store of three rows laid out as `EmbeddingStore.create` lays one out, but
    /// with contiguous datasets, which readers accept: 5 KB where the 64 KiB chunks of a store
    /// made to grow take 270.
    private static func writeCompactStore(to path: String) throws {
        let file = try HDF5File(creatingAt: path)
        try file.attributes.write(EmbeddingStore.formatName, named: "format")
        try file.attributes.write(EmbeddingStore.formatVersion, named: "format_version")
        try file.attributes.write(digest, named: "model_digest")
        try file.attributes.write(4, named: "dimension")
        try file.attributes.write(EmbeddingStore.distance, named: "distance")
        try file.attributes.write(1, named: "normalized")
        try file.createDataset(at: "/embeddings", values: unitRows(3).scalars, shape: [3, 4])
        try file.createDataset(at: "/labels", values: [Int32]([0, 1, -1]), shape: [3])
        try file.createDataset(at: "/ids", strings: ["x", "y", "z"])
        try file.createDataset(at: "/classes", strings: ["a", "b"])
        try file.close()
    }

    /// A copy of the model archive at `source` without its datasets: a few hundred bytes of the
    /// attributes, which the fuzzer's mutations reach far more often than in a whole archive.
    private static func writeAttributesOnly(of source: String, to path: String) throws {
        let archive = try HDF5File(openingAt: source)
        let copy = try HDF5File(creatingAt: path)
        for name in ["format", "architecture", "training", "digest"] {
            try copy.attributes.write(try archive.attributes.readString(named: name), named: name)
        }
        try copy.attributes.write(try archive.attributes.readInt(named: "format_version"), named: "format_version")
        try copy.attributes.write(try archive.attributes.readStrings(named: "class_names"), named: "class_names")
        try copy.close()
    }

    private static let digest = "sha256:" + String(repeating: "0", count: 64)

    private static func ramp(_ count: Int) -> [UInt8] { (0..<count).map { UInt8($0 * 37 % 256) } }

    private static func image(channels: Int) -> RasterImage {
        RasterImage(pixels: ramp(8 * 8 * channels), height: 8, width: 8, channels: channels)
    }

    private static func images(count: Int, side: Int, channels: Int) -> Dataset {
        Dataset(pixels: ramp(count * side * side * channels), labels: (0..<count).map { $0 % 2 }, classNames: ["a", "b"],
                ids: (0..<count).map { "image\($0)" }, height: side, width: side, channels: channels)
    }

    /// `count` unit rows of dimension 4.
    private static func unitRows(_ count: Int) -> Tensor {
        var values: [Float] = []
        for row in 0..<count {
            let raw = (0..<4).map { Float(($0 + row) % 4) + 0.5 }
            let length = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            values += raw.map { $0 / length }
        }
        return Tensor(shape: [count, 4], scalars: values)
    }
}
#endif
