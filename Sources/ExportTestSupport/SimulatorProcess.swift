import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

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
        let data = try await SimulatorProcess.send(.GET, baseURL + "/_sim/stats")
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// `POST /_sim/clock?to=INSTANT`: moves the simulator's API time on to `instant` (ISO 8601 with `Z`) at once,
    /// never back.
    /// - Returns: the API time after the move, epoch milliseconds.
    @discardableResult
    public func moveClock(to instant: String) async throws -> Int64 {
        let data = try await SimulatorProcess.send(.POST, baseURL + "/_sim/clock?to=" + instant)
        let answer = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        guard let millis = (answer["apiTimeMillis"] as? NSNumber)?.int64Value else {
            throw CLIRunnerError(
                description: "the simulator did not move its clock: \(String(decoding: data, as: UTF8.self))")
        }
        return millis
    }

    /// One request over AsyncHTTPClient (the HTTP client the product uses; Foundation's URLSession would pull
    /// FoundationNetworking and libcurl into every binary linking this target, benchmarks included).
    /// - Returns: the body of a 200 answer.
    /// - Throws: `CLIRunnerError` for any other status; the client's error when the simulator does not answer
    ///   within 10 s.
    public static func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = []
    ) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            throw CLIRunnerError(
                description: "\(method) \(url) answered \(response.status.code): \(String(buffer: body))")
        }
        return Data(body.readableBytesView)
    }

    /// Stops the simulator and waits for it.
    public func stop() {
        if process.isRunning { process.interrupt() }
        process.waitUntilExit()
    }

    deinit { if process.isRunning { process.terminate() } }
}
