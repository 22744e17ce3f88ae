import Foundation
import Likeness
import Testing
import _LikenessTestSupport

private let digest = "sha256:" + String(repeating: "0f", count: 32)

/// `rows` (unit vectors) summed, then scaled to unit length, in float64.
private func normalizedMean(_ rows: Tensor) -> [Float] {
    let d = rows.shape[1]
    var sum = [Double](repeating: 0, count: d)
    for (i, value) in rows.scalars.enumerated() { sum[i % d] += Double(value) }
    let length = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return sum.map { Float($0 / length) }
}

private func rows(_ tensor: Tensor, _ range: Range<Int>) -> Tensor {
    let d = tensor.shape[1]
    return Tensor(shape: [range.count, d], scalars: tensor.scalars[(range.lowerBound * d)..<(range.upperBound * d)])
}

extension StorageTests {
    @Suite struct GalleryTests {
        @Test func oneShotThenMoreShotsKeepThePrototypeTheNormalisedMean() throws {
            let shots = StorageTests.unitRows(4, 6, seed: 21)
            var gallery = Gallery(modelDigest: digest, dimension: 6)
            try gallery.enroll(name: "Sandal", embeddings: rows(shots, 0..<1))
            let one = try #require(gallery["Sandal"])
            #expect(one.shotCount == 1)
            #expect(isClose(one.prototype, Array(shots.scalars[0..<6])))

            try gallery.enroll(name: "Sandal", embeddings: rows(shots, 1..<3))
            try gallery.enroll(name: "Sandal", embeddings: rows(shots, 3..<4))
            let four = try #require(gallery["Sandal"])
            #expect(four.shotCount == 4)
            #expect(isClose(four.prototype, normalizedMean(shots)))
            for j in 0..<6 {
                let columnSum = (0..<4).reduce(0.0) { $0 + Double(shots[$1, j]) }
                #expect(abs(four.sum[j] - columnSum) < 1e-6)
            }
            var atOnce = Gallery(modelDigest: digest, dimension: 6)
            try atOnce.enroll(name: "Sandal", embeddings: shots)
            #expect(isClose(atOnce["Sandal"]?.prototype ?? [], four.prototype))
            #expect(gallery.classNames == ["Sandal"])
        }

        @Test func bulkEnrolmentGivesOnePrototypePerClass() throws {
            let embeddings = StorageTests.unitRows(7, 3, seed: 4)
            let labels = [0, 2, 0, -1, 2, 2, 0]
            var gallery = Gallery(modelDigest: digest, dimension: 3)
            try gallery.enroll(name: "Bag", embeddings: rows(embeddings, 3..<4))
            try gallery.enroll(embeddings: embeddings, labels: labels, classNames: ["Coat", "Shirt", "Bag"])
            #expect(gallery.classNames == ["Bag", "Coat"], "classes without rows are not enrolled; existing ones come first")
            let coatRows = Tensor(shape: [3, 3], scalars: [0, 2, 6].flatMap { Array(embeddings.scalars[($0 * 3)..<($0 * 3 + 3)]) })
            #expect(isClose(gallery["Coat"]?.prototype ?? [], normalizedMean(coatRows)))
            #expect(gallery["Coat"]?.shotCount == 3)
            let bagRows = Tensor(shape: [4, 3], scalars: [3, 1, 4, 5].flatMap { Array(embeddings.scalars[($0 * 3)..<($0 * 3 + 3)]) })
            #expect(isClose(gallery["Bag"]?.prototype ?? [], normalizedMean(bagRows)))
            #expect(gallery["Bag"]?.shotCount == 4)
            #expect(gallery.prototypes.shape == [2, 3])
            #expect(Array(gallery.prototypes.scalars[3..<6]) == gallery["Coat"]?.prototype)
        }

