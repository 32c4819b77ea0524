import AnalyticsAPI
import AnalyticsClient
import AnalyticsSimulator
import CSVMerge
import ExportCoordination
import ExportExecutor
import ExportPlanner
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

    /// Collects progress events from any thread: a run's observer.
    public final class EventLog: RunObserving, @unchecked Sendable {
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

        public func planned(_ plan: Plan, only: [ChunkRecord]?) {}
        public func handle(_ event: ProgressEvent) { append(event) }
        public func finished(_ outcome: RunOutcome) {}
    }

    /// What a harness run produced: the composition's outcome, and what tests check of it.
    public struct Outcome: Sendable {
        public var run: RunOutcome
        public var plan: Plan
        /// What the executor did.
        public var summary: ExecutionSummary
        /// The manifest's entries of the exports this run wrote, in the plan's order.
        public var merged: [Manifest.Export]
        /// Exports not written because chunks failed for good.
        public var incomplete: [String]
    }

    /// A run that could not execute (spec, settings, coordinator, credentials): what its outcome said.
    public struct RunFailed: Error, CustomStringConvertible {
        public var outcome: RunOutcome
        public var description: String { "\(outcome.status.rawValue): \(outcome.error ?? "no error recorded")" }
    }

    /// What one export of the first planned export's whole window gives, in UTC and English, from the simulator's
    /// generator with `seed`: the bytes a chunked run's merged output must equal.
    public static func wholeExport(of outcome: Outcome, seed: UInt64 = 7) throws -> [UInt8] {
        let export = outcome.plan.exports[0]
        let first = outcome.plan.chunks[0].request
        let whole = ExportRequest(
            type: first.type, startTime: export.windowStartMillis, endTime: export.windowEndMillis,
            selection: first.selection, locale: "en", timezone: "UTC")
        return try ExportDataGenerator(seed: seed).csv(for: whole)
    }

    /// Executes `spec` against `simulator` with the simulator's users (`user1`… → passwords `pw1`…), through the
    /// same composition the command line runs (`PipelineRun`), with timings shortened for tests.
    /// - Throws: the executor's error when the run could not go on (credentials refused, a journal problem), or
    ///   `RunFailed` when it could not start.
    public static func run(
        _ spec: PipelineSpec, on simulator: RunningSimulator, directory: String, now: Date, timeScale: Double,
        companyKey: String = "demo-company", passwords: [String: String], outstandingPerUser: Int? = nil,
        attempts: Int? = nil, settleSeconds: Double = 0, stuckAfterSeconds: Double? = nil,
        deadlineSeconds: Double? = nil, coordination: ExecutorCoordination? = nil,
        log: EventLog = EventLog()
    ) async throws -> Outcome {
        var environment: [String: String] = [:]
        for user in spec.api.users {
            if case .environment(let variable) = user.password {
                environment[variable] = passwords[user.username.raw] ?? ""
            }
        }
        var spec = spec
        spec.api.companyKey = Interpolated(raw: companyKey, location: spec.api.companyKey.location)
        // Tests read the journal and chunk files at `<directory>/state`.
        spec.output.stateDir = "state"
        var request = RunRequest(now: now, environment: environment)
        request.baseURL = simulator.baseURL
        request.timeScale = timeScale
        let limits = try SlotLimits(
            outstandingPerUser: outstandingPerUser ?? spec.run.outstandingPerUser,
            runningPerCompany: spec.api.limits.runningPerCompany, queuedPerCompany: spec.api.limits.queuedPerCompany)
        request.coordination = .provided(coordination ?? .inProcess(limits: limits, pipeline: spec.name))
        request.tuning.clientRetry = RetryPolicy(maxAttempts: 8, baseDelay: 1, maxDelay: 30)
        request.tuning.cooldownSeconds = 10
        request.tuning.minimumPollSeconds = 2
        request.tuning.maximumPollSeconds = 60
        request.tuning.rejectionBackoff = RetryPolicy(maxAttempts: .max, baseDelay: 10, maxDelay: 120)
        request.tuning.outstandingPerUser = outstandingPerUser
        request.tuning.attempts = attempts
        request.tuning.settleSeconds = settleSeconds
        request.tuning.stuckAfterSeconds = stuckAfterSeconds ?? 6 * 3_600
        request.tuning.deadlineSeconds = deadlineSeconds
        let run = PipelineRun(
            spec: spec, specPath: directory + "/pipeline.yaml", request: request, toolVersion: "test", observers: [log])
        let outcome = await run.run()
        if let error = outcome.underlyingError { throw error }
        guard let plan = outcome.plan, let summary = outcome.execution else {
            if outcome.status == .interrupted { throw CancellationError() }
            throw RunFailed(outcome: outcome)
        }
        let manifest = outcome.manifestPath.flatMap { (try? ManifestWriter.read(from: $0)) ?? nil }
        let written = Set(outcome.written.map(\.exportName))
        let merged = plan.exports.compactMap { export in
            written.contains(export.name) ? manifest?.exports.first { $0.name == export.name } : nil
        }
        return Outcome(run: outcome, plan: plan, summary: summary, merged: merged, incomplete: outcome.incomplete)
    }
}
