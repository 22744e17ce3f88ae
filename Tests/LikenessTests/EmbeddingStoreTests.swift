import Foundation
import Likeness
import Testing
import _LikenessTestSupport

private let digest = "sha256:" + String(repeating: "ab", count: 32)
private let classes = ["T-shirt/top", "Trouser", "Sandal"]

private func batch(_ count: Int, seed: UInt64, firstID: Int) -> EmbeddingBatch {
    EmbeddingBatch(embeddings: StorageTests.unitRows(count, 4, seed: seed),
                   labels: (0..<count).map { ($0 + Int(seed)) % 4 - 1 },
                   ids: (firstID..<(firstID + count)).map { "images/\($0).png" })
}

private struct FillFailed: Error {}

extension StorageTests {
    @Suite struct EmbeddingStoreTests {
        @Test func appendingTwiceThenReadingInChunksGivesEveryRowInOrder() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            let first = batch(5, seed: 1, firstID: 0), second = batch(3, seed: 2, firstID: 5)
            var store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes)
            #expect(store.count == 0)
            try store.append(first, modelDigest: digest, classNames: classes)
            try store.append(second, modelDigest: digest, classNames: classes)
            #expect(store.count == 8)

            let reopened = try EmbeddingStore.open(path)
            #expect(reopened == store)
            #expect(reopened.dimension == 4 && reopened.modelDigest == digest && reopened.classNames == classes && reopened.isNormalized)
            let all = try reopened.readAll()
            #expect(all.embeddings == Tensor(shape: [8, 4], scalars: first.embeddings.scalars + second.embeddings.scalars))
            #expect(all.labels == first.labels + second.labels)
            #expect(all.ids == first.ids + second.ids)
            #expect(all.labels.contains(-1), "unlabelled rows are kept")

