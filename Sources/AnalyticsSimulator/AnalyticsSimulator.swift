import AnalyticsAPI
import ExportBasics
import Foundation
import Hummingbird
import Logging

/// The local Analytics Reports API: start it in-process on a free port, or run it until a signal.
public enum AnalyticsSimulator {
    /// Starts a simulator and returns once it accepts connections.
    /// - Throws: `SimulatorConfigurationError` for a bad configuration or when the port cannot be bound.
    public static func start(_ configuration: SimulatorConfiguration = SimulatorConfiguration()) async throws
        -> RunningSimulator
    {
        try configuration.validate()
        let engine = SimulatorEngine(configuration: configuration)
        let started = StartSignal()
        let app = makeApplication(configuration, engine: engine) { port in started.succeed(port) }
        let task = Task {
            do {
                try await app.run()
                started.fail(SimulatorConfigurationError(description: "the simulator stopped before it started"))
            } catch {
                started.fail(error)
                throw error
            }
        }
        do {
            let port = try await started.wait()
            return RunningSimulator(host: configuration.host, port: port, engine: engine, task: task)
        } catch {
            task.cancel()
            throw SimulatorConfigurationError(
                description:
                    "could not listen on \(configuration.host):\(configuration.port): \(error); "
                    + "choose another port, or 0 for a free one")
        }
    }

    /// Runs a simulator until SIGINT or SIGTERM, then shuts it down. `onListening` gets the base URL
    /// (`http://127.0.0.1:PORT`) once the server accepts connections.
    ///
    /// The signals are handled here rather than by a graceful-shutdown service group: a graceful shutdown can
    /// wait on a connection that is closing at that instant, and a simulator must always stop on Ctrl-C.
    public static func run(
        _ configuration: SimulatorConfiguration, onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        // Installed before the server starts, so a signal sent the moment it listens is not lost.
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let signals = SignalHandler([SIGINT, SIGTERM]) { continuation.yield($0) }
        defer { signals.stop() }
        let simulator = try await start(configuration)
        onListening(simulator.baseURL)
        for await _ in stream { break }
        try await simulator.shutdown()
    }

    private static func makeApplication(
        _ configuration: SimulatorConfiguration, engine: SimulatorEngine,
        onRunning: @escaping @Sendable (Int) -> Void
    ) -> some ApplicationProtocol {
        var logger = Logger(label: "exportpipe.simulator")
        logger.logLevel = .critical
        let responder = SimulatorResponder(
            engine: engine, generator: ExportDataGenerator(seed: configuration.seed), configuration: configuration,
            fallbackAuthority: "\(urlHost(configuration.host)):\(configuration.port)")
        return Application(
            responder: responder,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    static func urlHost(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}

/// A simulator started in-process: its address, its statistics, and a way to stop it.
public final class RunningSimulator: Sendable {
    /// `http://127.0.0.1:PORT`, the value for a spec's `api.base_url` or a client's base URL.
    public let baseURL: String
    public let port: Int
    let engine: SimulatorEngine
    private let task: Task<Void, any Error>

    init(host: String, port: Int, engine: SimulatorEngine, task: Task<Void, any Error>) {
        self.baseURL = "http://\(AnalyticsSimulator.urlHost(host)):\(port)"
        self.port = port
        self.engine = engine
        self.task = task
    }

    /// The same numbers as `GET /_sim/stats`.
    public func stats() async -> SimulatorStats { await engine.snapshot() }

    /// The simulator's current API time, epoch milliseconds.
    public func apiTimeMillis() async -> Int64 { await engine.advance() }

    /// Stops the server and waits until it has closed its socket.
    public func shutdown() async throws {
        task.cancel()
        do {
            try await task.value
        } catch is CancellationError {
        }
    }

    /// Waits until the server stops (on `shutdown()` or when the surrounding task is cancelled).
    public func waitUntilStopped() async throws {
        try await withTaskCancellationHandler {
            do {
                try await task.value
            } catch is CancellationError {
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// A one-shot rendezvous between the server's "running" callback and `start`.
private final class StartSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int, any Error>?
    private var continuation: CheckedContinuation<Int, any Error>?

    func succeed(_ port: Int) { complete(.success(port)) }
    func fail(_ error: any Error) { complete(.failure(error)) }

    private func complete(_ value: Result<Int, any Error>) {
        let waiting: CheckedContinuation<Int, any Error>? = lock.withLock {
            guard result == nil else { return nil }
            result = value
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: value)
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
            let ready: Result<Int, any Error>? = lock.withLock {
                if let result { return result }
                continuation = c
                return nil
            }
            if let ready { c.resume(with: ready) }
        }
    }
}
