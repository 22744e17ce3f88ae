import LikenessFiles
import Testing

@Suite("File errors")
struct FileErrorTests {
    @Test func detailsLeaveOutWhatIsNil() {
        let full = FileErrorDetails(filePath: "/d/a.h5", field: "/labels", step: "read", problem: "wrong shape",
                                    expected: "[2]", found: "[3]", note: "HDF5: too bad")
        #expect(full.description == "/d/a.h5: /labels: read: wrong shape: expected [2], found [3] (HDF5: too bad)")
        #expect(FileErrorDetails(filePath: nil, problem: "unknown class", found: "\"Boot\"").description
                == "unknown class: \"Boot\"")
    }

    @Test func datasetFileErrorsAreWrittenInTheSameShape() {
        #expect(DatasetFileError.truncated(file: "img", field: "data", expectedBytes: 784, foundBytes: 17).description
                == "img: data: truncated: expected 784 bytes, found 17")
        #expect(DatasetFileError.tooLarge(file: "img", field: "data", limit: 100, found: 200).description
                == "img: data: too large: expected at most 100 bytes, found 200 bytes")
        #expect(DatasetFileError.inconsistent(file: "img", field: "file length", expected: "8 bytes", found: "9").description
                == "img: file length: inconsistent: expected 8 bytes, found 9")
        #expect(DatasetFileError.invalidField(file: "img", field: "magic number", expected: "0x0803", found: "0x0000").description
                == "img: magic number: expected 0x0803, found 0x0000")
        #expect(DatasetFileError.missing(file: "img").description == "img: no such file or folder")
        let lock = #expect(throws: FileLockError.self) { try FileLock(locking: "/no-such-folder-of-likeness/g.h5") }
        #expect(lock?.description == "/no-such-folder-of-likeness/g.h5.lock: cannot take the lock: No such file or directory")
    }
}
