import Foundation
import LikenessFiles
import Testing
import _LikenessTestSupport

@Suite("Whole-file writes")
struct AtomicFileTests {
    @Test func writeCreatesAndReplacesTheFileAndLeavesNoTemporaryFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("counts.svg")
        try AtomicFile.write([1, 2, 3], to: path)
        try AtomicFile.write([4, 5], to: path)
        #expect(try folder.read("counts.svg") == [4, 5])
        #expect(try folder.contents() == ["counts.svg"])
    }

    @Test func exchangeSwapsTwoFoldersInOneStepOrChangesNothing() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("a"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: folder.file("b"), withIntermediateDirectories: false)
        try folder.write([1], to: "a/x")
        try folder.write([2], to: "b/x")
        let swapped = try FileReplacement.exchange(folder.file("a"), folder.file("b"))
        #expect(try folder.read("a/x") == (swapped ? [2] : [1]))
        #expect(try folder.read("b/x") == (swapped ? [1] : [2]))
        // A missing name is an error that says the step, not a silent no.
        #expect(throws: FileReplacement.Failure.self) { try FileReplacement.exchange(folder.file("a"), folder.file("missing")) }
    }

    @Test func aMissingFolderIsNamed() throws {
        let folder = try TemporaryFolder()
        #expect(throws: DatasetFileError.missing(file: folder.file("none"))) {
            try AtomicFile.write([1], to: folder.file("none/counts.svg"))
        }
        #expect(try folder.contents() == [])
    }

    /// A writer killed mid-way leaves its temporary file; the next write of the same file on
    /// this machine removes it, and only it: not a running writer's, not another machine's,
    /// not another file's.
    @Test func temporaryFilesOfWritersNoLongerRunningAreRemoved() throws {
        let folder = try TemporaryFolder()
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        var buffer = [CChar](repeating: 0, count: 256)
        #expect(gethostname(&buffer, buffer.count - 1) == 0)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let (dead, alive) = (ended.processIdentifier, getpid())
        let stale = ".gallery.h5.\(dead)-1f2e@\(host).tmp"
        let kept = [".gallery.h5.\(alive)-3c4d@\(host).tmp", ".gallery.h5.\(dead)-5a6b@elsewhere.tmp",
                    ".gallery.h5.notes.tmp", ".other.h5.\(dead)-7e8f@\(host).tmp"]
        for name in [stale] + kept {
            #expect(FileManager.default.createFile(atPath: folder.file(name), contents: Data([1, 2, 3])))
        }
        let temporary = FileReplacement.temporaryPath(replacing: folder.file("gallery.h5"))
        #expect(temporary.hasPrefix(folder.file(".gallery.h5.\(alive)-")) && temporary.hasSuffix("@\(host).tmp"))
        try AtomicFile.write([1], to: folder.file("gallery.h5"))
        #expect(try folder.contents() == (kept + ["gallery.h5"]).sorted())
    }
}
