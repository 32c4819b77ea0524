import AnalyticsAPI
import CSVMerge
import ExportExecutor
import ExportPlanner
import ExportRun
import Foundation

/// Watches one run for the operator: logs its progress events for the report's timeline, keeps its
/// Prometheus metrics and writes them to the metrics file every few seconds, and at the end writes
/// `run-summary.json` and `report.html` beside the outputs. It only consumes what the executor emits.
public final class RunObserver: @unchecked Sendable {
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

        public init(
            pipeline: String, command: String, specPath: String, journalPath: String, outputDirectory: String,
            metricsPath: String?, users: [String], outstandingPerUser: Int, timeScale: Double,
            metricsInterval: Double = 5
        ) {
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
        let estimate = PlanEstimate(
            chunks: toDo + fresh, users: setup.users.count, outstandingPerUser: setup.outstandingPerUser)
        var previous: String?
        if let path = setup.metricsPath { previous = try? String(contentsOfFile: path, encoding: .utf8) }
        let metrics = RunMetrics(
            pipeline: setup.pipeline, users: setup.users, exports: plan.exports.map(\.name), previous: previous)
        metrics.update(records: records)
        var log: RunEventLog?
        do {
            log = try RunEventLog(journalPath: setup.journalPath)
            try log?.begin(
                command: setup.command, pipeline: setup.pipeline, timeScale: setup.timeScale, slots: estimate.slots,
                lowerBoundSeconds: estimate.wallSecondsLowerBound, users: setup.users,
                exports: plan.exports.map(\.name))
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

    /// The run has ended (`execution` is nil when it stopped on an error): writes the last metrics, the
    /// summary and the report, and returns the summary (nil without a plan or an execution summary).
    public func finish(execution: ExecutionSummary?, interrupted: Bool) -> RunSummary? {
        ticker?.cancel()
        let (log, metrics, plan, bound, verified) = lock.withLock {
            (self.log, self.metrics, self.plan, self.lowerBound, self.verified)
        }
        do { try log?.finish() } catch { note("\(error)") }
        let finishedAt = Date()
        let records = (try? JournalSnapshot.read(journalPath: setup.journalPath).records) ?? []
        let manifest = try? ManifestWriter.read(from: setup.outputDirectory + "/manifest.json")
        var summary: RunSummary?
        if let plan, let execution {
            let outputs = Dictionary(
                (manifest ?? nil)?.exports.map { ($0.name, $0) } ?? [], uniquingKeysWith: { first, _ in first })
            summary = RunSummary(
                RunSummary.Inputs(
                    pipeline: setup.pipeline, command: setup.command, plan: plan, records: records,
                    execution: execution, verifiedThisRun: verified, outputs: outputs, startedAt: startedAt,
                    finishedAt: finishedAt, timeScale: setup.timeScale, lowerBoundApiSeconds: bound,
                    interrupted: interrupted))
        }
        if let metrics {
            metrics.update(records: records)
            metrics.finish(execution: execution, succeeded: summary?.status == "complete")
            if let path = setup.metricsPath {
                do { try metrics.write(to: path) } catch { note("\(error)") }
            }
        }
        if plan != nil {
            do {
                try summary?.write(to: setup.outputDirectory + "/" + RunSummary.fileName)
                if let snapshot = try? JournalSnapshot.read(journalPath: setup.journalPath) {
                    try RunReport(snapshot: snapshot, manifest: manifest ?? nil, specPath: setup.specPath).write(
                        to: setup.outputDirectory + "/" + RunReport.fileName)
                }
            } catch {
                note("\(error)")
            }
        }
        return summary
    }

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
