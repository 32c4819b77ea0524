import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output and standard error of the command line, written with `write(2)`, so a reader that goes away
/// (`exportpipe run … | head -3`) ends the command cleanly instead of killing it.
///
/// Foundation's `FileHandle.write` stops the process with a fatal error when a write fails, and the default action
/// of SIGPIPE kills it; `TerminalOutput` ignores SIGPIPE and treats `EPIPE` (and the like: the reader is gone) as
/// the end of that stream: the stream's descriptor is pointed at `/dev/null` (so no later writer — Foundation,
/// `print`, a library — can fail on it again), and the closed-pipe handler is called once, on a thread of its own
/// (the run uses it to stop as on Ctrl-C). A watcher notices a closed pipe or socket even while nothing is being
/// written. Other write errors (a full disk) drop the text: progress is never worth stopping a run for.
public final class TerminalOutput: @unchecked Sendable {
    /// Where a text goes.
    public enum Stream: Sendable {
        case output
        case error
    }

    /// The process's standard output and standard error.
    public static let shared = TerminalOutput(output: STDOUT_FILENO, error: STDERR_FILENO)

    private let outputDescriptor: Int32
    private let errorDescriptor: Int32
    private let lock = NSLock()
    private var closedStreams: Set<Int32> = []
    private var handler: (@Sendable (Stream) -> Void)?
    private var handled = false
    private var watching = false

    /// - Parameters: output, error: the descriptors written to (others than 1 and 2 only in tests).
    public init(output: Int32, error: Int32) {
        outputDescriptor = output
        errorDescriptor = error
    }

    /// Ignores SIGPIPE for the whole process, so a write to a closed pipe fails with `EPIPE` instead of killing it.
    /// Called once, first thing in `main`.
    public static func ignoreBrokenPipeSignal() { signal(SIGPIPE, SIG_IGN) }

    /// Whether a stream's reader went away (the command then exits with its closed-pipe status).
    public var closedPipe: Bool { lock.withLock { !closedStreams.isEmpty } }

    /// Calls `handler` once, when the first stream is found closed (at once, on a thread of its own, if one is
    /// already closed); replaces an earlier handler. Also starts the watcher that notices a closed pipe while
    /// nothing is written.
    public func onClosedPipe(_ handler: @escaping @Sendable (Stream) -> Void) {
        let (fireNow, stream) = lock.withLock { () -> (Bool, Stream?) in
            self.handler = handler
            guard let first = closedStreams.first, !handled else { return (false, nil) }
            handled = true
            return (true, first == outputDescriptor ? .output : .error)
        }
        if fireNow, let stream { Thread.detachNewThread { handler(stream) } }
        watch()
    }

    /// Forgets the handler (a closed pipe is still remembered, and still makes later writes go nowhere).
    public func removeClosedPipeHandler() { lock.withLock { handler = nil } }

    /// Writes `text`, whole; after the stream's reader went away, nothing.
    public func write(_ text: String, to stream: Stream = .error) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), to: stream) }
    }

    /// Writes `bytes`, whole; after the stream's reader went away, nothing.
    public func write(_ bytes: [UInt8], to stream: Stream) {
        bytes.withUnsafeBytes { write($0, to: stream) }
    }

    /// Writes `data`, whole; after the stream's reader went away, nothing.
    public func write(_ data: Data, to stream: Stream) {
        data.withUnsafeBytes { write($0, to: stream) }
    }

    /// The terminal's width in columns when `stream` is a terminal (TIOCGWINSZ), else `$COLUMNS`, else nil.
    public func columns(of stream: Stream = .error) -> Int? {
        var size = winsize()
        if ioctl(descriptor(stream), UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let value = Int(text), value > 0 {
            return value
        }
        return nil
    }

    /// Whether `stream` is a terminal.
    public func isTerminal(_ stream: Stream) -> Bool { isatty(descriptor(stream)) != 0 }

    private func descriptor(_ stream: Stream) -> Int32 {
        stream == .output ? outputDescriptor : errorDescriptor
    }

    private func write(_ buffer: UnsafeRawBufferPointer, to stream: Stream) {
        let fd = descriptor(stream)
        guard var base = buffer.baseAddress, !lock.withLock({ closedStreams.contains(fd) }) else { return }
        var left = buffer.count
        while left > 0 {
            let written = systemWrite(fd, base, left)
            if written >= 0 {
                left -= written
                base += written
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN:
                // A descriptor another process made non-blocking: wait until it takes more.
                var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&entry, 1, 1000)
            case EPIPE, ECONNRESET, ENOTCONN:
                closed(fd)
                return
            default:
                return
            }
        }
    }

    /// The reader of `fd` went away: later writes go to /dev/null; the handler learns it once.
    private func closed(_ fd: Int32) {
        let handler = lock.withLock { () -> (@Sendable (Stream) -> Void)? in
            guard closedStreams.insert(fd).inserted else { return nil }
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 {
                _ = dup2(null, fd)
                close(null)
            }
            guard !handled, let handler = self.handler else { return nil }
            handled = true
            return handler
        }
        guard let handler else { return }
        let stream: Stream = fd == outputDescriptor ? .output : .error
        // Not on the writer's thread: it may hold a lock the handler's work needs.
        Thread.detachNewThread { handler(stream) }
    }

    /// Starts (once) a thread per pipe or socket stream that waits for its reader to go away: on Linux a pipe's
    /// write end reports POLLERR, a socket POLLHUP, without anything being written.
    private func watch() {
        let start = lock.withLock {
            defer { watching = true }
            return !watching
        }
        guard start else { return }
        for fd in Set([outputDescriptor, errorDescriptor]) {
            var status = stat()
            guard fstat(fd, &status) == 0 else { continue }
            let type = status.st_mode & S_IFMT
            guard type == S_IFIFO || type == S_IFSOCK else { continue }
            let thread = Thread { [weak self] in
                while let self, !self.lock.withLock({ self.closedStreams.contains(fd) }) {
                    var entry = pollfd(fd: fd, events: 0, revents: 0)
                    let ready = poll(&entry, 1, 500)
                    if ready > 0, entry.revents & Int16(POLLNVAL) != 0 { return }  // the descriptor was closed
                    if ready > 0, entry.revents & Int16(POLLERR | POLLHUP) != 0 {
                        self.closed(fd)
                        return
                    }
                }
            }
            thread.name = "exportpipe.output-watch"
            thread.start()
        }
    }
}

/// `write(2)` (the class's own `write` methods hide it inside the class).
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
