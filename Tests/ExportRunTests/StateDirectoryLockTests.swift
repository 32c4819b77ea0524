import ExportExecutor
import ExportRun
import Foundation
import Testing

@Suite("state directory lock")
struct StateDirectoryLockTests {
    func scratch() throws -> StateDirectory {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ep-lock-\(UUID().uuidString)").path
        return StateDirectory(path + "/state")
    }

    @Test func aSecondHolderIsRefusedAndNamedUntilTheFirstReleases() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let first = try StateDirectoryLock.tryAcquire(
            directory, as: .current(pipeline: "nightly", command: "run")
        ).get()
        #expect(FileManager.default.fileExists(atPath: directory.lockPath))

        guard
            case .failure(let busy) = try StateDirectoryLock.tryAcquire(
                directory, as: .current(pipeline: "other", command: "run"))
        else {
            Issue.record("a second acquisition succeeded while the first holds the lock")
            return
        }
        #expect(busy.holder?.pid == getpid())
        #expect(busy.holder?.pipeline == "nightly")
        #expect(busy.description.contains("pid \(getpid())"))
        #expect(busy.description.contains("pipeline 'nightly'"))
        #expect(StateDirectoryLock.holder(of: directory)?.holder?.pipeline == "nightly")

        first.release()
        #expect(StateDirectoryLock.holder(of: directory) == nil)
        let second = try StateDirectoryLock.tryAcquire(
            directory, as: .current(pipeline: "other", command: "run")
        ).get()
        #expect(StateDirectoryLock.holder(of: directory)?.holder?.pipeline == "other")
        second.release()
        // The lock file stays: a waiter may hold it open.
        #expect(FileManager.default.fileExists(atPath: directory.lockPath))
    }

    @Test func aWaiterProceedsWhenTheHolderReleases() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let first = try StateDirectoryLock.tryAcquire(directory, as: .current(pipeline: "a", command: "run")).get()
        let waited = WaitRecorder()
        let waiter = Task {
            try await StateDirectoryLock.acquire(
                directory, as: .current(pipeline: "b", command: "run"), wait: true,
                waiting: { busy in waited.record(busy) })
        }
        while waited.busy == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(waited.busy?.holder?.pipeline == "a")
        first.release()
        let second = try await waiter.value
        #expect(StateDirectoryLock.holder(of: directory)?.holder?.pipeline == "b")
        second.release()
    }

    @Test func withoutWaitingABusyDirectoryThrowsTheHolder() async throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let first = try StateDirectoryLock.tryAcquire(directory, as: .current(pipeline: "a", command: "run")).get()
        defer { first.release() }
        await #expect(throws: StateDirectoryLock.Busy.self) {
            _ = try await StateDirectoryLock.acquire(
                directory, as: .current(pipeline: "b", command: "run"), wait: false)
        }
    }
}

/// Records the `Busy` a waiter was told about.
final class WaitRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: StateDirectoryLock.Busy?
    var busy: StateDirectoryLock.Busy? { lock.withLock { value } }
    func record(_ busy: StateDirectoryLock.Busy) { lock.withLock { value = busy } }
}
