import ExportExecutor
import ExportRun
import Foundation
import Prometheus

/// A run's Prometheus metrics, kept in a swift-prometheus registry and rendered in the text exposition format
/// for node_exporter's textfile collector. Every sample carries the pipeline's name as label `pipeline`.
///
/// Counters move with the progress events and are brought to the executor's own totals at the end (a submit
/// that failed before the API answered has no event, and status requests have none at all); the chunk gauges are
/// read from the journal at every write.
public final class RunMetrics: @unchecked Sendable {
    public let pipeline: String
    private let registry: PrometheusCollectorRegistry
    private let lock = NSLock()
    private let startedAt: Double
    private let clock: @Sendable () -> Double
    /// Carried from the previous file when this run does not succeed.
    private var lastSuccess: Double?

    private let submissions: Counter
    private let rejections: Counter
    private let retries: Counter
    private let splits: Counter
    private let stuck: Counter
    private let statusRequests: Counter
    private var counted = Counts()
    private var atServer: [String: String] = [:]  // chunk → user
    private let users: [String]
    private let slotGauges: [String: Gauge]
    private let chunkGauges: [String: Gauge]
    private let rowGauges: [String: Gauge]
    private let byteGauges: [String: Gauge]
    private let duration: Gauge
    private let inProgress: Gauge
    private let lastSuccessGauge: Gauge
    private let lastRunGauge: Gauge
    private let lastRunExitCode: Gauge
    private let lastRunStatus: [RunReport.Status.Kind: Gauge]

    private struct Counts {
        var submissions = 0
        var rejections = 0
        var retries = 0
        var splits = 0
        var stuck = 0
        var statusRequests = 0
    }

