import LikenessHDF5
import Testing
import _LikenessTestSupport

extension HDF5Tests {
    /// Many tasks writing and reading files at once get their own data back: every call into
    /// libhdf5 goes through LikenessHDF5's lock, which builds of HDF5 without thread-safety need.
    @Suite struct ConcurrencyTests {
        @Test func tasksWriteAndReadTheirOwnFilesAtOnce() async throws {
            let folder = try TemporaryFolder()
            let paths = (0..<8).map { folder.file("task\($0).h5") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (task, path) in paths.enumerated() {
                    group.addTask {
                        let file = try HDF5File(creatingAt: path)
                        let rows = try file.createDataset(at: "rows", elementType: .int64, shape: [0, 3], extendable: true)
                        for row in 0..<50 { try rows.append([Int64(task), Int64(row), Int64(task * row)]) }
                        try file.attributes.write("task \(task)", named: "owner")
                        try file.close()
                    }
                }
                try await group.waitForAll()
            }
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for (task, path) in paths.enumerated() {
                    for _ in 0..<2 {
                        group.addTask {
                            let file = try HDF5File(openingAt: path)
                            let expected = (0..<50).flatMap { row in [Int64(task), Int64(row), Int64(task * row)] }
                            return try file.dataset(at: "rows").read(as: Int64.self) == expected
                                && file.attributes.readString(named: "owner") == "task \(task)"
                        }
                    }
                }
                for try await matches in group { #expect(matches) }
            }
        }
    }
}
