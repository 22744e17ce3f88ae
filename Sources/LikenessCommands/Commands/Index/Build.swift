import ArgumentParser
import Foundation
import Likeness
import LikenessFAISS

extension LikenessCommand.Index {
    /// `likeness index build STORE.h5 --factory "IVF1024,Flat" -o store.faiss`: a FAISS index of
    /// the store's embeddings, trained on a seeded random sample of its rows, every row added in
    /// store order (FAISS id = store row index).
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Build a FAISS index (L2) of an embedding store's rows, for likeness query --index.",
            discussion: """
            The index is made by FAISS's index factory (--factory), trained on --training-rows rows \
            drawn at random with --seed (indexes that need no training, such as Flat, skip it), and \
            holds every row of the store in store order: FAISS id i is the store's row i, and \
            likeness query --store STORE --index FILE names neighbours by the store's ids and classes. \
            The store is read in chunks of --chunk-rows rows; the file is written to a temporary file \
            beside it and renamed into place, and opens in Python with faiss.read_index.

            Examples:
              likeness index build train.h5 --factory "IVF1024,Flat" -o train.faiss
              likeness query --store train.h5 --index train.faiss --nprobe 16 --queries test.h5 -k 10
            """
        )

        @Argument(help: ArgumentHelp("The embedding store to index (from likeness embed).", valueName: "store"))
        var store: String

        @Option(help: ArgumentHelp("FAISS's index-factory string: \"Flat\" (exact), \"IVF1024,Flat\", \"IVF4096,PQ16\", …", valueName: "factory"))
        var factory = "IVF1024,Flat"

        @OptionGroup(title: "Training sample") var training: IndexTrainingOptions

        @Option(parsing: .unconditional, help: "Store rows read at a time.")
        var chunkRows = 65_536

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("The FAISS index file to write (.faiss).", valueName: "file") }
        }

        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            try requireSeparateFiles()
            try output.require("FAISS index file")
            if output.path == "-" { throw ValidationError("--output: give a file for the index; it cannot go to standard output.") }
            try outputFiles.forEach { try $0.requireReplaceable(by: "faiss-index") }
            guard chunkRows >= 1 else { throw ValidationError("--chunk-rows must be at least 1, not \(chunkRows).") }
            guard !factory.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--factory is empty: give FAISS's index-factory string, such as \"IVF1024,Flat\" or \"Flat\".")
            }
        }

        func run() throws {
            runtime.apply()
            FAISSIndex.setThreadCount(Parallel.threadCount)
            let output = try output.required("FAISS index file")
            let base = try EmbeddingStore.open(store)
            guard base.count > 0 else { throw CommandError("\(store): the store has no rows to index.") }

            let index: FAISSIndex
            do {
                index = try FAISSIndex(dimension: base.dimension, factory: factory)
            } catch {
                throw CommandError("--factory \"\(factory)\": FAISS cannot make an index of it for the store's \(base.dimension)-d "
                                   + "embeddings: \(Self.reason(error)). Examples: \"Flat\", \"IVF1024,Flat\", \"IVF4096,PQ16\".")
            }

            var trainedOn = 0
            if !index.isTrained {
                let count = training.count(rows: base.count, listCount: index.listCount)
                if let lists = index.listCount, count < lists {
                    let fix = lists <= base.count ? "give --training-rows \(min(39 * lists, base.count)) (39 × nlist) or at least \(lists)"
                                                  : "give a smaller IVF count in --factory (the store has \(base.count) rows)"
                    throw CommandError("--factory \(factory) makes \(lists) lists by k-means over the training rows, and \(count) "
                                       + "are given: \(fix).")
                }
                let sample = try Self.sample(count, of: base, chunkRows: chunkRows, seed: runtime.seed)
                printDiagnostic("index build: training \(factory) on \(count) of \(base.count) rows")
                let started = Date()
                do {
                    try index.train(sample)
                } catch {
                    throw CommandError("index build: \(error)")
                }
                printDiagnostic("index build: trained in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
                trainedOn = count
            }

            let progress = ProgressBar("adding", total: base.count, unit: "rows")
            try base.forEachChunk(rows: chunkRows) { chunk, _ in
                do {
                    try index.add(chunk.embeddings)
                } catch {
                    throw CommandError("index build: \(store): \(error)")
                }
                progress.advance(by: chunk.count)
            }
            progress.finish()

            try index.write(to: output)
            let lists = index.listCount.map { ", \($0) lists (query with --nprobe 1…\($0))" } ?? ""
            let trained = trainedOn > 0 ? ", trained on \(trainedOn) rows" : ""
            print("wrote \(output): \(factory) index of \(index.count) rows of \(index.dimension)-d from \(store)\(trained)\(lists)")
        }

        /// FAISS's reason for refusing, without the restated factory string.
        static func reason(_ error: FAISSIndexError) -> String {
            if case let .invalidFactory(_, _, reason) = error { return reason }
            return error.description
        }

        /// `count` rows of `store` drawn at random without repeats (seeded), in store order,
        /// read in one pass of chunks.
        static func sample(_ count: Int, of store: EmbeddingStore, chunkRows: Int, seed: UInt64) throws -> Tensor {
            var rng = SeededGenerator(seed: seed)
            var chosen: [Int]
            if count >= store.count {
                chosen = Array(0..<store.count)
            } else {
                // The first `count` places of a partial Fisher–Yates shuffle.
                var rows = Array(0..<store.count)
                for i in 0..<count { rows.swapAt(i, Int.random(in: i..<rows.count, using: &rng)) }
                chosen = Array(rows[..<count]).sorted()
            }
            let d = store.dimension
            var values = [Float]()
            values.reserveCapacity(count * d)
            var next = 0
            let progress = count < store.count && store.count > chunkRows ? ProgressBar("sampling", total: store.count, unit: "rows") : nil
            try store.forEachChunk(rows: chunkRows) { chunk, offset in
                chunk.embeddings.withUnsafeBufferPointer { v in
                    while next < chosen.count && chosen[next] < offset + chunk.count {
                        let r = chosen[next] - offset
                        values.append(contentsOf: v[r * d..<(r + 1) * d])
                        next += 1
                    }
                }
                progress?.advance(by: chunk.count)
            }
            progress?.finish()
            return Tensor(shape: [count, d], scalars: values)
        }
    }
}

extension LikenessCommand.Index.Build: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "STORE", path: store)]
    }

    var outputFiles: [NamedFile] {
        output.files
    }
}
