import Foundation
import LikenessCore
import LikenessFAISS
import LikenessFiles
import LikenessSearch
import Testing
import _LikenessTestSupport

/// The FAISS index against Likeness's exact search, on real files: a Flat index and an IVF index
/// that visits every list find exactly what the exact search finds; an index written and read
/// back finds the same; bad factory strings and bad files are refused with their reasons.
@Suite("FAISS index")
struct FAISSIndexTests {
    static let d = 16

    /// Seeded normal rows of `d` values: no two distances tie.
    static func vectors(_ count: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.randomNormal(shape: [count, d], using: &rng)
    }

    /// Each query's neighbours from the exact search.
    static func exact(base: Tensor, queries: Tensor, k: Int) throws -> [[Neighbour]] {
        let results = try ExactNearestNeighbours(base: base).search(queries: queries, k: k)
        return (0..<queries.shape[0]).map { results[$0] }
    }

    /// The same ids in the same order, and distances within float rounding (FAISS computes
    /// ‖q‖² + ‖b‖² − 2 q·b in batches).
    static func expectSame(_ found: [[Neighbour]], _ expected: [[Neighbour]], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found.count == expected.count, sourceLocation: sourceLocation)
        for (q, (a, b)) in zip(found, expected).enumerated() {
            #expect(a.map(\.index) == b.map(\.index), "query \(q)", sourceLocation: sourceLocation)
            for (x, y) in zip(a, b) where abs(x.distance - y.distance) > 1e-3 * max(1, y.distance) {
                Issue.record("query \(q): row \(x.index) at \(x.distance), exact \(y.distance)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func aFlatIndexFindsWhatTheExactSearchFinds() throws {
        let base = Self.vectors(500, seed: 1), queries = Self.vectors(40, seed: 2)
        let index = try FAISSIndex(dimension: Self.d, factory: "Flat")
        #expect(index.isTrained && index.listCount == nil && index.probeCount == nil)
        try index.add(base.rows(0..<200))
        try index.add(base.rows(200..<500))  // ids follow the rows already added
        #expect(index.count == 500 && index.dimension == Self.d)
        Self.expectSame(try index.search(queries, k: 7), try Self.exact(base: base, queries: queries, k: 7))
    }

    @Test func anIVFIndexVisitingEveryListFindsWhatTheExactSearchFinds() throws {
        let base = Self.vectors(2_000, seed: 3), queries = Self.vectors(50, seed: 4)
        let index = try FAISSIndex(dimension: Self.d, factory: "IVF16,Flat")
        #expect(!index.isTrained && index.listCount == 16)
        try index.train(base.rows(0..<1_000))
        try index.add(base)
        index.probeCount = 16
        let exact = try Self.exact(base: base, queries: queries, k: 10)
        Self.expectSame(try index.search(queries, k: 10), exact)

        // One list of sixteen misses some neighbours: the comparison above can fail.
        index.probeCount = 1
        let approximate = try index.search(queries, k: 10)
        let hits = zip(approximate, exact).map { Set($0.map(\.index)).intersection($1.map(\.index)).count }.reduce(0, +)
        #expect(hits < 50 * 10)
    }

    @Test func anIndexWrittenAndReadBackFindsTheSame() throws {
        let folder = try TemporaryFolder()
        let base = Self.vectors(1_000, seed: 5), queries = Self.vectors(30, seed: 6)
        let index = try FAISSIndex(dimension: Self.d, factory: "IVF8,Flat")
        try index.train(base)
        try index.add(base)
        index.probeCount = 3
        let path = folder.file("store.faiss")
        try index.write(to: path)
        let read = try FAISSIndex.read(path)
        #expect(read.count == 1_000 && read.dimension == Self.d && read.listCount == 8 && read.probeCount == 3)
        #expect(try read.search(queries, k: 5) == index.search(queries, k: 5))
        // Written whole, through a temporary file that is gone.
        #expect(try folder.contents() == ["store.faiss"])

        // Written again over itself, read back from the same path: nothing lost.
        try read.write(to: path)
        #expect(try FAISSIndex.read(path).search(queries, k: 5) == index.search(queries, k: 5))
    }

    @Test func aBadFactoryStringIsRefusedWithFAISSsReason() throws {
        #expect {
            _ = try FAISSIndex(dimension: Self.d, factory: "IVF-three,Flat")
        } throws: { error in
            guard case let .invalidFactory(factory, dimension, reason) = error as? FAISSIndexError else { return false }
            return factory == "IVF-three,Flat" && dimension == Self.d && !reason.isEmpty
        }
        // An IVF trained on fewer rows than lists.
        let index = try FAISSIndex(dimension: Self.d, factory: "IVF64,Flat")
        #expect(throws: FAISSIndexError.self) { try index.train(Self.vectors(10, seed: 7)) }
        // Rows before training.
        #expect(throws: FAISSIndexError.self) { try index.add(Self.vectors(10, seed: 7)) }
    }

    @Test func nonFiniteValuesAreRefused() throws {
        let index = try FAISSIndex(dimension: Self.d, factory: "Flat")
        var rows = Self.vectors(4, seed: 8)
        rows.withUnsafeMutableBufferPointer { $0[2 * Self.d + 5] = .nan }
        #expect {
            try index.add(rows)
        } throws: { error in
            guard case let .nonFiniteValue(_, row, column, _) = error as? FAISSIndexError else { return false }
            return row == 2 && column == 5
        }
        #expect(index.count == 0)
    }

    @Test func missingAndCorruptFilesAreRefusedNamingTheFile() throws {
        let folder = try TemporaryFolder()
        let missing = folder.file("none.faiss")
        #expect(throws: DatasetFileError.missing(file: missing)) { _ = try FAISSIndex.read(missing) }

        try folder.write(Array("not an index at all, just some text".utf8), to: "text.faiss")
        #expect {
            _ = try FAISSIndex.read(folder.file("text.faiss"))
        } throws: { error in
            guard case let .corrupt(file, reason) = error as? DatasetFileError else { return false }
            return file == folder.file("text.faiss") && !reason.isEmpty
        }

        // A real index cut short.
        let index = try FAISSIndex(dimension: Self.d, factory: "Flat")
        try index.add(Self.vectors(100, seed: 9))
        try index.write(to: folder.file("whole.faiss"))
        let bytes = try folder.read("whole.faiss")
        try folder.write(Array(bytes.prefix(bytes.count / 2)), to: "cut.faiss")
        #expect(throws: DatasetFileError.self) { _ = try FAISSIndex.read(folder.file("cut.faiss")) }

        // A folder that does not exist.
        #expect(throws: DatasetFileError.missing(file: folder.file("no-folder"))) {
            try index.write(to: folder.file("no-folder/store.faiss"))
        }
    }
}
