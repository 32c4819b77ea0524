import Crypto
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A thread that writes full buffers to a file descriptor and hashes them (SHA-256), while the caller fills the
/// next buffer: the write system call and the digest leave the merge loop's core.
///
/// One buffer is in flight at a time (double buffering), so memory is two buffers. Errors are kept and reported
/// at the next `submit` or at `finish`.
final class BackgroundWriter: @unchecked Sendable {
    // Shared state is handed over through the semaphores: the caller touches `pending`, `failure`, `hasher` and
    // `bytesWritten` only while the worker is idle (after `idle.wait()`), the worker only between `work` and
    // `idle.signal()`.
    private let fd: Int32
    private let work = DispatchSemaphore(value: 0)
    private let idle = DispatchSemaphore(value: 1)
    private let exited = DispatchSemaphore(value: 0)
    private var pending = UnsafeRawBufferPointer(start: nil, count: 0)
    private var stopping = false
    private var hasher = SHA256()
    private var failure: Int32 = 0
    private var bytesWritten: Int64 = 0
    private var writebackStart: Int64 = 0
    private var running = false
    /// Set when no thread could be started: `submit` then writes and hashes on the caller's thread.
    private var inline = false

    init(fd: Int32) {
        self.fd = fd
    }

    /// Waits for the previous buffer, then hands `bytes` to the worker. `bytes` must stay untouched until the next
    /// `submit` or `finish` returns.
    /// - Returns: the `errno` of a failed earlier write, or 0.
    func submit(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        startIfNeeded()
        if inline {
            if failure == 0 { writeAndHash(bytes) }
            return failure
        }
        idle.wait()
        guard failure == 0 else {
            idle.signal()
            return failure
        }
        pending = bytes
        work.signal()
        return 0
    }

    /// Waits for the last buffer and stops the worker.
    /// - Returns: the digest, the bytes written and the `errno` of a failed write (0 when all went well).
    func finish() -> (digest: SHA256.Digest, bytes: Int64, failure: Int32) {
        stop()
        return (hasher.finalize(), bytesWritten, failure)
    }

    /// Stops the worker after the buffer in flight (idempotent).
    func stop() {
        guard running else { return }
        running = false
        guard !inline else { return }
        idle.wait()
        stopping = true
        work.signal()
        exited.wait()
    }

    /// Starts the worker on a plain POSIX thread (a Foundation `Thread` would pull in its run-loop machinery and
    /// a few MiB of code pages for one loop; see BENCHMARKS.md, § Merge, on peak memory).
    private func startIfNeeded() {
        guard !running else { return }
        running = true
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
            var thread = pthread_t()
        #else
            var thread: pthread_t?
        #endif
        let started = pthread_create(
            &thread, nil,
            { context in
                let writer = Unmanaged<BackgroundWriter>.fromOpaque(context!).takeRetainedValue()
                writer.run()
                return nil
            }, context)
        if started != 0 {
            // No thread: work inline (same results, no overlap). Release the reference the thread would have.
            Unmanaged<BackgroundWriter>.fromOpaque(context).release()
            inline = true
            return
        }
        pthread_detach(thread)
    }

    private func run() {
        while true {
            work.wait()
            if stopping { break }
            if failure == 0 { writeAndHash(pending) }
            idle.signal()
        }
        idle.signal()
        exited.signal()
    }

    private func writeAndHash(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let count = write(fd, base, remaining)
            if count < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            base += count
            remaining -= count
        }
        bytesWritten += Int64(bytes.count)
        #if os(Linux)
            // Start writeback of what is written so far (DONTNEED writes dirty pages back asynchronously), so the
            // final fsync waits for the last few megabytes instead of the whole file.
            if bytesWritten - writebackStart >= 8 << 20 {
                _ = posix_fadvise(
                    fd, off_t(writebackStart), off_t(bytesWritten - writebackStart), Int32(POSIX_FADV_DONTNEED))
                writebackStart = bytesWritten
            }
        #endif
    }
}
