import AnalyticsAPI
import AnalyticsClient
import AnalyticsSimulator
import ExportExecutor
import ExportRun
import ExportSpec
import Foundation

/// Runs a pipeline against a running simulator, in process, over real loopback HTTP.
public enum PipelineHarness {
    /// A fresh temporary directory, removed by `cleanup`.
    public static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exportpipe-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Collects progress events from any thread.
    public final class EventLog: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [ProgressEvent] = []
        private var times: [Double] = []
        public init() {}
        public func append(_ event: ProgressEvent) {
            let now = Date().timeIntervalSince1970
            lock.withLock {
                stored.append(event)
                times.append(now)
            }
        }
        public var events: [ProgressEvent] { lock.withLock { stored } }
        /// Each event with when it arrived (seconds since 1970).
        public var timed: [(at: Double, event: ProgressEvent)] { lock.withLock { Array(zip(times, stored)) } }
        public func count(_ kind: ProgressEvent.Kind) -> Int { events.filter { $0.kind == kind }.count }
    }

    /// What one export of the first planned export's whole window gives, in UTC and English, from the simulator's
    /// generator with `seed`: the bytes a chunked run's merged output must equal.
    public static func wholeExport(of outcome: PipelineRun.Outcome, seed: UInt64 = 7) throws -> [UInt8] {
        let export = outcome.plan.exports[0]
        let first = outcome.plan.chunks[0].request
        let whole = ExportRequest(
            type: first.type, startTime: export.windowStartMillis, endTime: export.windowEndMillis,
            selection: first.selection, locale: "en", timezone: "UTC")
        return try ExportDataGenerator(seed: seed).csv(for: whole)
    }

    /// Executes `spec` against `simulator` with the simulator's users (`user1`… → passwords `pw1`…).
    public static func run(
        _ spec: PipelineSpec, on simulator: RunningSimulator, directory: String, now: Date, timeScale: Double,
        companyKey: String = "demo-company", passwords: [String: String], outstandingPerUser: Int? = nil,
        attempts: Int? = nil, settleSeconds: Double = 0, stuckAfterSeconds: Double? = nil,
        deadlineSeconds: Double? = nil, coordination: ExecutorCoordination? = nil,
        log: EventLog = EventLog()
    ) async throws -> PipelineRun.Outcome {
        let users = spec.api.users.map { user in
            APICredentials(username: user.username.raw, password: passwords[user.username.raw] ?? "")
        }
        let transport = AsyncHTTPClientTransport()
        let clock = ScaledClock(scale: timeScale)
        let client = AnalyticsClient(
            configuration: .init(
                baseURL: simulator.baseURL, companyKey: companyKey,
                retry: RetryPolicy(maxAttempts: 8, baseDelay: 1, maxDelay: 30)),
            transport: transport, clock: clock)
        let configuration = ExecutorConfiguration(
            users: users, outstandingPerUser: outstandingPerUser ?? spec.run.outstandingPerUser,
            attempts: attempts ?? spec.run.attempts, cooldownSeconds: 10, clock: clock,
            stateDirectory: directory + "/state", minimumPollSeconds: 2, maximumPollSeconds: 60,
            rejectionBackoff: RetryPolicy(maxAttempts: .max, baseDelay: 10, maxDelay: 120),
            settleSeconds: settleSeconds, stuckAfterSeconds: stuckAfterSeconds ?? 6 * 3_600,
            deadlineSeconds: deadlineSeconds, coordination: coordination)
        let run = PipelineRun(
            spec: spec, client: client, configuration: configuration, now: now, toolVersion: "test",
            baseDirectory: directory)
        do {
            let outcome = try await run.execute(events: { log.append($0) })
            try await transport.shutdown()
            return outcome
        } catch {
            try? await transport.shutdown()
            throw error
        }
    }
}
