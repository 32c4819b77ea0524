import Foundation

/// Lines of a child process's output, for tests that act when the process reaches a point (never after a fixed
/// sleep).
public enum ProcessLines {
    /// Reads `handle` on a thread of its own (a blocking read must not hold one of the few threads the test
    /// suite's tasks share) until a line contains `needle`, then calls `found` on that thread at once (a loaded
    /// machine may not run the test's task again for seconds: long enough for the run to end); nil when the stream
    /// ends or after `timeout` seconds.
    public static func waitForLine(
        containing needle: String, in handle: FileHandle, timeout: Double, then action: @escaping @Sendable () -> Void
    ) async throws -> String? {
        final class Found: @unchecked Sendable {
            let lock = NSLock()
            var line: String?
            var ended = false
        }
        let found = Found()
        Thread.detachNewThread {
            var buffer = ""
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                buffer += String(decoding: data, as: UTF8.self)
                if let line = buffer.split(separator: "\n").first(where: { $0.contains(needle) }) {
                    action()
                    found.lock.withLock { found.line = String(line) }
                    return
                }
            }
            found.lock.withLock { found.ended = true }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let (line, ended) = found.lock.withLock { (found.line, found.ended) }
            if line != nil || ended { return line }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return nil
    }
}
