import ExportBasics
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `TerminalOutput` over real pipes whose reader goes away, as `exportpipe run … | head -3` does.
@Suite("TerminalOutput: a closed pipe ends the command cleanly")
struct TerminalOutputTests {
    /// A pipe: (read end, write end).
    static func pipeEnds() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        return (fds[0], fds[1])
    }

    /// Waits for the handler's first call, for at most `seconds` (nil when it never came).
    static func firstCall(
        within seconds: Double, install: (@escaping @Sendable (TerminalOutput.Stream) -> Void) -> Void
    ) async -> TerminalOutput.Stream? {
        let (stream, continuation) = AsyncStream.makeStream(of: TerminalOutput.Stream?.self)
        install { continuation.yield($0) }
        let timeout = Task {
            try? await Task.sleep(for: .seconds(seconds))
            continuation.yield(nil)
        }
        defer { timeout.cancel() }
        for await value in stream { return value }
        return nil
    }

    static func isCharacterDevice(_ fd: Int32) -> Bool {
        var status = stat()
        return fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFCHR
    }

    @Test func aWriteToAPipeWhoseReaderIsGoneCallsTheHandlerOnceAndLaterWritesGoNowhere() async throws {
        TerminalOutput.ignoreBrokenPipeSignal()
        let (outRead, outWrite) = try Self.pipeEnds()
        let (errRead, errWrite) = try Self.pipeEnds()
        defer { for fd in [outWrite, errRead, errWrite] { close(fd) } }
        let terminal = TerminalOutput(output: outWrite, error: errWrite)
        terminal.write("first line\n", to: .output)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(outRead, &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "first line\n")
        #expect(!terminal.closedPipe)

        close(outRead)
        let calls = Calls()
        let stream = await Self.firstCall(within: 10) { handler in
            terminal.onClosedPipe {
                calls.add()
                handler($0)
            }
            for index in 0..<50 { terminal.write("line \(index)\n", to: .output) }
        }
        #expect(stream == .output)
        #expect(terminal.closedPipe)
        #expect(Self.isCharacterDevice(outWrite), "the closed stream now points at /dev/null")
        // Writing on, to either stream, neither traps nor calls the handler again.
        terminal.write(Data(repeating: 65, count: 100_000), to: .output)
        terminal.write("still going\n", to: .error)
        var errBuffer = [UInt8](repeating: 0, count: 64)
        let errCount = read(errRead, &errBuffer, errBuffer.count)
        #expect(String(decoding: errBuffer.prefix(max(0, errCount)), as: UTF8.self) == "still going\n")
        #expect(calls.count == 1)
    }

    @Test func aPipeClosedWhileNothingIsWrittenIsNoticedByTheWatcher() async throws {
        TerminalOutput.ignoreBrokenPipeSignal()
        let (outRead, outWrite) = try Self.pipeEnds()
        let (errRead, errWrite) = try Self.pipeEnds()
        defer { for fd in [outRead, outWrite, errWrite] { close(fd) } }
        let terminal = TerminalOutput(output: outWrite, error: errWrite)
        let stream = await Self.firstCall(within: 10) { handler in
            terminal.onClosedPipe(handler)
            close(errRead)
        }
        #expect(stream == .error, "noticed without a write")
        #expect(terminal.closedPipe)
    }

    @Test func aHandlerInstalledAfterThePipeClosedIsCalledAtOnce() async throws {
        TerminalOutput.ignoreBrokenPipeSignal()
        let (outRead, outWrite) = try Self.pipeEnds()
        defer { close(outWrite) }
        let terminal = TerminalOutput(output: outWrite, error: outWrite)
        close(outRead)
        terminal.write("lost\n", to: .output)
        #expect(terminal.closedPipe)
        let stream = await Self.firstCall(within: 10) { terminal.onClosedPipe($0) }
        #expect(stream == .output)
    }

    @Test func theWidthComesFromTheTerminalOrColumns() throws {
        let (outRead, outWrite) = try Self.pipeEnds()
        defer { for fd in [outRead, outWrite] { close(fd) } }
        let terminal = TerminalOutput(output: outWrite, error: outWrite)
        #expect(!terminal.isTerminal(.error))
        let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init)
        #expect(terminal.columns(of: .error) == columns, "a pipe has no width: $COLUMNS or nothing")
    }
}

/// Counts the handler's calls.
private final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}
