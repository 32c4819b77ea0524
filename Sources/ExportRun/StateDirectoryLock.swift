import ExportBasics
import ExportExecutor
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive hold of one run on its state directory: `flock(2)` on `<state_dir>/lock`.
///
/// The kernel releases the lock when the process dies, however it dies, so `kill -9` never leaves a stale lock and
/// the next run proceeds at once. The lock file names its holder (pid, host, since when, pipeline), so a run that
/// finds the directory busy can say who has it. The file itself is never removed: a waiter holding the old file
/// open would otherwise lock a file no one else looks at.
public final class StateDirectoryLock: @unchecked Sendable {
    /// Who holds a state directory.
    public struct Holder: Sendable, Hashable, Codable, CustomStringConvertible {
        public var pid: Int32
        public var host: String
        public var since: Date
        public var pipeline: String?
        public var command: String?

        public init(pid: Int32, host: String, since: Date, pipeline: String?, command: String?) {
            self.pid = pid
            self.host = host
            self.since = since
            self.pipeline = pipeline
            self.command = command
        }

        /// This process, now.
        public static func current(pipeline: String?, command: String) -> Holder {
            Holder(
                pid: getpid(), host: ProcessInfo.processInfo.hostName, since: Date(), pipeline: pipeline,
                command: command)
        }

        public var description: String {
            let what = ["exportpipe", command, pipeline.map { "of pipeline '\($0)'" }].compactMap { $0 }
            let since = InstantFormat.utc(self.since)
            return "\(what.joined(separator: " ")) (pid \(pid) on \(host), since \(since))"
        }
    }

    /// The state directory is held by another run.
    public struct Busy: Error, Sendable, CustomStringConvertible {
        public var stateDirectory: String
        /// Nil when the holder has not written its name yet (it has just started).
        public var holder: Holder?

        public var description: String {
            "the state directory \(stateDirectory) is in use by \(holder?.description ?? "another exportpipe run")"
        }
    }

    /// The lock file could not be opened or locked.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let directory: StateDirectory
    private var descriptor: Int32
    private let lock = NSLock()

    private init(directory: StateDirectory, descriptor: Int32) {
        self.directory = directory
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Takes the lock if it is free.
    /// - Returns: the lock, or `Busy` naming the holder.
    /// - Throws: `Failure` when the state directory or its lock file cannot be created.
    public static func tryAcquire(_ directory: StateDirectory, as holder: Holder) throws -> Result<
        StateDirectoryLock, Busy
    > {
        do {
            try FileManager.default.createDirectory(
                atPath: directory.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure(description: "cannot create the state directory \(directory.path): \(error)")
        }
        let fd = open(directory.lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(
                description: "cannot open the lock file \(directory.lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            defer { close(fd) }
            guard code == EWOULDBLOCK else {
                throw Failure(
                    description: "cannot lock \(directory.lockPath): \(String(cString: strerror(code)))")
            }
            return .failure(Busy(stateDirectory: directory.path, holder: readHolder(fd)))
        }
        let acquired = StateDirectoryLock(directory: directory, descriptor: fd)
        acquired.write(holder)
        return .success(acquired)
    }

    /// Takes the lock, waiting for the holder to finish when `wait` is true.
    /// - Parameters:
    ///   - waiting: called once, when the directory is found busy and the call starts waiting.
    /// - Throws: `Busy` when the directory is held and `wait` is false; `CancellationError` when the task is
    ///   cancelled while waiting; `Failure` when the lock file cannot be used.
    public static func acquire(
        _ directory: StateDirectory, as holder: Holder, wait: Bool, waiting: (Busy) -> Void = { _ in }
    ) async throws -> StateDirectoryLock {
        var told = false
        while true {
            switch try tryAcquire(directory, as: holder) {
            case .success(let lock):
                return lock
            case .failure(let busy):
                guard wait else { throw busy }
                if !told {
                    waiting(busy)
                    told = true
                }
                // The kernel frees the lock the moment its holder exits; a tenth of a second is "at once" for a
                // run, and costs nothing while a multi-hour run holds the directory.
                try await Task.sleep(nanoseconds: 100_000_000)
            }
        }
    }

    /// Who holds `directory` now, or nil when no run does. Takes the lock for an instant when it is free (a run
    /// starting in that instant waits a tenth of a second), never waits.
    public static func holder(of directory: StateDirectory) -> Busy? {
        let fd = open(directory.lockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return Busy(stateDirectory: directory.path, holder: readHolder(fd))
    }

    /// Releases the lock (also done when the lock is deallocated, and by the kernel when the process ends).
    public func release() {
        lock.withLock {
            guard descriptor >= 0 else { return }
            _ = ftruncate(descriptor, 0)
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    private func write(_ holder: Holder) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(InstantFormat.utc(date))
        }
        guard var bytes = try? encoder.encode(holder) else { return }
        bytes.append(UInt8(ascii: "\n"))
        _ = ftruncate(descriptor, 0)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    private static func readHolder(_ fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let millis = InstantFormat.parse(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 instant: \(text)"))
            }
            return Date(timeIntervalSince1970: Double(millis) / 1000)
        }
        return try? decoder.decode(Holder.self, from: Data(buffer[..<count]))
    }
}
