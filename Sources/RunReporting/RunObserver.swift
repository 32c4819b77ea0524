import AnalyticsAPI
import CSVMerge
import ExportExecutor
import ExportPlanner
import ExportRun
import Foundation

/// Watches one run for the operator: logs its progress events for the report's timeline, keeps its
/// Prometheus metrics and writes them to the metrics file every few seconds, and at the end writes
/// `run-summary.json` and `report.html` beside the outputs, from the run's outcome. It changes nothing in the run.
public final class RunObserver: RunObserving, @unchecked Sendable {
    public struct Setup: Sendable {
        public var pipeline: String
        /// `run` or `retry`.
        public var command: String
        public var specPath: String
        public var journalPath: String
        public var outputDirectory: String
        public var metricsPath: String?
        public var users: [String]
        public var outstandingPerUser: Int
        public var timeScale: Double
        /// Seconds between two writes of the metrics file.
        public var metricsInterval: Double
        /// The run's wall clock (`RunRequest.clock`): the run log's times are in the journal's frame.
        public var clock: @Sendable () -> Double

        public init(
            pipeline: String, command: String, specPath: String, journalPath: String, outputDirectory: String,
            metricsPath: String?, users: [String], outstandingPerUser: Int, timeScale: Double,
            metricsInterval: Double = 5, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
        ) {
            self.clock = clock
            self.pipeline = pipeline
            self.command = command
            self.specPath = specPath
            self.journalPath = journalPath
            self.outputDirectory = outputDirectory
            self.metricsPath = metricsPath
            self.users = users
            self.outstandingPerUser = outstandingPerUser
            self.timeScale = timeScale
            self.metricsInterval = metricsInterval
        }
    }

    public let setup: Setup
    public let startedAt = Date()
    private let lock = NSLock()
    private var log: RunEventLog?
    private var metrics: RunMetrics?
    private var plan: Plan?
    private var lowerBound = 0.0
    private var verified = Set<String>()
    private var ticker: Task<Void, Never>?
    private var written: RunSummary?
    /// Problems writing the log or the metrics file: reported once at the end, never fatal to the run.
    private var problems: [String] = []

    public init(_ setup: Setup) { self.setup = setup }

