import ArgumentParser
import Foundation
import Likeness
import LikenessCommands
import LikenessFAISS
import Testing
import _LikenessTestSupport

/// `likeness index build` and `likeness query --index`, in process, on a store embedded from the
/// sample images: an IVF index that visits all its lists answers as the exact query does; the
/// index file opens in Python's FAISS, which finds the same neighbours; wrong arguments and files
/// that do not belong together are refused, naming them. Serialized, without `--threads` (see
/// CommandTests).
@Suite("likeness index and query --index", .serialized)
struct IndexCommandTests {
    let commands = CommandTests()

    /// The sample embedded by an untrained model: `store.h5` in `dir`.
    func makeStore(in dir: TemporaryFolder) throws -> EmbeddingStore {
        try commands.saveModel(at: dir.file("model.h5"))
        try commands.run(["embed", "--model", dir.file("model.h5"), "--dataset", commands.sample, "-o", dir.file("store.h5")])
        return try EmbeddingStore.open(dir.file("store.h5"))
    }

    /// The rows of a query's CSV: (query, rank, neighbour, class, distance).
    func rows(_ path: String) throws -> [(query: String, rank: Int, neighbour: String, class: String, distance: Float)] {
        let lines = try commands.text(path).split(separator: "\n").map(String.init)
        #expect(lines.first == "query,rank,neighbour,class,distance")
        return try lines.dropFirst().map { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try #require(f.count == 5, "\(line)")
            return (f[0], try #require(Int(f[1])), f[2], f[3], try #require(Float(f[4])))
        }
    }

    @Test func anIVFIndexVisitingEveryListAnswersAsTheExactQuery() throws {
        let dir = try TemporaryFolder()
        let store = try makeStore(in: dir)
        try commands.run(["index", "build", dir.file("store.h5"), "--factory", "IVF4,Flat", "--training-rows", "100", "-o", dir.file("store.faiss")])
        let index = try FAISSIndex.read(dir.file("store.faiss"))
        #expect(index.count == store.count && index.dimension == store.dimension && index.listCount == 4)
        #expect(try dir.contents().filter { $0.hasPrefix(".") }.isEmpty, "no temporary file is left")

        let query = ["query", "--store", dir.file("store.h5"), "--queries", dir.file("store.h5"), "-k", "5"]
        try commands.run(query + ["-o", dir.file("exact.csv")])
        try commands.run(query + ["--index", dir.file("store.faiss"), "--nprobe", "4", "-o", dir.file("index.csv")])
        let exact = try rows(dir.file("exact.csv")), found = try rows(dir.file("index.csv"))
        #expect(exact.count == store.count * 5 && found.count == exact.count)
        for (a, b) in zip(found, exact) {
            #expect(a.query == b.query && a.rank == b.rank)
            // The same neighbour, or one as near (rounding can swap rows at equal distances).
            #expect(abs(a.distance - b.distance) < 1e-4, "\(a) against \(b)")
            if a.neighbour == b.neighbour { #expect(a.class == b.class) }
        }
        let same = zip(found, exact).filter { $0.neighbour == $1.neighbour }.count
        #expect(same >= exact.count - 2, "\(exact.count - same) neighbours differ")

        // One list of four: a different answer, so that the comparison above can fail.
        try commands.run(query + ["--index", dir.file("store.faiss"), "--nprobe", "1", "-o", dir.file("one.csv")])
        let one = try rows(dir.file("one.csv"))
        #expect(one.count < exact.count || zip(one, exact).contains { $0.neighbour != $1.neighbour })

        // JSON lines carry the same neighbours.
        try commands.run(query + ["--index", dir.file("store.faiss"), "--nprobe", "4", "--format", "jsonl", "-o", dir.file("index.jsonl")])
        let json = try commands.text(dir.file("index.jsonl")).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(json.map { $0["neighbour"] as? String } == found.map { $0.neighbour })
    }

    @Test(.enabled(if: pythonTestsRun(needing: "faiss"), "python3 cannot import faiss (pip install -r Scripts/requirements-test.txt)"))
    func pythonsFAISSReadsTheIndexAndFindsTheSameNeighbours() throws {
        let dir = try TemporaryFolder()
        let store = try makeStore(in: dir)
        try commands.run(["index", "build", dir.file("store.h5"), "--factory", "IVF4,Flat", "--training-rows", "100", "-o", dir.file("store.faiss")])
        try commands.run(["query", "--store", dir.file("store.h5"), "--queries", dir.file("store.h5"), "-k", "5",
                          "--index", dir.file("store.faiss"), "--nprobe", "2", "-o", dir.file("index.csv")])
        let script = """
        import sys, json, faiss, h5py, numpy as np
        index = faiss.read_index(sys.argv[1])
        with h5py.File(sys.argv[2], "r") as f:
            x = np.asarray(f["embeddings"], dtype=np.float32)
        faiss.extract_index_ivf(index).nprobe = 2
        distances, ids = index.search(x, 5)
        print(json.dumps({"ntotal": index.ntotal, "d": index.d, "ids": ids.tolist(), "distances": distances.tolist()}))
        """
        let result = try runProcess("python3", ["-c", script, dir.file("store.faiss"), dir.file("store.h5")])
        try #require(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(object["ntotal"] as? Int == store.count && object["d"] as? Int == store.dimension)
        let ids = try #require(object["ids"] as? [[Int]]), distances = try #require(object["distances"] as? [[Double]])
        let storeIDs = try store.readAll().ids
        let found = try rows(dir.file("index.csv"))
        var line = 0
        for q in 0..<store.count {
            for (rank, id) in ids[q].enumerated() where id >= 0 {
                let row = found[line]
                #expect(row.query == storeIDs[q] && row.rank == rank + 1)
                #expect(row.neighbour == storeIDs[id] || abs(Double(row.distance) - distances[q][rank].squareRoot()) < 1e-4,
                        "query \(q), rank \(rank + 1): likeness \(row.neighbour), faiss \(storeIDs[id])")
                line += 1
            }
        }
        #expect(line == found.count)
    }

    @Test func wrongArgumentsAndForeignFilesAreRefused() throws {
        let dir = try TemporaryFolder()
        _ = try makeStore(in: dir)
        let store = dir.file("store.h5")
        commands.expectRunTimeError(["index", "build", store, "--factory", "IVF-many,Flat", "-o", dir.file("bad.faiss")], "--factory \"IVF-many,Flat\"")
        commands.expectArgumentError(["index", "build", store, "-o", store], "writing it would destroy it")
        commands.expectArgumentError(["index", "build", store], "-o/--output")
        commands.expectArgumentError(["index", "build", store, "--training-rows", "0", "-o", dir.file("x.faiss")], "--training-rows must be at least 1")
        commands.expectRunTimeError(["index", "build", store, "--factory", "IVF100000,Flat", "-o", dir.file("x.faiss")], "100000 lists by k-means")
        #expect(!FileManager.default.fileExists(atPath: dir.file("bad.faiss")) && !FileManager.default.fileExists(atPath: dir.file("x.faiss")))

        let query = ["query", "--store", store, "--queries", store]
        commands.expectArgumentError(query + ["--nprobe", "4"], "--nprobe applies to a FAISS index")
        commands.expectRunTimeError(query + ["--index", dir.file("none.faiss")], dir.file("none.faiss"))

        // A Flat index has no lists for --nprobe; an index of fewer rows is not this store's.
        try commands.run(["index", "build", store, "--factory", "Flat", "-o", dir.file("flat.faiss")])
        commands.expectRunTimeError(query + ["--index", dir.file("flat.faiss"), "--nprobe", "2"], "not an IVF index")
        try commands.run(["index", "build", store, "--factory", "IVF4,Flat", "-o", dir.file("ivf.faiss")])
        commands.expectRunTimeError(query + ["--index", dir.file("ivf.faiss"), "--nprobe", "5"], "more than the 4 lists")
        let partial = try FAISSIndex(dimension: 16, factory: "Flat")
        try partial.add(try EmbeddingStore.open(store).read(rows: 0..<10).embeddings)
        try partial.write(to: dir.file("partial.faiss"))
        commands.expectRunTimeError(query + ["--index", dir.file("partial.faiss")], "the index is not of this store")
    }
}
