import AnalyticsAPI
import AnalyticsClient
import CSVMerge
import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation
import Logging

/// One `exportpipe run`: plan (with volumes learned by earlier runs), execute under the limits, then merge each
/// complete export into `<output.dir>/<name>.csv` and record it in `manifest.json`.
public struct PipelineRun: Sendable {
    /// What a run produced.
    public struct Outcome: Sendable {
        public var plan: Plan
        public var summary: ExecutionSummary
        /// Exports merged into their output file.
        public var merged: [Manifest.Export]
        /// Exports left unmerged because chunks failed for good (their previous output, if any, is untouched).
        public var incomplete: [String]
        public var manifestPath: String
    }

    public let spec: PipelineSpec
    public let client: AnalyticsClient
    public let configuration: ExecutorConfiguration
    public let now: Date
    public let toolVersion: String
    /// Directory that relative paths of the spec (output, state) are resolved against.
    public let baseDirectory: String
    private let logger: Logger

    public init(
        spec: PipelineSpec, client: AnalyticsClient, configuration: ExecutorConfiguration, now: Date,
        toolVersion: String, baseDirectory: String, logger: Logger = Logger(label: "exportpipe.run")
    ) {
        self.spec = spec
        self.client = client
        self.configuration = configuration
        self.now = now
        self.toolVersion = toolVersion
        self.baseDirectory = baseDirectory
        self.logger = logger
    }

    /// Where the journal of `spec` lives.
    public static func journalPath(stateDirectory: String) -> String { StateDirectory(stateDirectory).journalPath }

