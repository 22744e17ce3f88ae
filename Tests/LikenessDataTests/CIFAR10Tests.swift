import Foundation
import LikenessData
import LikenessFiles
import Testing
import _LikenessTestSupport

@Suite struct CIFAR10Tests {
    @Test func batchesRoundTripWithChannelsLast() throws {
        let dir = try TemporaryFolder()
        let a = makeDataset(count: 7, classes: 10, height: 32, width: 32, channels: 3, seed: 1)
        let b = makeDataset(count: 5, classes: 10, height: 32, width: 32, channels: 3, seed: 2)
        try CIFAR10.writeBatch(a, to: dir.file("data_batch_1.bin"))
        try CIFAR10.writeBatch(b, to: dir.file("data_batch_2.bin"))
        try CIFAR10.writeBatch(a, to: dir.file("test_batch.bin"))

        // The record layout is label, then the R, G and B planes.
        let raw = try dir.read("data_batch_1.bin")
        #expect(raw.count == 7 * 3073)
        #expect(raw[0] == UInt8(a.labels[0]))
        #expect(raw[1] == a.pixels[0] && raw[1 + 1024] == a.pixels[1] && raw[1 + 2048] == a.pixels[2])
        #expect(raw[2] == a.pixels[3])

        let train = try CIFAR10.load(split: .train, directory: dir.path)
        #expect(train.count == 12 && train.height == 32 && train.channels == 3)
        #expect(train.pixels == a.pixels + b.pixels && train.labels == a.labels + b.labels)
        #expect(train.classNames == CIFAR10.defaultClassNames)
        #expect(train.ids[7] == "data_batch_2.bin#0")
        #expect(try CIFAR10.load(split: .test, directory: dir.path).pixels == a.pixels)
    }

    @Test func classNamesComeFromTheMetaFile() throws {
        let dir = try TemporaryFolder()
        try CIFAR10.writeBatch(makeDataset(count: 3, classes: 3, height: 32, width: 32, channels: 3), to: dir.file("test_batch.bin"))
        try dir.write(Array("cat\ndog\r\nemu\n\n".utf8), to: "batches.meta.txt")
        #expect(try CIFAR10.load(split: .test, directory: dir.path).classNames == ["cat", "dog", "emu"])

        try dir.write(Array("cat\n".utf8), to: "batches.meta.txt")
        let error = datasetFileError { _ = try CIFAR10.load(split: .test, directory: dir.path) }
        #expect(error == .invalidField(file: dir.file("test_batch.bin"), field: "label of record 1",
                                       expected: "a class in 0..<1", found: "1"))
    }

    @Test func partialRecordIsReported() throws {
        let dir = try TemporaryFolder()
        try CIFAR10.writeBatch(makeDataset(count: 2, classes: 10, height: 32, width: 32, channels: 3), to: dir.file("b.bin"))
        let bytes = try dir.read("b.bin")
        try dir.write(Array(bytes.dropLast(100)), to: "b.bin")
        let error = datasetFileError { _ = try CIFAR10.load(batches: [dir.file("b.bin")]) }
        #expect(error == .truncated(file: dir.file("b.bin"), field: "record 1", expectedBytes: 3073, foundBytes: 2973))
        #expect(error.map { "\($0)" }?.contains(dir.file("b.bin")) == true)

        // Compressed, the length is known only once the file is decoded.
        try dir.write(Gzip.compress(Array(bytes.dropLast(100))), to: "b.bin.gz")
        let compressed = datasetFileError { _ = try CIFAR10.load(batches: [dir.file("b.bin.gz")]) }
        #expect(compressed == .truncated(file: dir.file("b.bin.gz"), field: "record 1", expectedBytes: 3073, foundBytes: 2973))
    }

    @Test func missingBatchIsNamed() throws {
        let dir = try TemporaryFolder()
        let error = datasetFileError { _ = try CIFAR10.load(split: .train, directory: dir.path) }
        #expect(error == .missing(file: dir.file("data_batch_1.bin")))
    }
}
