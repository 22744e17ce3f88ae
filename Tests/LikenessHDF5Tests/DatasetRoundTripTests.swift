import LikenessHDF5
import Testing
import _LikenessTestSupport

/// Shapes every element type is written and read back in: scalar, vector, matrix, rank 3, empty.
private let shapes: [[Int]] = [[], [7], [3, 4], [2, 3, 4], [0, 5]]

/// Writes `values` in `shape`, closes the file, opens it read-only and checks that shape,
/// element type, layout and every value come back.
private func expectRoundTrip<Element: HDF5Scalar>(_ values: [Element], shape: [Int]) throws {
    let folder = try TemporaryFolder()
    let path = folder.file("values.h5")
    do {
        let file = try HDF5File(creatingAt: path)
        try file.createDataset(at: "values", values: values, shape: shape)
        try file.close()
    }
    let file = try HDF5File(openingAt: path)
    let dataset = try file.dataset(at: "values")
    #expect(try dataset.shape == shape)
    #expect(try dataset.maximumShape == shape.map { $0 })
    #expect(try dataset.chunkShape == nil)
    #expect(try dataset.elementType == Element.hdf5ElementType)
    #expect(try dataset.read(as: Element.self) == values)
    #expect(try dataset.read(as: Element.self, expectingShape: shape.map { $0 }) == values)
}

/// `count` values from `make(i)`, i = 0..<count.
private func sample<Element>(_ count: Int, _ make: (Int) -> Element) -> [Element] { (0..<count).map(make) }

extension HDF5Tests {
    @Suite struct DatasetRoundTripTests {
        @Test(arguments: shapes) func float32(shape: [Int]) throws {
            let specials: [Float] = [.infinity, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0]
            let values = sample(shape.reduce(1, *)) { i in i < specials.count ? specials[i] : Float(i) * 0.37 - 3.1 }
            try expectRoundTrip(values, shape: shape)
        }

        @Test(arguments: shapes) func float64(shape: [Int]) throws {
            let specials: [Double] = [-.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 1e-300]
            let values = sample(shape.reduce(1, *)) { i in i < specials.count ? specials[i] : Double(i) / 3 - 7 }
            try expectRoundTrip(values, shape: shape)
        }

        @Test(arguments: shapes) func int32(shape: [Int]) throws {
            let values = sample(shape.reduce(1, *)) { i in i == 0 ? .min : i == 1 ? .max : Int32(i * 7_919 - 50_000) }
            try expectRoundTrip(values, shape: shape)
        }

        @Test(arguments: shapes) func int64(shape: [Int]) throws {
            let values = sample(shape.reduce(1, *)) { i in i == 0 ? .min : i == 1 ? .max : Int64(i) * 0x1_2345_6789 - 1 }
            try expectRoundTrip(values, shape: shape)
        }

        @Test(arguments: shapes) func uint8(shape: [Int]) throws {
            let values = sample(shape.reduce(1, *)) { i in UInt8(truncatingIfNeeded: i * 37 + 255) }
            try expectRoundTrip(values, shape: shape)
        }

        @Test func writeReplacesValuesAndRowsInPlace() throws {
            let folder = try TemporaryFolder()
            let file = try HDF5File(creatingAt: folder.file("rows.h5"))
            let dataset = try file.createDataset(at: "m", elementType: .int32, shape: [4, 2])
            #expect(try dataset.read(as: Int32.self) == [0, 0, 0, 0, 0, 0, 0, 0], "new datasets start at zero")
            try dataset.write([Int32]([1, 2, 3, 4, 5, 6, 7, 8]))
            try dataset.write([Int32]([-3, -4, -5, -6]), startingAtRow: 1)
            #expect(try dataset.read(as: Int32.self) == [1, 2, -3, -4, -5, -6, 7, 8])
            #expect(try dataset.read(as: Int32.self, rows: 2..<4) == [-5, -6, 7, 8])
            #expect(try dataset.read(as: Int32.self, rows: 4..<4) == [])
        }
    }
}