            var offsets: [Int] = [], values: [Float] = [], labels: [Int] = [], ids: [String] = []
            try reopened.forEachChunk(rows: 3) { chunk, offset in
                offsets.append(offset)
                #expect(chunk.count == min(3, 8 - offset))
                values += chunk.embeddings.scalars
                labels += chunk.labels
                ids += chunk.ids
            }
            #expect(offsets == [0, 3, 6])
            #expect(EmbeddingBatch(embeddings: Tensor(shape: [8, 4], scalars: values), labels: labels, ids: ids) == all)
            let middle = try reopened.read(rows: 2..<6)
            #expect(middle.embeddings.scalars == Array(all.embeddings.scalars[8..<24]))
            #expect(middle.ids == Array(all.ids[2..<6]))
        }

        @Test func embeddingsAreChunkedAndExtendable() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes) {
                try $0.append(batch(6, seed: 3, firstID: 0))
            }
            let embeddings = try HDF5File(openingAt: path).dataset(at: "/embeddings")
            #expect(try embeddings.maximumShape == [nil, 4])
            #expect(try embeddings.chunkShape?.last == 4)
            #expect(try embeddings.elementType == .float32)
            #expect(try HDF5File(openingAt: path).dataset(at: "/labels").elementType == .int32)
        }

        @Test func appendFromAnotherModelIsRefusedNamingBothDigests() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            var store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes) {
                try $0.append(batch(2, seed: 1, firstID: 0))
            }
            let before = try StorageTests.bytes(path)
            let otherDigest = "sha256:" + String(repeating: "cd", count: 32)
            let error = try #require(throws: StorageError.self) {
                try store.append(batch(2, seed: 2, firstID: 2), modelDigest: otherDigest, classNames: classes)
            }
            #expect(error.kind == .modelMismatch)
            #expect(error.filePath == path && error.expected == digest && error.found == otherDigest)
            #expect(error.description.contains(path) && error.description.contains(otherDigest))
            #expect(try StorageTests.bytes(path) == before)
            #expect(store.count == 2)
        }

        @Test func appendOfAnotherDimensionOrClassListIsRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            var store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes)
            let wide = EmbeddingBatch(embeddings: StorageTests.unitRows(2, 5, seed: 1), labels: [0, 1], ids: ["a", "b"])
            let dimension = try #require(throws: StorageError.self) {
                try store.append(wide, modelDigest: digest, classNames: classes)
            }
            #expect(dimension.kind == .dimensionMismatch)
            #expect(dimension.filePath == path && dimension.expected == "4" && dimension.found == "5")

            // Names that cannot be matched (one twice) are refused, naming both lists.
            let twice = ["Trouser", "Bag", "Trouser"]
            let classList = try #require(throws: StorageError.self) {
                try store.append(batch(2, seed: 1, firstID: 0), modelDigest: digest, classNames: twice)
            }
            #expect(classList.kind == .classListMismatch && classList.filePath == path && classList.field == "/classes")
            #expect(classList.description.contains("\"Sandal\"") && classList.description.contains("\"Bag\"")
                    && classList.description.contains("names \"Trouser\" twice"), "\(classList)")
            #expect(throws: StorageError.self) { try store.requireAppendable(modelDigest: digest, dimension: 4, classNames: twice) }
            #expect(try EmbeddingStore.open(path).count == 0)
        }

        @Test func anAppendedClassListIsMatchedByNameAndNewClassesAreAdded() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            let first = batch(4, seed: 1, firstID: 0)
            var store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes) { try $0.append(first) }
            // Labels 0, 1, 2 of this batch name "Bag", "Sandal", "Sneaker": Sandal is the store's 2, the others new.
            let second = EmbeddingBatch(embeddings: StorageTests.unitRows(4, 4, seed: 3), labels: [0, 1, 2, -1], ids: ["b0", "b1", "b2", "b3"])
            try store.requireAppendable(modelDigest: digest, dimension: 4, classNames: ["Bag", "Sandal", "Sneaker"])
            try store.append(second, modelDigest: digest, classNames: ["Bag", "Sandal", "Sneaker"])
            let reopened = try EmbeddingStore.open(path)
            #expect(reopened.classNames == classes + ["Bag", "Sneaker"] && store.classNames == reopened.classNames)
            let all = try reopened.readAll()
            #expect(Array(all.labels.prefix(4)) == first.labels, "the rows already stored keep their labels")
            #expect(Array(all.labels.suffix(4)) == [3, 2, 4, -1])
            #expect(all.ids == first.ids + second.ids)
        }

        @Test func appendabilityIsCheckedNamingTheModelFile() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            let store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes)
            let other = "sha256:" + String(repeating: "cd", count: 32)
            let model = try #require(throws: StorageError.self) {
                try store.requireAppendable(modelDigest: other, dimension: 4, classNames: classes, modelPath: "other.h5")
            }
            #expect(model.kind == .modelMismatch && model.description.contains(path) && model.description.contains("other.h5"))
            let dimension = try #require(throws: StorageError.self) {
                try store.requireAppendable(modelDigest: digest, dimension: 8, classNames: classes, modelPath: "wide.h5")
            }
            #expect(dimension.kind == .dimensionMismatch && dimension.description.contains("wide.h5"))
        }

        @Test func rowsThatAreNotUnitLengthOrLabelsOutOfRangeAreRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            var store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes)
            var long = batch(3, seed: 1, firstID: 0)
            long.embeddings.withUnsafeMutableBufferPointer { $0[5] *= 2 }
            let length = try #require(throws: StorageError.self) { try store.append(long, modelDigest: digest, classNames: classes) }
            #expect(length.kind == .invalidValue && length.field == "/embeddings" && length.found?.contains("row 1") == true)

            var mislabelled = batch(3, seed: 1, firstID: 0)
            mislabelled.labels[2] = 3
            let label = try #require(throws: StorageError.self) { try store.append(mislabelled, modelDigest: digest, classNames: classes) }
            #expect(label.kind == .invalidValue && label.field == "/labels")

            let raw = try EmbeddingStore.create(at: folder.file("raw.h5"), modelDigest: digest, dimension: 4, classNames: classes,
                                                normalized: false) { try $0.append(long) }
            #expect(try raw.readAll().embeddings == long.embeddings, "a store that is not normalised takes any length")
        }

        @Test func failedAppendLeavesTheStoreByteIdentical() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            var store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes) {
                try $0.append(batch(4, seed: 1, firstID: 0))
            }
            let before = try StorageTests.bytes(path)
            #expect(throws: FillFailed.self) {
                try store.append(modelDigest: digest, classNames: classes) { writer in
                    try writer.append(batch(3, seed: 2, firstID: 4))
                    #expect(writer.count == 7, "the old rows were copied and the new ones written")
                    throw FillFailed()
                }
            }
            #expect(try StorageTests.bytes(path) == before)
            #expect(try folder.contents() == ["store.h5", "store.h5.lock"], "no temporary file is left; the lock file stays")
            #expect(store.count == 4)
            #expect(try EmbeddingStore.open(path).readAll().count == 4)
        }

        /// A store written in place and searched chunk by chunk, as `likeness query` searches a store
        /// on disk, gives what `ExactNearestNeighbours` gives on its rows in memory.
        @Test func aStoreWrittenInPlaceAndSearchedInChunksFindsWhatTheInMemorySearchFinds() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            let rows = StorageTests.unitRows(1_000, 16, seed: 5), queries = StorageTests.unitRows(40, 16, seed: 6)
            let store = try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 16, classNames: classes, writing: .inPlace) { writer in
                for offset in stride(from: 0, to: 1_000, by: 300) {
                    let count = min(300, 1_000 - offset)
                    try writer.append(EmbeddingBatch(embeddings: rows.rows(offset..<(offset + count)), labels: [Int](repeating: 0, count: count),
                                                     ids: (offset..<(offset + count)).map { "\($0)" }))
                }
            }
            #expect(try store.count == 1_000 && store == EmbeddingStore.open(path))
            #expect(try store.readAll().embeddings == rows)
            var search = try StreamingNeighbourSearch(queries: queries, k: 10)
            try store.forEachChunk(rows: 128) { chunk, offset in try search.add(BaseChunk(firstIndex: offset, rows: chunk.embeddings)) }
            #expect(search.rowsSearched == 1_000)
            #expect(search.results == (try ExactNearestNeighbours(base: rows).search(queries: queries, k: 10)))
        }

        @Test func aFailedInPlaceCreateLeavesNoFile() throws {
            let folder = try TemporaryFolder()
            #expect(throws: FillFailed.self) {
                try EmbeddingStore.create(at: folder.file("store.h5"), modelDigest: digest, dimension: 4, classNames: classes, writing: .inPlace) {
                    try $0.append(batch(4, seed: 1, firstID: 0))
                    throw FillFailed()
                }
            }
            #expect(try folder.contents().isEmpty)
        }

        /// An in-place write never replaces a file: the one there is kept, byte for byte.
        @Test func anInPlaceCreateRefusesAPathWhereAFileIs() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes) { try $0.append(batch(4, seed: 1, firstID: 0)) }
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let error = try #require(throws: StorageError.self) {
                try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes, writing: .inPlace) {
                    try $0.append(batch(2, seed: 2, firstID: 0))
                }
            }
            #expect(error.kind == .unexpectedEntry && error.filePath == path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        }

        @Test func storeWithInconsistentDatasetsIsRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes) {
                try $0.append(batch(4, seed: 1, firstID: 0))
            }
            let file = try HDF5File(openingAt: path, mode: .readWrite)
            try file.removeObject(at: "/labels")
            try file.createDataset(at: "/labels", values: [Int32]([0, 1, 2]), shape: [3])
            try file.close()
            let error = try #require(throws: StorageError.self) { try EmbeddingStore.open(path) }
            #expect(error.kind == .wrongShape && error.filePath == path && error.field == "/labels")
            #expect(error.expected == "[4]" && error.found == "[3]")
        }

        @Test func storeWithMissingFieldsOrHostileSizesIsRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            func refusal<E: Error>(_ type: E.Type, _ body: (HDF5File) throws -> Void) throws -> E {
                try EmbeddingStore.create(at: path, modelDigest: digest, dimension: 4, classNames: classes) {
                    try $0.append(batch(4, seed: 1, firstID: 0))
                }
                let file = try HDF5File(openingAt: path, mode: .readWrite)
                try body(file)
                try file.close()
                return try #require(throws: E.self) { try EmbeddingStore.open(path).readAll() }
            }
            let ids = try refusal(StorageError.self) { try $0.removeObject(at: "/ids") }
            #expect(ids.kind == .missingEntry && ids.filePath == path && ids.field == "/ids")
            let digestAttribute = try refusal(StorageError.self) { try $0.attributes.remove("model_digest") }
            #expect(digestAttribute.kind == .missingEntry && digestAttribute.field == "attribute 'model_digest'")
            let dimension = try refusal(StorageError.self) { try $0.attributes.write(1 << 40, named: "dimension") }
            #expect(dimension.kind == .invalidValue && dimension.field == "attribute 'dimension'")
            #expect(dimension.expected == "an embedding dimension in 1...65536" && dimension.found == "1099511627776")
            // 2^40 class names declared in chunks never written: the file cannot hold them.
            let names = try refusal(HDF5Error.self) { file in
                try file.removeObject(at: "/classes")
                try file.createDataset(at: "/classes", elementType: .string, shape: [1 << 40], chunkShape: [16])
            }
            #expect(names.kind == .tooLarge && names.filePath == path && names.objectPath == "/classes")
        }

        @Test func modelArchiveIsNotAStore() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("model.h5")
            let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 4), channels: 1, height: 4, width: 4)
            try ModelArchive(network: architecture.makeNetwork(), architecture: architecture, classNames: []).save(to: path)
            let error = try #require(throws: StorageError.self) { try EmbeddingStore.open(path) }
            #expect(error.kind == .wrongFormat && error.found == "\"likeness-model\"")
        }
    }
}