    /// A spec path (`output.dir`, `output.state_dir`, `password_file`) as used: absolute paths as written,
    /// relative ones against the spec's folder.
    public static func resolve(_ path: String, against baseDirectory: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// Plans (with learned volumes) without running: what `run` would do.
    public func plan(journal: Journal?) throws -> PlanResult {
        try Self.plan(spec, now: now, journal: journal)
    }

    /// Plans `spec` at `now` with what the journal learned in earlier runs: rows per day (for `chunk: auto`) and
    /// how long each export's jobs really took against the cost model (for the estimate; the plan shows them).
    public static func plan(_ spec: PipelineSpec, now: Date, journal: Journal?) throws -> PlanResult {
        let hints = (try journal?.volumeHints()) ?? [:]
        let learned = (try journal?.learnedDurations()) ?? LearnedDurations()
        return Planner.plan(spec, now: now, volumeHints: hints, learned: learned)
    }

    /// Runs the pipeline.
    /// - Parameter only: run just these chunks of the journal (`exportpipe retry`) and merge just their exports;
    ///   nil runs the whole plan.
    /// - Throws: `ExecutorError` for a journal, credential or directory problem; `PlanningFailed` when the plan
    ///   has errors.
    public func execute(
        only: Set<String>? = nil,
        events: @escaping @Sendable (ProgressEvent) -> Void, planned: @Sendable (Plan) -> Void = { _ in }
    )
        async throws -> Outcome
    {
        let journal = try Journal(path: Self.journalPath(stateDirectory: configuration.stateDirectory))
        let result = try plan(journal: journal)
        removeLeftovers(of: result.plan)
        guard !result.hasErrors else { throw PlanningFailed(diagnostics: result.diagnostics) }
        let plan = result.plan
        planned(plan)

        let timeZones = Dictionary(
            plan.exports.map { ($0.name, TimeZone(identifier: $0.timezone) ?? TimeZone(identifier: "UTC")!) },
            uniquingKeysWith: { first, _ in first })
        let splitter = ChunkLineage.splitter(minimumDuration: spec.run.minChunk, timeZones: timeZones)
        var items = plan.chunks.map {
            WorkItem(
                id: $0.id, exportName: $0.exportName, request: $0.request, expectedRows: $0.expectedRows,
                expectedSeconds: $0.expectedSeconds, timeZone: timeZones[$0.exportName]?.identifier)
        }
        if let only { items = try journal.records().filter { only.contains($0.id) }.map(\.workItem) }
        let touched = Set(items.map(\.exportName))
        let executor = Executor(
            configuration: configuration, client: client, journal: journal, splitter: splitter,
            verifier: ChunkFileVerifier.verify(path:item:), logger: logger, events: events)
        let summary = try await executor.run(items)
        // A split keeps its chunk's fan-out values; the merge groups by the values as planned.
        let lineage = ChunkLineage(
            plan: plan,
            parents: Dictionary(
                try journal.records().compactMap { record in record.parentId.map { (record.id, $0) } },
                uniquingKeysWith: { first, _ in first }
            ).merging(summary.lineage, uniquingKeysWith: { _, core in core }))

        let outputDirectory = resolve(spec.output.dir)
        let manifestPath = outputDirectory + "/manifest.json"
        var outcome = Outcome(plan: plan, summary: summary, merged: [], incomplete: [], manifestPath: manifestPath)
        guard !summary.interrupted, !Task.isCancelled else { return outcome }
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let records = try journal.records()
        for export in plan.exports where only == nil || touched.contains(export.name) {
            let leaves = Self.leaves(of: export.chunks.map(\.id), in: records)
            guard leaves.allSatisfy({ $0.state == .verified }) else {
                outcome.incomplete.append(export.name)
                continue
            }
            let merged = try merge(export, leaves: leaves, lineage: lineage, into: outputDirectory)
            for warning in merged.warnings ?? [] {
                events(ProgressEvent(.warning, export: export.name, message: warning))
            }
            try ManifestWriter.update(
                at: manifestPath, with: merged, toolVersion: toolVersion, specHash: spec.sourceHash)
            outcome.merged.append(merged)
        }
        return outcome
    }

    /// A run killed mid-download or mid-merge leaves temporary files (never partial outputs): remove them.
    private func removeLeftovers(of plan: Plan) {
        let manager = FileManager.default
        StateDirectory(configuration.stateDirectory).removeTemporaries()
        let output = resolve(spec.output.dir)
        let finals = Set(plan.exports.map { "\($0.name).csv" } + ["manifest.json"])
        for name in (try? manager.contentsOfDirectory(atPath: output)) ?? []
        where name.hasPrefix(".") && name.hasSuffix(".tmp")
            && finals.contains(where: { name.hasPrefix(".\($0).") })
        {
            try? manager.removeItem(atPath: output + "/" + name)
        }
    }

    /// The chunks that stand for `ids` now: each id itself, or the halves it was split into, recursively.
    public static func leaves(of ids: [String], in records: [ChunkRecord]) -> [ChunkRecord] {
        let byId = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var children: [String: [ChunkRecord]] = [:]
        for record in records { if let parent = record.parentId { children[parent, default: []].append(record) } }
        var result: [ChunkRecord] = []
        var seen = Set<String>()
        func visit(_ id: String) {
            guard seen.insert(id).inserted, let record = byId[id] else { return }
            if record.state == .split {
                for child in children[id] ?? [] { visit(child.id) }
            } else {
                result.append(record)
            }
        }
        for id in ids { visit(id) }
        return result
    }

    /// Merges one export's verified chunks by `ExportMergePlan`'s policy: the fan-out groups as planned, the
    /// columns found by role (or as the spec's `merge:` names them), the zone each chunk was requested in.
    private func merge(_ export: PlannedExport, leaves: [ChunkRecord], lineage: ChunkLineage, into directory: String)
        throws -> Manifest.Export
    {
        let descriptor = ExportCatalog.descriptor(for: export.type)
        let requests = leaves.map(\.request)
        let roles = descriptor.columnRoles(conversationReportType: requests.first?.selection.conversationReportType)
        let override = spec.exports.first { $0.name == export.specExportName }?.merge
        let chunks = zip(leaves, requests).map { record, request in
            ExportMergePlan.Chunk(
                id: record.id,
                path: StateDirectory(configuration.stateDirectory).chunkPath(id: record.id, recorded: record.file),
                manifestFile: record.file ?? "",
                window: TimeWindow(startMs: record.windowStart, endMs: record.windowEnd),
                group: lineage.group(of: record.id), rows: Int(record.rows ?? 0),
                timeReading: .zone(request.timezone ?? export.timezone), dateOrder: DateOrder(locale: request.locale))
        }
        let output = directory + "/\(export.name).csv"
        let outcome = try ExportMergePlan(
            exportName: export.name, chunks: chunks,
            candidates: roles,
            override: ColumnRoleOverride(time: override?.timeColumn, id: override?.idColumn, key: override?.key),
            output: output, scratchDirectory: StateDirectory(configuration.stateDirectory).mergeScratchPath
        ).merge()
        var entry = Manifest.Export(
            name: export.name,
            file: ManifestWriter.relativePath(of: output, toManifestAt: directory + "/manifest.json"),
            result: outcome.result, sortKey: outcome.sortKey,
            window: TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis))
        entry.chunks = outcome.chunks
        entry.columnRoles = outcome.roles
        entry.warnings = outcome.warnings.isEmpty ? nil : outcome.warnings
        return entry
    }

    private func resolve(_ path: String) -> String { Self.resolve(path, against: baseDirectory) }
}

/// The plan has errors (printed as diagnostics); nothing was run.
public struct PlanningFailed: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
