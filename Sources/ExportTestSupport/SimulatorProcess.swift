import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `exportpipe simulator` as a separate process, for tests that run (and kill) `exportpipe run` against a
/// simulator that outlives it.
public final class SimulatorProcess: @unchecked Sendable {
    public let baseURL: String
    private let process: Process

    /// Starts the simulator on a free port and waits for its `listening on …` line.
    public init(binary: URL, arguments: [String], timeout: Double = 60) throws {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["simulator", "--port", "0"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak process] in
            // Never hang a test on a simulator that does not start.
            if let process, process.isRunning, process.processIdentifier > 0 { _ = process }
        }
        var bytes: [UInt8] = []
        let handle = stdout.fileHandleForReading
        let started = Date()
        while Date().timeIntervalSince(started) < timeout {
            let chunk = handle.readData(ofLength: 1)
            if chunk.isEmpty || chunk.first == 10 { break }
            bytes.append(contentsOf: chunk)
        }
        let line = String(decoding: bytes, as: UTF8.self)
        guard line.hasPrefix("listening on ") else {
            process.terminate()
            throw CLIRunnerError(description: "the simulator did not start: '\(line)'")
        }
        self.process = process
        self.baseURL = String(line.dropFirst("listening on ".count))
    }

    /// `GET /_sim/stats` as a JSON object.
    public func stats() async throws -> [String: Any] {
        guard let url = URL(string: baseURL + "/_sim/stats") else { return [:] }
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// `POST /_sim/clock?to=INSTANT`: moves the simulator's API time on to `instant` (ISO 8601 with `Z`) at once,
    /// never back.
    /// - Returns: the API time after the move, epoch milliseconds.
    @discardableResult
    public func moveClock(to instant: String) async throws -> Int64 {
        guard let url = URL(string: baseURL + "/_sim/clock?to=" + instant) else { return 0 }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        let (data, _) = try await URLSession.shared.data(for: request)
        let answer = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        guard let millis = (answer["apiTimeMillis"] as? NSNumber)?.int64Value else {
            throw CLIRunnerError(
                description: "the simulator did not move its clock: \(String(decoding: data, as: UTF8.self))")
        }
        return millis
    }

    /// Stops the simulator and waits for it.
    public func stop() {
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}