        @Test func enrolmentFromAStoreMatchesEnrolmentFromItsRows() throws {
            let folder = try TemporaryFolder()
            let embeddings = StorageTests.unitRows(9, 4, seed: 8)
            let labels = [1, 0, 1, 1, -1, 0, 1, 0, 0]
            let store = try EmbeddingStore.create(at: folder.file("store.h5"), modelDigest: digest, dimension: 4,
                                                  classNames: ["Dress", "Coat"]) {
                try $0.append(EmbeddingBatch(embeddings: embeddings, labels: labels, ids: (0..<9).map(String.init)))
            }
            var fromStore = Gallery(modelDigest: digest, dimension: 4)
            try fromStore.enroll(contentsOf: store)
            var fromRows = Gallery(modelDigest: digest, dimension: 4)
            try fromRows.enroll(embeddings: embeddings, labels: labels, classNames: ["Dress", "Coat"])
            #expect(fromStore == fromRows)

            var otherModel = Gallery(modelDigest: "sha256:" + String(repeating: "11", count: 32), dimension: 4)
            let error = try #require(throws: StorageError.self) { try otherModel.enroll(contentsOf: store) }
            #expect(error.kind == .modelMismatch && error.filePath == store.path && error.found == digest)
            #expect(otherModel.classes.isEmpty)
        }

        @Test func thresholdsAndShotsPersistAcrossSaveAndLoad() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            var gallery = Gallery(modelDigest: digest, dimension: 5)
            try gallery.enroll(name: "Sandal", embeddings: StorageTests.unitRows(1, 5, seed: 1))
            try gallery.enroll(name: "Sneaker", embeddings: StorageTests.unitRows(3, 5, seed: 2))
            try gallery.enroll(name: "Boot", embeddings: StorageTests.unitRows(2, 5, seed: 3))
            try gallery.setThreshold(.init(distance: 0.61, falseAcceptanceRate: 0.05, falseRejectionRate: 0.125), forClass: "Sandal")
            try gallery.setThreshold(.init(distance: 0.4), forClass: "Boot")
            gallery.globalThreshold = .init(distance: 0.75, falseAcceptanceRate: 0.01)
            try gallery.save(to: path)

            let loaded = try Gallery.load(path)
            #expect(loaded == gallery)
            #expect(loaded.threshold(forClass: "Sandal") == .init(distance: 0.61, falseAcceptanceRate: 0.05, falseRejectionRate: 0.125))
            #expect(loaded.threshold(forClass: "Sneaker") == .init(distance: 0.75, falseAcceptanceRate: 0.01))
            #expect(loaded["Sneaker"]?.shotCount == 3)

            // More shots after a reload continue the running mean.
            var continued = loaded
            let extra = StorageTests.unitRows(2, 5, seed: 4)
            try continued.enroll(name: "Sandal", embeddings: extra)
            var direct = Gallery(modelDigest: digest, dimension: 5)
            try direct.enroll(name: "Sandal", embeddings: Tensor(shape: [3, 5], scalars: StorageTests.unitRows(1, 5, seed: 1).scalars + extra.scalars))
            #expect(isClose(continued["Sandal"]?.prototype ?? [], direct["Sandal"]?.prototype ?? []))
            #expect(continued["Sandal"]?.threshold == gallery["Sandal"]?.threshold, "enrolling keeps the class's threshold")
        }

