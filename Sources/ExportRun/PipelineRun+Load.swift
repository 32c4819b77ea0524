import ExportExecutor
import ExportLoading
import ExportPlanner
import ExportSpec
import Foundation

extension PipelineRun {
    /// What a run that loads (`output.load`) runs beside its chunks: the load queue, the output that hands it each
    /// final partition, and the writer that writes each export as soon as its chunks are all verified.
    struct RunLoads {
        var queue: PartitionLoadQueue
        var output: LoadingOutput
        var early: ExportEarlyWriter
    }

    /// `output.load` resolved (`${VAR}`, the password from `password_env` else `PGPASSWORD`); nil when the spec
    /// loads nothing.
    /// - Throws: `WarehouseError` (`.configuration`) for a variable that is not set, a URL or schema that cannot be
    ///   used, or `output.load` with a layout other than `partitioned`. Never holds the password.
    public func warehouseSettings() throws -> WarehouseSettings? {
        try Self.warehouseSettings(spec, environment: request.environment)
    }

    /// `output.load` of `spec` resolved against `environment`; nil when the spec loads nothing.
    public static func warehouseSettings(_ spec: PipelineSpec, environment: [String: String]) throws
        -> WarehouseSettings?
    {
        guard let load = spec.output.load else { return nil }
        guard spec.output.layout == .partitioned else {
            throw WarehouseError(
                .configuration,
                "\(load.location): error: output.load loads a partitioned dataset: add 'layout: partitioned' to "
                    + "output (docs/dataset.md)")
        }
        let url: String
        do { url = try load.postgres.resolve(environment: environment) } catch {
            throw WarehouseError(.configuration, "\(load.location): error: output.load.postgres: \(error)")
        }
        return try WarehouseSettings(
            url: url, schema: load.schema, passwordVariable: load.passwordEnv, environment: environment)
    }

    /// Starts loading: connects, hands the queue every partition on disk not loaded with its SHA-256 yet (they load
    /// while the chunks run), and makes the output that hands it each partition this run writes.
    func startLoads(plan: Plan, only: [ChunkRecord]?, warehouse: WarehouseSettings, journal: Journal) -> RunLoads? {
        guard case .partitioned = spec.output.layout else { return nil }
        let queue = PartitionLoadQueue(
            settings: warehouse, runID: Self.runID(command: request.command.name), notify: { notify($0) },
            logger: logger)
        let targets = LoadTarget.all(plan, spec: spec, outputDirectory: outputDirectory)
        let touched = only.map { Set($0.map(\.exportName)) }
        queue.catchUp(targets.filter { touched?.contains($0.exportName) ?? true })
        let dataset = PartitionedOutput(
            directory: outputDirectory, grain: spec.output.partition, compression: spec.output.compression,
            stateDirectory: stateDirectory, toolVersion: toolVersion, now: request.now, settleSeconds: settleSeconds)
        let output = LoadingOutput(dataset: dataset, queue: queue, spec: spec)
        let early = ExportEarlyWriter(
            plan: plan, exports: touched ?? Set(plan.exports.map(\.name)), journal: journal,
            write: { export, leaves, lineage in try await write(export, leaves: leaves, lineage: lineage, to: output) }
        )
        return RunLoads(queue: queue, output: output, early: early)
    }

    /// Waits for the loads, puts their report in the outcome, and makes a run whose exports are all written but
    /// whose loads failed end `load_failed` (exit 1) with what failed and the command that loads it again.
    func finishLoads(_ outcome: inout RunOutcome, _ loads: RunLoads) async {
        let report = await loads.queue.finish()
        outcome.loads = report
        guard report.hasFailures else { return }
        let text = Self.describeFailures(report)
        let again =
            "after fixing the cause, `\(report.retryCommand(specPath: specPath))` loads "
            + (report.unreachable != nil ? "the dataset" : "what failed")
            + " (the dataset on disk is complete; nothing is exported again)"
        switch outcome.status {
        case .complete:
            outcome.status = .loadFailed
            outcome.error = text
            outcome.advice = again
        default:
            outcome.warnings.append(text + "; " + again)
        }
    }

    /// What failed to load, one partition a line (at most 10, then how many more).
    public static func describeFailures(_ report: LoadReport) -> String {
        var lines: [String] = []
        if let unreachable = report.unreachable {
            lines.append("nothing was loaded into \(report.destination): \(unreachable)")
        }
        let failures = report.failures.filter { $0.message != PartitionLoadQueue.notReached }
        if failures.count < report.failures.count {
            lines.append("\(report.failures.count - failures.count) partition(s) written this run wait to be loaded")
        }
        let shown = failures.prefix(10)
        if !shown.isEmpty {
            lines.append("\(failures.count) partition(s) not loaded into \(report.destination):")
            lines += shown.map { "  \($0.message)" }
            if failures.count > shown.count { lines.append("  … and \(failures.count - shown.count) more") }
        }
        return lines.joined(separator: "\n")
    }

    /// What the bookkeeping records beside each partition a run loads: the command, when, and this process.
    static func runID(command: String) -> String {
        let formatter = ISO8601DateFormatter()
        return "\(command) \(formatter.string(from: Date())) pid \(ProcessInfo.processInfo.processIdentifier)"
    }
}
