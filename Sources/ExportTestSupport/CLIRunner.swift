import Foundation

/// What one run of the `exportpipe` binary printed and how it ended.
public struct CLIResult: Sendable, Hashable {
    public var stdout: String
    public var stderr: String
    /// The exit status (or the signal number when `terminatedBySignal`).
    public var status: Int32
    public var terminatedBySignal: Bool

    public init(stdout: String, stderr: String, status: Int32, terminatedBySignal: Bool = false) {
        self.stdout = stdout
        self.stderr = stderr
        self.status = status
        self.terminatedBySignal = terminatedBySignal
    }
}

/// Why the binary could not be run to completion.
public struct CLIRunnerError: Error, Sendable, CustomStringConvertible {
    public var description: String

    static func notFound(_ searched: [String]) -> CLIRunnerError {
        CLIRunnerError(
            description:
                "the exportpipe binary was not found; build it with 'swift build' (or set EXPORTPIPE_BINARY). Looked in: "
                + searched.joined(separator: ", "))
    }

    static func timedOut(_ arguments: [String], after seconds: Double) -> CLIRunnerError {
        CLIRunnerError(
            description:
                "exportpipe \(arguments.joined(separator: " ")) did not finish within \(seconds) s and was killed")
    }
}

/// Runs the built `exportpipe` executable as a real process, for end-to-end tests.
///
/// The binary is looked for, in order: `$EXPORTPIPE_BINARY`; next to the running test bundle (SwiftPM puts the
/// test bundle and the executables in the same build products folder); `.build/debug/exportpipe` of this package.
/// Output goes to temporary files rather than pipes, so a chatty process can never block on a full pipe. Every
/// process runs at the suite's "now" (`TestCalendar`, as `EXPORTPIPE_NOW`), never at the day the suite runs.
public struct CLIRunner: Sendable {
    public let binary: URL

    /// The state home (`XDG_STATE_HOME`, where the embedded coordinator keeps the company's slots) of every
    /// exportpipe this test process starts: a fresh temporary folder, set in this process's environment the first
    /// time a `CLIRunner` is made, so no test touches the user's `~/.local/state` and no two test processes share
    /// slots. Tests that want runners to share slots among themselves only pass their own `XDG_STATE_HOME`.
    public static let isolatedStateHome: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "exportpipe-test-state-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        ).path
        try? FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        setenv("XDG_STATE_HOME", path, 1)
        return path
    }()

    /// Finds the binary.
    ///
    /// - Throws: `CLIRunnerError` naming every place looked in when it is not there.
    public init(filePath: String = #filePath) throws {
        _ = Self.isolatedStateHome
        _ = TestCalendar.exported
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["EXPORTPIPE_BINARY"], !explicit.isEmpty {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        if let first = CommandLine.arguments.first {
            let runner = URL(fileURLWithPath: first).resolvingSymlinksInPath()
            candidates.append(runner.deletingLastPathComponent().appendingPathComponent("exportpipe"))
            // macOS: …/debug/X.xctest/Contents/MacOS/X
            candidates.append(
                runner.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("exportpipe"))
        }
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("exportpipe"))
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("exportpipe"))
        // Sources/ExportTestSupport/CLIRunner.swift → the package root.
        let root = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/exportpipe"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw CLIRunnerError.notFound(candidates.map(\.path))
        }
        binary = found
    }

    /// Runs `exportpipe arguments…` and waits for it.
    ///
    /// - Parameters:
    ///   - environment: variables set on top of this process's environment (or instead of it when
    ///     `inheritEnvironment` is false).
    ///   - stdin: text fed to standard input; without it standard input is empty.
    ///   - workingDirectory: the process's current folder (default: this process's).
    ///   - timeout: seconds before the process is killed and `CLIRunnerError` thrown.
    /// - Throws: `CLIRunnerError` on timeout; Foundation errors when the process cannot start.
    public func run(
        _ arguments: [String], environment: [String: String] = [:], inheritEnvironment: Bool = true,
        stdin: String? = nil, workingDirectory: URL? = nil, timeout: Double = 60
    ) async throws -> CLIResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "exportpipe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let outHandle = try FileHandle(forWritingTo: outURL)
        let errHandle = try FileHandle(forWritingTo: errURL)
        defer {
            try? outHandle.close()
            try? errHandle.close()
        }

        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        env.merge(environment) { _, new in new }
        process.environment = env
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let inURL = scratch.appendingPathComponent("stdin")
            try Data(stdin.utf8).write(to: inURL)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()

        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw CLIRunnerError.timedOut(arguments, after: timeout)
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        process.waitUntilExit()
        let stdout = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        return CLIResult(
            stdout: stdout, stderr: stderr, status: process.terminationStatus,
            terminatedBySignal: process.terminationReason == .uncaughtSignal)
    }

    /// Runs `exportpipe arguments…` with standard output and standard error on one pipe (as `2>&1 | head -N`
    /// does), reads `lines` lines of it, then closes the pipe's reading end and waits for the process.
    ///
    /// - Returns: the lines read and how the process ended (`stdout` holds the lines; `stderr` is empty).
    /// - Throws: `CLIRunnerError` on timeout; Foundation errors when the process cannot start.
    public func runClosingOutput(
        _ arguments: [String], after lines: Int, environment: [String: String] = [:], timeout: Double = 120
    ) async throws -> CLIResult {
        let pipe = Pipe()
        // Close-on-exec on both ends: other tests start processes at the same time, and a child that inherited the
        // reading end would keep the pipe open after this reader leaves, so the run would never meet the closed pipe.
        for descriptor in [pipe.fileHandleForReading.fileDescriptor, pipe.fileHandleForWriting.fileDescriptor] {
            _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // This process's copy of the writing end: without closing it the reader would never see the end.
        try pipe.fileHandleForWriting.close()

        let reader = pipe.fileHandleForReading
        let deadline = Date().addingTimeInterval(timeout)
        let read = LinesRead()
        Thread.detachNewThread {
            var text = Data()
            while text.filter({ $0 == 0x0A }).count < lines {
                let chunk = reader.availableData  // blocks until some bytes or the end
                if chunk.isEmpty { break }
                text.append(chunk)
            }
            // The reader goes away the moment it has its lines, as `head` does: on this thread, not after the
            // test's task next runs (on a loaded machine that can be seconds, long enough for the run to finish
            // into the pipe's buffer and never meet the closed pipe).
            try? reader.close()
            let all = String(decoding: text, as: UTF8.self)
            read.finish(
                all.split(separator: "\n", omittingEmptySubsequences: false).prefix(lines).joined(separator: "\n"))
        }
        while read.text == nil {
            if Date() > deadline {
                process.terminate()  // its end of the pipe closes: the reading thread ends too
                process.waitUntilExit()
                throw CLIRunnerError.timedOut(arguments, after: timeout)
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        let shown = read.text ?? ""
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                throw CLIRunnerError.timedOut(arguments, after: timeout)
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        process.waitUntilExit()
        return CLIResult(
            stdout: shown, stderr: "", status: process.terminationStatus,
            terminatedBySignal: process.terminationReason == .uncaughtSignal)
    }
}

/// The lines a reading thread got, once it has them.
private final class LinesRead: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    var text: String? { lock.withLock { value } }
    func finish(_ text: String) { lock.withLock { value = text } }
}