    /// - Parameters:
    ///   - previous: the metrics file an earlier run wrote, if any, for the last success it recorded.
    public init(
        pipeline: String, users: [String], exports: [String], previous: String?,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.pipeline = pipeline
        self.users = users
        self.clock = clock
        startedAt = clock()
        let p = ("pipeline", pipeline)
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: Self.name(name, unit: "total", help), labels: [p])
        }
        submissions = counter("submissions", "Export submissions sent in this run, accepted or not.")
        rejections = counter(
            "rejections", "Submissions refused because the queue was full (another user's load); resubmitted.")
        retries = counter("retries", "Tries that failed and were tried again.")
        splits = counter("splits", "Failing chunks replaced by their halves.")
        stuck = counter("stuck", "Jobs abandoned because their status did not change for stuck_after.")
        statusRequests = counter("status_requests", "Job status requests (counted at the end of the run).")
        var slotGauges: [String: Gauge] = [:]
        var chunkGauges: [String: Gauge] = [:]
        var rowGauges: [String: Gauge] = [:]
        var byteGauges: [String: Gauge] = [:]
        for user in users {
            slotGauges[user] = registry.makeGauge(
                descriptor: Self.name(
                    "slots_busy", unit: "", "Jobs of this API user at the server now (queued or running)."),
                labels: [p, ("user", user)])
        }
        for export in exports {
            for state in ChunkState.allCases {
                chunkGauges[export + "\u{0}" + state.rawValue] = registry.makeGauge(
                    descriptor: Self.name("chunks", unit: "", "Chunks in the journal by export and state."),
                    labels: [p, ("export", export), ("state", state.rawValue)])
            }
            rowGauges[export] = registry.makeGauge(
                descriptor: Self.name("rows", unit: "", "Rows in the export's verified chunks."),
                labels: [p, ("export", export)])
            byteGauges[export] = registry.makeGauge(
                descriptor: Self.name("bytes", unit: "", "Bytes of the export's verified chunk files."),
                labels: [p, ("export", export)])
        }
        self.slotGauges = slotGauges
        self.chunkGauges = chunkGauges
        self.rowGauges = rowGauges
        self.byteGauges = byteGauges
        duration = registry.makeGauge(
            descriptor: Self.name("run_duration", unit: "seconds", "Seconds since this run started."), labels: [p])
        inProgress = registry.makeGauge(
            descriptor: Self.name("run_in_progress", unit: "", "1 while the run is going, 0 once it has ended."),
            labels: [p])
        lastSuccessGauge = registry.makeGauge(
            descriptor: Self.name(
                "last_success_timestamp", unit: "seconds",
                "When a run of this pipeline last ended with every export complete (seconds since 1970)."), labels: [p])
        lastRunGauge = registry.makeGauge(
            descriptor: Self.name(
                "last_run_timestamp", unit: "seconds",
                "When the last run of this pipeline ended, however it ended (seconds since 1970; 0 while it runs)."),
            labels: [p])
        lastRunExitCode = registry.makeGauge(
            descriptor: Self.name("last_run_exit_code", unit: "", "The exit status the last run ended with."),
            labels: [p])
        var statusGauges: [RunReport.Status.Kind: Gauge] = [:]
        for kind in RunReport.Status.Kind.allCases {
            statusGauges[kind] = registry.makeGauge(
                descriptor: Self.name(
                    "last_run_status", unit: "",
                    "1 for how the last run ended (complete, failed, interrupted, deadline, refused-credentials, "
                        + "spec-errors), "
                        + "0 for the others; all 0 while a run is going."),
                labels: [p, ("status", kind.rawValue)])
        }
        lastRunStatus = statusGauges
        registry.makeGauge(
            descriptor: Self.name("run_start_timestamp", unit: "seconds", "When this run started."), labels: [p]
        )
        .set(to: startedAt)
        inProgress.set(to: 1)
        if let previous,
            let sample = PrometheusText.samples(in: previous).first(where: {
                $0.name == "exportpipe_last_success_timestamp_seconds" && $0.labels["pipeline"] == pipeline
            }), sample.value > 0
        {
            lastSuccess = sample.value
            lastSuccessGauge.set(to: sample.value)
        }
    }

    private static func name(_ metric: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "exportpipe", metricName: metric, unitName: unit, helpText: help)
    }

    /// Counts one progress event.
    public func observe(_ event: ProgressEvent) {
        lock.withLock {
            switch event.kind {
            case .submitted, .reattached:
                if event.kind == .submitted {
                    counted.submissions += 1
                    submissions.increment()
                }
                if let chunk = event.chunk, let user = event.user { atServer[chunk] = user }
            case .rejected:
                counted.rejections += 1
                rejections.increment()
                release(event.chunk)
            case .retrying:
                counted.retries += 1
                retries.increment()
                release(event.chunk)
            case .split:
                counted.splits += 1
                splits.increment()
                release(event.chunk)
            case .stuck:
                counted.stuck += 1
                stuck.increment()
                release(event.chunk)
            case .held:
                // A submit whose outcome is unknown keeps its slot busy while the possible job would run.
                if let chunk = event.chunk, let user = event.user { atServer[chunk] = user }
            case .completed, .failed, .retired: release(event.chunk)
            case .started, .verified, .replanned, .finished, .exportStopped, .warning, .queued, .running, .loaded,
                .loadFailed:
                break
            }
            var busy: [String: Int] = [:]
            for user in atServer.values { busy[user, default: 0] += 1 }
            for (user, gauge) in slotGauges { gauge.set(to: Double(busy[user] ?? 0)) }
        }
    }

    private func release(_ chunk: String?) {
        if let chunk { atServer[chunk] = nil }
    }

    /// Sets the chunk, row and byte gauges from the journal.
    public func update(records: [ChunkRecord]) {
        lock.withLock {
            var states: [String: Int] = [:]
            var rows: [String: Int64] = [:]
            var bytes: [String: Int64] = [:]
            for record in records {
                states[record.exportName + "\u{0}" + record.state.rawValue, default: 0] += 1
                if record.state == .verified {
                    rows[record.exportName, default: 0] += record.rows ?? 0
                    bytes[record.exportName, default: 0] += record.bytes ?? 0
                }
            }
            for (key, gauge) in chunkGauges { gauge.set(to: Double(states[key] ?? 0)) }
            for (export, gauge) in rowGauges { gauge.set(to: Double(rows[export] ?? 0)) }
            for (export, gauge) in byteGauges { gauge.set(to: Double(bytes[export] ?? 0)) }
        }
    }

    /// Sets the partition gauges of each partitioned dataset from the run's outcome (`PartitionCounts`): written by
    /// this run, unchanged, unsettled, outside the window and total (the last four once the run has counted them).
    public func update(partitions: [String: PartitionCounts]) {
        lock.withLock {
            for (export, counts) in partitions.sorted(by: { $0.key < $1.key }) {
                let states: [(String, Int?)] = [
                    ("written", counts.written), ("unchanged", counts.unchanged), ("unsettled", counts.unsettled),
                    ("outside_window", counts.outsideWindow), ("total", counts.total),
                ]
                for case (let state, let value?) in states {
                    registry.makeGauge(
                        descriptor: Self.name(
                            "partitions", unit: "",
                            "Partitions of a partitioned dataset by export and state (written by this run, unchanged, "
                                + "unsettled, outside_window, total), set at the end of the run."),
                        labels: [("pipeline", pipeline), ("export", export), ("state", state)]
                    ).set(to: Double(value))
                }
            }
        }
    }

    /// The run has ended, complete or failed (`finish(execution:status:)` says how exactly).
    public func finish(execution: ExecutionSummary?, succeeded: Bool) {
        finish(
            execution: execution,
            status: succeeded
                ? RunReport.Status(kind: .complete, exitCode: 0) : RunReport.Status(kind: .failed, exitCode: 1))
    }

    /// The run has ended: counters take the executor's totals (none when it stopped on an error), the slots are
    /// free, the last run's status, exit code and time are recorded, and a complete run is the pipeline's last
    /// success (any other end leaves the last success as it was).
    public func finish(execution: ExecutionSummary?, status: RunReport.Status) {
        lock.withLock {
            func bring(_ counter: Counter, _ have: inout Int, to total: Int) {
                if total > have { counter.increment(by: Int64(total - have)) }
                have = max(have, total)
            }
            let execution = execution ?? ExecutionSummary()
            bring(submissions, &counted.submissions, to: execution.submissions)
            bring(rejections, &counted.rejections, to: execution.rejections)
            bring(retries, &counted.retries, to: execution.retries)
            bring(splits, &counted.splits, to: execution.splits)
            bring(stuck, &counted.stuck, to: execution.stuck)
            bring(statusRequests, &counted.statusRequests, to: execution.statusRequests)
            atServer.removeAll()
            for gauge in slotGauges.values { gauge.set(to: 0) }
            inProgress.set(to: 0)
            let now = clock()
            lastRunGauge.set(to: now)
            lastRunExitCode.set(to: Double(status.exitCode))
            for (kind, gauge) in lastRunStatus { gauge.set(to: kind == status.kind ? 1 : 0) }
            if status.kind == .complete {
                lastSuccess = now
                lastSuccessGauge.set(to: now)
            }
        }
    }

    /// The exposition text as of now.
    public func render() -> [UInt8] {
        lock.withLock { duration.set(to: max(0, clock() - startedAt)) }
        return registry.emitToBuffer()
    }

    /// Writes the exposition text to `path` atomically.
    /// - Throws: `RunReportingError.write`.
    public func write(to path: String) throws {
        try AtomicFile.write(render(), to: path)
    }
}
