import LikenessHDF5
import Testing
import _LikenessTestSupport

extension HDF5Tests {
    @Suite struct ExtendableDatasetTests {
        /// Rows 0..<count of a count×width float32 matrix whose entry (r, c) is r + c / 100.
        private func rows(_ range: Range<Int>, width: Int) -> [Float] {
            range.flatMap { r in (0..<width).map { c in Float(r) + Float(c) / 100 } }
        }

        @Test func appendGrowsTheFirstDimensionAndRowRangesReadBack() throws {
            let folder = try TemporaryFolder()
            let path = folder.file("store.h5")
            do {
                let file = try HDF5File(creatingAt: path)
                let embeddings = try file.createDataset(
                    at: "embeddings", elementType: .float32, shape: [0, 4], chunkShape: [3, 4], extendable: true)
                #expect(try embeddings.shape == [0, 4])
                #expect(try embeddings.maximumShape == [nil, 4])
                #expect(try embeddings.chunkShape == [3, 4])
                try embeddings.append(rows(0..<2, width: 4))
                try embeddings.append([Float]())
                try embeddings.append(rows(2..<7, width: 4))
                #expect(try embeddings.shape == [7, 4])
            }
            // Reopened read-write, appended to again, then read from a fresh read-only handle.
            do {
                let file = try HDF5File(openingAt: path, mode: .readWrite)
                try file.dataset(at: "embeddings").append(rows(7..<10, width: 4))
            }
            let embeddings = try HDF5File(openingAt: path).dataset(at: "embeddings")
            #expect(try embeddings.shape == [10, 4])
            #expect(try embeddings.read(as: Float.self) == rows(0..<10, width: 4))
            #expect(try embeddings.read(as: Float.self, rows: 1..<6) == rows(1..<6, width: 4))
            #expect(try embeddings.read(as: Float.self, rows: 9..<10) == rows(9..<10, width: 4))
        }

        @Test func extendableWithoutChunkShapeGetsWholeRowChunks() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("default-chunks.h5"))
            let labels = try file.createDataset(at: "labels", values: [Int32](), shape: [0], extendable: true)
            let chunks = try #require(try labels.chunkShape)
            #expect(chunks.count == 1 && chunks[0] > 1)
            let embeddings = try file.createDataset(at: "e", elementType: .float64, shape: [0, 64], extendable: true)
            #expect(try embeddings.chunkShape?.dropFirst() == [64], "chunks hold whole rows")
            try labels.append([Int32](0..<1000))
            #expect(try labels.read(as: Int32.self, rows: 990..<1000) == [Int32](990..<1000))
        }

        @Test func appendRejectsPartialRowsAndFixedDatasets() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("reject.h5"))
            let extendable = try file.createDataset(at: "e", elementType: .float32, shape: [0, 3], extendable: true)
            let partial = #expect(throws: HDF5Error.self) { try extendable.append([Float](repeating: 1, count: 4)) }
            #expect(partial?.kind == .wrongShape)
            #expect(partial?.expected == "whole rows of shape [3]")
            #expect(partial?.found == "4 values")
            #expect(try extendable.shape == [0, 3], "a rejected append leaves the dataset as it was")

            let fixed = try file.createDataset(at: "f", values: [Float](repeating: 0, count: 6), shape: [2, 3])
            let full = #expect(throws: HDF5Error.self) { try fixed.append([Float](repeating: 1, count: 3)) }
            #expect(full?.kind == .wrongShape)
            #expect(full?.found == "3 rows after appending")
            #expect(try fixed.shape == [2, 3])
        }

        @Test func rowRangesPastTheEndAreOutOfBounds() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("bounds.h5"))
            let dataset = try file.createDataset(at: "d", values: [Int64](0..<6), shape: [3, 2])
            let read = #expect(throws: HDF5Error.self) { try dataset.read(as: Int64.self, rows: 2..<4) }
            #expect(read?.kind == .outOfBounds)
            #expect(read?.expected == "rows within 0..<3")
            let write = #expect(throws: HDF5Error.self) { try dataset.write([Int64](0..<4), startingAtRow: 2) }
            #expect(write?.kind == .outOfBounds)
            #expect(try dataset.read(as: Int64.self) == [Int64](0..<6))
        }
    }
}
