import Likeness
import LikenessHDF5

/// A loader of untrusted files, fed arbitrary bytes.
///
/// A run passes when the loader either accepts the bytes and everything it returns can be used,
/// or throws; a crash, a sanitizer report or a runaway allocation is a finding.
enum FuzzTarget: String, CaseIterable {
    /// An IDX images file (plain or gzip), then the dataset it makes with a labels file.
    case idx
    /// A CIFAR-10 binary batch.
    case cifar10
    /// PNG bytes decoded, converted and resized as an image folder's images are.
    case png
    /// JPEG bytes, the same way.
    case jpeg
    /// An HDF5 image set (`likeness data export`).
    case imageSet = "image-set"
    /// A gallery, then a classification of its own prototypes.
    case gallery
    /// An embedding store, read whole and in chunks.
    case embeddingStore = "embedding-store"
    /// A model archive, with its checkpoint's optimizer rebuilt.
    case modelArchive = "model-archive"

    /// Runs `bytes` through the loader, writing them to a file in `scratch` first where it reads
    /// paths; traps if the loader leaves an HDF5 identifier open.
    func run(_ bytes: [UInt8], in scratch: ScratchFolder) throws {
        defer {
            let open = hdf5OpenObjectCount
            precondition(open == 0, "\(self) left \(open) HDF5 objects open")
        }
        try load(bytes, in: scratch)
    }

    private func load(_ bytes: [UInt8], in scratch: ScratchFolder) throws {
        switch self {
        case .idx:
            let images = try scratch.write(bytes, named: "images-idx3-ubyte")
            let array = try IDXArray(contentsOf: images)
            // Labels for as many images as the file declares, or fewer when it declares more
            // than it holds (the count mismatch is refused, as with a real labels file).
            let count = min(array.shape[0], bytes.count)
            let labels = try scratch.write(IDXArray(shape: [count], bytes: [UInt8](repeating: 0, count: count)).encoded,
                                           named: "labels-idx1-ubyte")
            use(try Dataset(idxImages: images, labels: labels))
        case .cifar10:
            use(try CIFAR10.load(batches: [try scratch.write(bytes, named: "data_batch_1.bin")]))
        case .png:
            use(try RasterImage(png: bytes, file: "input.png"))
        case .jpeg:
            use(try RasterImage(jpeg: bytes, file: "input.jpg"))
        case .imageSet:
            use(try Dataset(hdf5: try scratch.write(bytes, named: "images.h5")))
        case .gallery:
            let gallery = try Gallery.load(try scratch.write(bytes, named: "gallery.h5"))
            guard !gallery.classes.isEmpty else { return }
            let classifier = PrototypeClassifier(gallery: gallery)
            _ = classifier.classify(gallery.prototypes)
        case .embeddingStore:
            let store = try EmbeddingStore.open(try scratch.write(bytes, named: "store.h5"))
            _ = try store.readAll()
            try store.forEachChunk(rows: 3) { _, _ in }
        case .modelArchive:
            let path = try scratch.write(bytes, named: "model.h5")
            let archive = try ModelArchive.load(path)
            _ = try ModelArchive.storedDigest(at: path)
            _ = archive.checkpoint?.optimizer.makeOptimizer(for: archive.network)
        }
    }

    /// Touches what a caller of a dataset loader uses: the image size and a batch.
    private func use(_ dataset: Dataset) {
        _ = dataset.batch(0..<min(dataset.count, 2))
        _ = dataset.classCounts
    }

    /// Converts and resizes `image` as `Dataset(imageFiles:…)` does.
    private func use(_ image: RasterImage) {
        _ = image.converted(channels: image.channels == 1 ? 3 : 1).resized(height: 8, width: 8)
    }
}