        @Test func emptyGalleryRoundTrips() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            try Gallery(modelDigest: digest, dimension: 64).save(to: path)
            let loaded = try Gallery.load(path)
            #expect(loaded.classes.isEmpty && loaded.dimension == 64 && loaded.modelDigest == digest && loaded.globalThreshold == nil)
        }

        @Test func removingAndThresholdingUnknownClassesAreRefused() throws {
            var gallery = Gallery(modelDigest: digest, dimension: 2)
            try gallery.enroll(name: "Bag", embeddings: Tensor(shape: [1, 2], scalars: [0, 1]))
            try gallery.enroll(name: "Coat", embeddings: Tensor(shape: [1, 2], scalars: [1, 0]))
            try gallery.remove(className: "Bag")
            #expect(gallery.classNames == ["Coat"])
            let error = try #require(throws: EnrollmentError.self) { try gallery.remove(className: "Bag") }
            #expect(error.kind == .unknownClass && error.found == "\"Bag\"")
            #expect(throws: EnrollmentError.self) { try gallery.setThreshold(.init(distance: 1), forClass: "Bag") }
        }

        @Test func embeddingsOfAnotherDimensionOrLengthAreRefused() throws {
            var gallery = Gallery(modelDigest: digest, dimension: 3)
            let wide = try #require(throws: EnrollmentError.self) {
                try gallery.enroll(name: "Bag", embeddings: StorageTests.unitRows(1, 4, seed: 1))
            }
            #expect(wide.kind == .dimensionMismatch && wide.expected.hasPrefix("3") && wide.found == "4")
            let long = try #require(throws: EnrollmentError.self) {
                try gallery.enroll(name: "Bag", embeddings: Tensor(shape: [2, 3], scalars: [1, 0, 0, 0, 2, 0]))
            }
            #expect(long.kind == .invalidValue && long.found.contains("row 1"))
            let opposite = try #require(throws: EnrollmentError.self) {
                try gallery.enroll(name: "Bag", embeddings: Tensor(shape: [2, 3], scalars: [1, 0, 0, -1, 0, 0]))
            }
            #expect(opposite.kind == .invalidValue)
            #expect(gallery.classes.isEmpty)
        }

        @Test func editedGalleryFilesAreRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            var gallery = Gallery(modelDigest: digest, dimension: 2)
            try gallery.enroll(name: "Bag", embeddings: Tensor(shape: [1, 2], scalars: [0, 1]))
            try gallery.enroll(name: "Coat", embeddings: Tensor(shape: [1, 2], scalars: [1, 0]))
            try gallery.save(to: path)

            func edited(_ body: (HDF5File) throws -> Void) throws -> StorageError {
                try gallery.save(to: path)
                let file = try HDF5File(openingAt: path, mode: .readWrite)
                try body(file)
                try file.close()
                return try #require(throws: StorageError.self) { try Gallery.load(path) }
            }
            let prototype = try edited { try $0.dataset(at: "/prototypes").write([Float]([0, 1, 0, 1])) }
            #expect(prototype.kind == .invalidValue && prototype.field == "/prototypes" && prototype.found?.contains("row 1") == true)
            let shots = try edited { try $0.dataset(at: "/shot_counts").write([Int64]([1, 0])) }
            #expect(shots.kind == .invalidValue && shots.field == "/shot_counts" && shots.filePath == path)
            let threshold = try edited { try $0.dataset(at: "/thresholds").write([Float]([-1, .nan])) }
            #expect(threshold.kind == .invalidValue && threshold.field == "/thresholds")
            let missing = try edited { try $0.removeObject(at: "/sums") }
            #expect(missing.kind == .missingEntry && missing.field == "/sums")
            let dimension = try edited { try $0.attributes.write(3, named: "dimension") }
            #expect(dimension.kind == .wrongShape && dimension.field == "/prototypes" && dimension.expected == "[2, 3]")
            let huge = try edited { try $0.attributes.write(Int.max, named: "dimension") }
            #expect(huge.kind == .invalidValue && huge.field == "attribute 'dimension'" && huge.found == "\(Int.max)")
        }

        @Test func shotsWhoseDigestTheClassHoldsAreSkipped() throws {
            let shots = StorageTests.unitRows(4, 5, seed: 31)
            var gallery = Gallery(modelDigest: digest, dimension: 5)
            let first = try gallery.enroll(embeddings: rows(shots, 0..<2), labels: [0, 0], classNames: ["Sandal"], digests: ["a", "a"])
            #expect(first == [1])
            #expect(gallery["Sandal"]?.shotCount == 1 && gallery["Sandal"]?.shotDigests == ["a"])
            #expect(isClose(gallery["Sandal"]?.prototype ?? [], Array(shots.scalars[0..<5])))

            let again = try gallery.enroll(embeddings: rows(shots, 2..<4), labels: [0, 1], classNames: ["Sandal", "Bag"], digests: ["a", "a"])
            #expect(again == [0], "a digest is skipped only within its own class")
            #expect(gallery["Sandal"]?.shotCount == 1 && gallery["Bag"]?.shotCount == 1)
            let more = try gallery.enroll(embeddings: rows(shots, 1..<3), labels: [0, 0], classNames: ["Sandal"], digests: ["b", "a"])
            #expect(more == [1] && gallery["Sandal"]?.shotCount == 2 && gallery["Sandal"]?.shotDigests == ["a", "b"])
            // Shots enrolled without digests add to the count, not to the digests.
            try gallery.enroll(name: "Sandal", embeddings: rows(shots, 3..<4))
            #expect(gallery["Sandal"]?.shotCount == 3 && gallery["Sandal"]?.shotDigests == ["a", "b"])

            let folder = try TemporaryFolder()
            try gallery.save(to: folder.file("gallery.h5"))
            #expect(try Gallery.load(folder.file("gallery.h5")) == gallery)
        }

        @Test func aVersionOneGalleryLoadsWithoutDigestsAndEnrols() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            var gallery = Gallery(modelDigest: digest, dimension: 2)
            try gallery.enroll(embeddings: Tensor(shape: [1, 2], scalars: [0, 1]), labels: [0], classNames: ["Bag"], digests: ["a"])
            try gallery.save(to: path)
            // The layout of version 1: no shot digests.
            let file = try HDF5File(openingAt: path, mode: .readWrite)
            try file.removeObject(at: "/shot_digests")
            try file.removeObject(at: "/shot_digest_classes")
            try file.attributes.write(1, named: "format_version")
            try file.close()

            var loaded = try Gallery.load(path)
            #expect(loaded["Bag"]?.shotCount == 1 && loaded["Bag"]?.shotDigests == [])
            let skipped = try loaded.enroll(embeddings: Tensor(shape: [1, 2], scalars: [1, 0]), labels: [0], classNames: ["Bag"], digests: ["a"])
            #expect(skipped.isEmpty && loaded["Bag"]?.shotCount == 2)
            try loaded.save(to: path)
            #expect(try Gallery.load(path) == loaded)
            #expect(try HDF5File(openingAt: path).attributes.readInt(named: "format_version") == Gallery.formatVersion)

            // A version 2 file must have its digests.
            let missing = try HDF5File(openingAt: path, mode: .readWrite)
            try missing.removeObject(at: "/shot_digests")
            try missing.close()
            let error = try #require(throws: StorageError.self) { try Gallery.load(path) }
            #expect(error.kind == .missingEntry && error.field == "/shot_digests")
        }

        @Test func viewsScoreShotThresholdsAndRefinementPersistInVersion3() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            var gallery = Gallery(modelDigest: digest, dimension: 4)
            gallery.score = .raw
            try gallery.enroll(embeddings: StorageTests.unitRows(12, 4, seed: 2), labels: [Int](repeating: 0, count: 12),
                               classNames: ["Coat"], digests: (0..<12).map { "c\($0)" })
            try gallery.enroll(embeddings: StorageTests.unitRows(3, 4, seed: 3), labels: [0], classNames: ["Sandal"], digests: ["s"],
                               viewsPerShot: 3)
            try gallery.enroll(name: "Bag", embeddings: StorageTests.unitRows(1, 4, seed: 4))
            gallery.globalThreshold = Gallery.Threshold(distance: 0.8, falseAcceptanceRate: 0.1)
            let shotThreshold = try #require(gallery.shotThreshold(forClass: "Sandal"))
            try gallery.setThreshold(shotThreshold, forClass: "Sandal")
            try gallery.setThreshold(Gallery.Threshold(distance: 0.5), forClass: "Coat")
            try gallery.refine(classes: ["Bag"], pool: StorageTests.unitRows(20, 4, seed: 5), using: PrototypeRefinement(iterations: 2))
            try gallery.save(to: path)

            let loaded = try Gallery.load(path)
            #expect(loaded == gallery)
            #expect(loaded.score == .raw && loaded["Sandal"]?.viewCount == 3 && loaded["Sandal"]?.shotCount == 1)
            #expect(loaded["Sandal"]?.threshold?.source == .shots && loaded["Coat"]?.threshold?.source == .calibrated)
            #expect(loaded["Bag"]?.refinement?.poolSize == 20)
            #expect(loaded.thresholdInForce(forClass: "Sandal") == .shots && loaded.thresholdInForce(forClass: "Coat") == .class
                    && loaded.thresholdInForce(forClass: "Bag") == .global)
            #expect(try HDF5File(openingAt: path).attributes.readInt(named: "format_version") == 3)

            func edited(_ body: (HDF5File) throws -> Void) throws -> StorageError {
                try gallery.save(to: path)
                let file = try HDF5File(openingAt: path, mode: .readWrite)
                try body(file)
                try file.close()
                return try #require(throws: StorageError.self) { try Gallery.load(path) }
            }
            let score = try edited { try $0.attributes.write("cosine", named: "score") }
            #expect(score.kind == .invalidValue && (score.field ?? "").contains("score") && score.found == "\"cosine\"")
            let source = try edited { try $0.dataset(at: "/threshold_sources").write(["calibrated", "guessed", ""]) }
            #expect(source.kind == .invalidValue && source.field == "/threshold_sources" && source.found == "\"guessed\" in row 1")
            let views = try edited { try $0.dataset(at: "/view_counts").write([Int64]([12, 3, 0])) }
            #expect(views.kind == .invalidValue && views.field == "/view_counts" && views.found == "0 in row 2")
            let refined = try edited { try $0.dataset(at: "/refinement_pool_sizes").write([Int64]([0, 0, -4])) }
            #expect(refined.kind == .invalidValue && refined.field == "/refinement_pool_sizes")
            let missing = try edited { try $0.removeObject(at: "/view_counts") }
            #expect(missing.kind == .missingEntry && missing.field == "/view_counts")
        }

        @Test func aVersionTwoGalleryLoadsWithTheRawScoreAndOneViewPerShot() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            var gallery = Gallery(modelDigest: digest, dimension: 2)
            try gallery.enroll(embeddings: Tensor(shape: [2, 2], scalars: [0, 1, 0.6, 0.8]), labels: [0, 0], classNames: ["Bag"], digests: ["a", "b"])
            try gallery.setThreshold(Gallery.Threshold(distance: 0.4), forClass: "Bag")
            try gallery.save(to: path)
            // The layout of version 2: no views, threshold sources, refinements or score.
            let file = try HDF5File(openingAt: path, mode: .readWrite)
            for field in ["/view_counts", "/threshold_sources", "/refinement_pool_sizes", "/refinement_pool_weights"] {
                try file.removeObject(at: field)
            }
            try file.attributes.remove("score")
            try file.attributes.write(2, named: "format_version")
            try file.close()

            let loaded = try Gallery.load(path)
            #expect(loaded.score == .raw, "version 2 thresholds were calibrated on raw distances")
            #expect(loaded["Bag"]?.viewCount == 2 && loaded["Bag"]?.threshold?.source == .calibrated && loaded["Bag"]?.refinement == nil)
            #expect(Gallery(modelDigest: digest, dimension: 2).score == Gallery.defaultScore)
        }

        @Test func editedShotDigestsAreRefused() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("gallery.h5")
            var gallery = Gallery(modelDigest: digest, dimension: 2)
            try gallery.enroll(embeddings: Tensor(shape: [3, 2], scalars: [0, 1, 0.6, 0.8, 1, 0]), labels: [0, 0, 1],
                               classNames: ["Bag", "Coat"], digests: ["a", "b", "c"])
            func edited(_ body: (HDF5File) throws -> Void) throws -> StorageError {
                try gallery.save(to: path)
                let file = try HDF5File(openingAt: path, mode: .readWrite)
                try body(file)
                try file.close()
                return try #require(throws: StorageError.self) { try Gallery.load(path) }
            }
            let owner = try edited { try $0.dataset(at: "/shot_digest_classes").write([Int64]([0, 0, 2])) }
            #expect(owner.kind == .invalidValue && owner.field == "/shot_digest_classes" && owner.found == "2 in row 2")
            let repeated = try edited { try $0.dataset(at: "/shot_digests").write(["a", "a", "c"]) }
            #expect(repeated.kind == .invalidValue && repeated.field == "/shot_digests" && repeated.found == "\"a\" in row 1")
            let tooMany = try edited { try $0.dataset(at: "/shot_digest_classes").write([Int64]([1, 1, 1])) }
            #expect(tooMany.kind == .invalidValue && tooMany.field == "/shot_digests" && tooMany.found == "3 in row 1")
        }

        @Test func contentDigestsAreTheSHA256OfTheImagesPixels() {
            let dataset = Dataset(pixels: [0, 7, 0], labels: [0, 0, 0], classNames: ["x"], ids: ["a", "b", "c"], height: 1, width: 1, channels: 1)
            let digests = dataset.contentDigests(of: [0, 1, 2])
            #expect(digests[0] == "sha256:6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
            #expect(digests[0] == digests[2] && digests[0] != digests[1])
        }
    }
}
