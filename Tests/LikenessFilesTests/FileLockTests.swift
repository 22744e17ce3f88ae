import Foundation
import LikenessFiles
import Testing
import _LikenessTestSupport

@Suite("File locks")
struct FileLockTests {
    /// What the waiting thread saw, shared between threads.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [String] = []
        func add(_ event: String) { lock.withLock { seen.append(event) } }
        var all: [String] { lock.withLock { seen } }
    }

    @Test func aSecondLockWaitsUntilTheFirstIsReleased() throws {
        let dir = try TemporaryFolder()
        let file = dir.file("gallery.h5")
        let events = Events()
        let waiting = DispatchSemaphore(value: 0), acquired = DispatchSemaphore(value: 0)
        withExtendedLifetime(try FileLock(locking: file)) { first in
            #expect(first.path == file + ".lock")
            #expect(FileManager.default.fileExists(atPath: file + ".lock"))
            Thread {
                do {
                    let second = try FileLock(locking: file) { lockPath in
                        events.add("waiting on \(lockPath)")
                        waiting.signal()
                    }
                    events.add("acquired")
                    withExtendedLifetime(second) {}
                } catch {
                    events.add("failed: \(error)")
                }
                acquired.signal()
            }.start()
            #expect(waiting.wait(timeout: .now() + 30) == .success)
            #expect(events.all == ["waiting on \(file).lock"], "the second lock waits while the first is held")
        }
        #expect(acquired.wait(timeout: .now() + 30) == .success)
        #expect(events.all == ["waiting on \(file).lock", "acquired"])
    }

    @Test func aFreeLockIsTakenWithoutWaitingAndAMissingFolderIsAnError() throws {
        let dir = try TemporaryFolder()
        var waited = false
        let lock = try FileLock(locking: dir.file("store.h5")) { _ in waited = true }
        #expect(!waited)
        withExtendedLifetime(lock) {}
        #expect(throws: FileLockError.self) { try FileLock(locking: dir.file("none/store.h5")) }
    }
}