    /// The plan is known and the journal exists: starts the run log and the metrics ticker.
    /// - Parameter only: the chunks this run will do when it does not do the whole plan (`retry`).
    public func planned(_ plan: Plan, only: [ChunkRecord]? = nil) {
        let records = (try? JournalSnapshot.read(journalPath: setup.journalPath).records) ?? []
        let toDo: [Chunk] = (only ?? Self.unfinished(plan, records: records)).compactMap { Self.chunk($0) }
        let roots = Set(records.map(\.id))
        let fresh = only == nil ? plan.chunks.filter { !roots.contains($0.id) } : []
        // Chunks the journal holds verified that the plan did not keep (verified within run.settle of their window's
        // end, cut the same way again): the executor exports them again, so they are this run's work too.
        let verifiedIds = Set(records.filter { $0.state == .verified }.map(\.id))
        let again = only == nil ? plan.exports.flatMap(\.chunksToRun).filter { verifiedIds.contains($0.id) } : []
        let estimate = PlanEstimate(
            chunks: toDo + fresh + again, users: setup.users.count, outstandingPerUser: setup.outstandingPerUser)
        var previous: String?
        if let path = setup.metricsPath { previous = try? String(contentsOfFile: path, encoding: .utf8) }
        let metrics = RunMetrics(
            pipeline: setup.pipeline, users: setup.users, exports: plan.exports.map(\.name), previous: previous)
        metrics.update(records: records)
        var log: RunEventLog?
        do {
            log = try RunEventLog(journalPath: setup.journalPath, clock: setup.clock)
            try log?.begin(
                command: setup.command, pipeline: setup.pipeline, timeScale: setup.timeScale, slots: estimate.slots,
                lowerBoundSeconds: estimate.wallSecondsLowerBound, users: setup.users,
                exports: plan.exports.map(\.name),
                plan: plan.exports.map { RunEventLog.Run.PlannedExport(export: $0.name, chunks: $0.chunks.map(\.id)) })
        } catch {
            note("the run log (the report's timeline) is not kept: \(error)")
            log = nil
        }
        lock.withLock {
            self.plan = plan
            self.lowerBound = estimate.wallSecondsLowerBound
            self.metrics = metrics
            self.log = log
        }
        tick()
        let interval = setup.metricsInterval
        ticker = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                if Task.isCancelled { break }
                self?.tick()
            }
        }
    }

    /// One progress event.
    public func handle(_ event: ProgressEvent) {
        let (log, metrics) = lock.withLock {
            if event.kind == .verified, let chunk = event.chunk { verified.insert(chunk) }
            if event.kind == .replanned, let chunk = event.chunk { verified.remove(chunk) }
            return (self.log, self.metrics)
        }
        log?.record(event)
        metrics?.observe(event)
    }

    /// Writes what is known so far: the buffered events and the metrics file.
    public func tick() {
        let (log, metrics) = lock.withLock { (self.log, self.metrics) }
        do { try log?.flush() } catch { note("\(error)") }
        guard let metrics, let path = setup.metricsPath else { return }
        if let records = try? JournalSnapshot.read(journalPath: setup.journalPath).records {
            metrics.update(records: records)
        }
        do { try metrics.write(to: path) } catch { note("\(error)") }
    }

    /// The run has ended: writes the last metrics, the summary and the report, whatever ended it. (A run that
    /// found its state directory held by another run never gets here: that run's files are not ours to write.)
    public func finished(_ outcome: RunOutcome) {
        ticker?.cancel()
        let (log, kept, bound, verified) = lock.withLock {
            (self.log, self.metrics, self.lowerBound, self.verified)
        }
        // A run whose chunks failed for good did its work: its error only names the exports it did not write, and
        // the report's banner says so and asks for `retry` when no error stopped the run (`Status.error` nil).
        let error = outcome.status == .failed && !outcome.incomplete.isEmpty ? nil : outcome.error
        let status =
            RunReport.Status(status: outcome.status.rawValue, exitCode: Int(outcome.exitCode), error: error)
            ?? RunReport.Status(kind: .failed, exitCode: Int(outcome.exitCode), error: error)
        // The run log records how the run ended (`exportpipe report` shows it later), before the report reads it.
        do { try log?.finish(status: status) } catch { note("\(error)") }
        let snapshot = try? JournalSnapshot.read(journalPath: setup.journalPath)
        let records = snapshot?.records ?? []
        let summary = RunSummary(
            RunSummary.Inputs(
                outcome: outcome, records: records, verifiedThisRun: verified, lowerBoundApiSeconds: bound))
        let metrics =
            kept
            ?? RunMetrics(
                pipeline: setup.pipeline, users: setup.users, exports: outcome.plan?.exports.map(\.name) ?? [],
                previous: setup.metricsPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) })
        metrics.update(records: records)
        metrics.update(partitions: outcome.outputs.compactMapValues(\.partitions))
        metrics.finish(execution: outcome.execution, status: status)
        if let path = setup.metricsPath {
            do { try metrics.write(to: path) } catch { note("\(error)") }
        }
        do {
            try FileManager.default.createDirectory(atPath: setup.outputDirectory, withIntermediateDirectories: true)
            try summary.write(to: setup.outputDirectory + "/" + RunSummary.fileName)
            if let snapshot {
                let manifest = outcome.manifestPath.flatMap { (try? ManifestWriter.read(from: $0)) ?? nil }
                try RunReport(
                    snapshot: snapshot, manifest: manifest, specPath: setup.specPath,
                    status: status
                ).write(
                    to: setup.outputDirectory + "/" + RunReport.fileName)
            }
        } catch {
            note("\(error)")
        }
        lock.withLock { written = summary }
    }

    /// The summary `finished` wrote (nil before the run ended).
    public var summary: RunSummary? { lock.withLock { written } }

    /// Problems met while writing the log, the metrics, the summary or the report.
    public var warnings: [String] { lock.withLock { problems } }

    private func note(_ text: String) {
        lock.withLock { if !problems.contains(text) { problems.append(text) } }
    }

    /// The leaves of the plan's chunks that are not verified yet.
    static func unfinished(_ plan: Plan, records: [ChunkRecord]) -> [ChunkRecord] {
        PipelineRun.leaves(of: plan.chunks.map(\.id), in: records).filter { $0.state != .verified }
    }

    static func chunk(_ record: ChunkRecord) -> Chunk? {
        let request = record.request
        return Chunk(
            exportName: record.exportName, request: request, reasons: [], expectedRows: record.expectedRows,
            fanOut: [])
    }
}
