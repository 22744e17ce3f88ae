import Foundation
import LikenessData
import LikenessFiles
import Testing
import _LikenessTestSupport

/// Split files (`likeness data split`) read back as `FILE:PART` datasets: by id, checked against
/// the fingerprint of the dataset they were made from.
@Suite struct SplitFileTests {
    /// A split of `dataset` (loaded as `loaded`) written to `name` in `dir`, as `data split` writes it.
    func writeSplit(of dataset: String, loaded: LoadedDataset, to name: String, in dir: TemporaryFolder) throws -> SplitFile {
        let split = DatasetSplit.stratified(labels: loaded.dataset.labels, classCount: loaded.dataset.classNames.count,
                                            validationFraction: 0.2, testFraction: 0.3, seed: 5, subset: loaded.selection)
        let file = SplitFile(dataset: dataset, loaded: loaded, split: split, seed: 5, validationFraction: 0.2, testFraction: 0.3)
        try write(file, to: dir.file(name))
        return file
    }

    func write(_ file: SplitFile, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(file).write(to: URL(fileURLWithPath: path))
    }

    @Test func aPartSelectsItsImagesById() throws {
        let dir = try TemporaryFolder()
        let batch = dir.file("test_batch.bin")
        try CIFAR10.writeBatch(makeDataset(count: 40, classes: 4, height: 32, width: 32, channels: 3), to: batch)
        let whole = try DatasetSource(parsing: batch).load()
        let file = try writeSplit(of: batch, loaded: whole, to: "split.json", in: dir)
        #expect(file.test.count == 12 && file.validation.count == 8 && file.train.count == 20)
        #expect(file.fingerprint == whole.dataset.fingerprint(of: whole.selection) && file.fingerprint.hasPrefix("sha256:"))
        #expect(file.imageSize == [32, 32, 3])

        #expect(try DatasetSource(parsing: dir.file("split.json:test")) == .splitPart(.test, file: dir.file("split.json"), directory: nil))
        for part in SplitFile.Part.allCases {
            let loaded = try DatasetSource(parsing: dir.file("split.json:\(part.rawValue)")).load()
            #expect(loaded.selection.map { loaded.dataset.ids[$0] }.sorted() == file.ids(of: part).sorted())
            #expect(loaded.selection == loaded.selection.sorted())
        }
        let read = try SplitFile.read(dir.file("split.json"))
        #expect(read == file)
    }

    @Test func aChangedDatasetIsRefused() throws {
        let dir = try TemporaryFolder()
        let batch = dir.file("test_batch.bin")
        try CIFAR10.writeBatch(makeDataset(count: 20, classes: 2, height: 32, width: 32, channels: 3), to: batch)
        _ = try writeSplit(of: batch, loaded: try DatasetSource(parsing: batch).load(), to: "split.json", in: dir)
        try CIFAR10.writeBatch(makeDataset(count: 20, classes: 2, height: 32, width: 32, channels: 3, seed: 2), to: batch)
        let error = datasetFileError { _ = try DatasetSource(parsing: dir.file("split.json:train")).load() }
        guard case .inconsistent(let file, let field, _, let found) = error else {
            Issue.record("expected an inconsistent fingerprint, got \(String(describing: error))")
            return
        }
        #expect(file == dir.file("split.json") && field == "fingerprint")
        #expect(found.contains("the dataset changed since the split was made"))
    }

    @Test func anIdTheDatasetLacksIsRefused() throws {
        let dir = try TemporaryFolder()
        let batch = dir.file("test_batch.bin")
        try CIFAR10.writeBatch(makeDataset(count: 20, classes: 2, height: 32, width: 32, channels: 3), to: batch)
        var file = try writeSplit(of: batch, loaded: try DatasetSource(parsing: batch).load(), to: "split.json", in: dir)
        file.validation.append("test_batch.bin#99")
        try write(file, to: dir.file("split.json"))
        let error = datasetFileError { _ = try DatasetSource(parsing: dir.file("split.json:validation")).load() }
        guard case .inconsistent(_, let field, _, let found) = error else {
            Issue.record("expected a missing id, got \(String(describing: error))")
            return
        }
        #expect(field == "validation" && found.contains("\"test_batch.bin#99\"") && found.contains("the dataset changed"))
        // The other parts hold only ids the dataset has.
        #expect(try DatasetSource(parsing: dir.file("split.json:train")).load().selection.count == file.train.count)
    }

    @Test func anIndexOnlySplitIsRefusedWithTheCommandThatRewritesIt() throws {
        let dir = try TemporaryFolder()
        try Data(#"{"train": [0, 1, 2], "validation": [3], "test": [4]}"#.utf8).write(to: URL(fileURLWithPath: dir.file("old.json")))
        let error = datasetFileError { _ = try DatasetSource(parsing: dir.file("old.json:train")).load() }
        guard case .invalidField(let file, let field, _, let found) = error else {
            Issue.record("expected an invalid format, got \(String(describing: error))")
            return
        }
        #expect(file == dir.file("old.json") && field == "format" && found.contains("re-run likeness data split"))
        #expect(datasetFileError { _ = try DatasetSource(parsing: dir.file("none.json:test")) } == .missing(file: dir.file("none.json")))
    }

    @Test func aSplitOfAPartOfItselfIsRefused() throws {
        let dir = try TemporaryFolder()
        let batch = dir.file("test_batch.bin")
        try CIFAR10.writeBatch(makeDataset(count: 20, classes: 2, height: 32, width: 32, channels: 3), to: batch)
        var file = try writeSplit(of: batch, loaded: try DatasetSource(parsing: batch).load(), to: "split.json", in: dir)
        // As `data split split.json:train -o split.json` would leave it.
        file.dataset = dir.file("split.json:train")
        try write(file, to: dir.file("split.json"))
        let error = datasetFileError { _ = try DatasetSource(parsing: dir.file("split.json:test")).load() }
        guard case .invalidField(_, let field, _, let found) = error else {
            Issue.record("expected a cycle, got \(String(describing: error))")
            return
        }
        #expect(field == "dataset" && found.contains("a cycle of split files"), "\(found)")
    }

    @Test func anImageFolderPartLoadsAtAnotherSize() throws {
        let folder = SampleSetTests.imageFolder
        let dir = try TemporaryFolder()
        let loaded = try DatasetSource(parsing: folder).load(imageSize: ImageSize(height: 28, width: 28), channels: 1)
        let file = try writeSplit(of: folder, loaded: loaded, to: "split.json", in: dir)
        let part = try DatasetSource(parsing: dir.file("split.json:train")).load(imageSize: ImageSize(height: 20, width: 24), channels: 3)
        #expect(part.dataset.height == 20 && part.dataset.width == 24 && part.dataset.channels == 3)
        #expect(part.selection.map { part.dataset.ids[$0] }.sorted() == file.train.sorted())

        // A split of that part, loaded at yet another size, is checked at its own size too.
        let train = dir.file("split.json:train")
        let nested = try writeSplit(of: train, loaded: try DatasetSource(parsing: train).load(imageSize: ImageSize(height: 28, width: 28), channels: 1),
                                    to: "nested.json", in: dir)
        let inner = try DatasetSource(parsing: dir.file("nested.json:train")).load(imageSize: ImageSize(height: 16, width: 16), channels: 3)
        #expect(inner.dataset.height == 16 && inner.selection.map { inner.dataset.ids[$0] }.sorted() == nested.train.sorted())
        #expect(!nested.train.isEmpty && Set(nested.train).isSubset(of: file.train))
    }
}
