import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unix signals delivered to a closure, one call per signal: the one signal handler of the command line and the
/// simulator.
///
/// A plain C handler writes the signal's number to a pipe (the only async-signal-safe thing to do), and is installed
/// synchronously in `init`, so no signal is lost between start-up and the first one handled (a dispatch signal
/// source registers asynchronously and can miss an early one). A thread of its own reads the pipe and calls
/// `handler`. While it exists the signals no longer terminate the process; `stop()` gives them back their default.
/// One handler exists at a time.
public final class SignalHandler: @unchecked Sendable {
    private let signals: [Int32]
    private let readEnd: Int32
    private let writeEnd: Int32
    private let lock = NSLock()
    private var stopped = false

    public init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        readEnd = fds[0]
        writeEnd = fds[1]
        self.signals = signals
        signalPipeWriteEnd = fds[1]
        for number in signals {
            signal(number) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
        }
        let fd = readEnd
        let thread = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(fd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                guard count == 1 else {  // the write end was closed by stop()
                    close(fd)
                    return
                }
                handler(Int32(byte))
            }
        }
        thread.name = "exportpipe.signals"
        thread.start()
    }

    /// Waits for the first of `signals`, then stops handling them.
    public static func firstSignal(of signals: [Int32]) async -> Int32 {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let handler = SignalHandler(signals) { continuation.yield($0) }
        defer { handler.stop() }
        for await number in stream { return number }
        return 0
    }

    /// Restores the signals' default actions and ends the reading thread.
    public func stop() {
        let alreadyStopped = lock.withLock {
            defer { stopped = true }
            return stopped
        }
        guard !alreadyStopped else { return }
        for number in signals { signal(number, SIG_DFL) }
        close(writeEnd)
    }

    deinit { stop() }
}

/// The pipe the C handler writes to (a C function pointer cannot capture it).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1
