import AnalyticsAPI
import AnalyticsClient
import CSVMerge
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
    public static func journalPath(stateDirectory: String) -> String { stateDirectory + "/journal.sqlite" }

    /// A spec path (`output.dir`, `output.state_dir`, `password_file`) as used: absolute paths as written,
    /// relative ones against the spec's folder.
    public static func resolve(_ path: String, against baseDirectory: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// Plans (with learned volumes) without running: what `run` would do.
    public func plan(journal: Journal?) throws -> PlanResult {
        let hints = (try journal?.volumeHints()) ?? [:]
        return Planner.plan(spec, now: now, volumeHints: hints)
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
        let minimum = spec.run.minChunk
        let splitter: ChunkSplitter = { item in
            let chunk = Chunk(
                exportName: item.exportName, request: item.request, reasons: [], expectedRows: item.expectedRows,
                fanOut: [])
            let zone = timeZones[item.exportName] ?? TimeZone(identifier: "UTC")!
            return Planner.split(chunk, minimumDuration: minimum, timeZone: zone)?.map { child in
                WorkItem(
                    id: child.id, exportName: child.exportName, request: child.request,
                    expectedRows: child.expectedRows, expectedSeconds: child.expectedSeconds, parentId: item.id)
            }
        }
        var items = plan.chunks.map {
            WorkItem(
                id: $0.id, exportName: $0.exportName, request: $0.request, expectedRows: $0.expectedRows,
                expectedSeconds: $0.expectedSeconds)
        }
        if let only { items = try journal.records().filter { only.contains($0.id) }.map { try $0.workItem() } }
        let touched = Set(items.map(\.exportName))
        let executor = Executor(
            configuration: configuration, client: client, journal: journal, splitter: splitter,
            verifier: ChunkFileVerifier.verify(path:), logger: logger, events: events)
        let summary = try await executor.run(items)

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
            let merged = try merge(export, leaves: leaves, into: outputDirectory)
            try ManifestWriter.update(
                at: manifestPath, with: merged, toolVersion: toolVersion, specHash: spec.sourceHash)
            outcome.merged.append(merged)
        }
        return outcome
    }

    /// A run killed mid-download or mid-merge leaves temporary files (never partial outputs): remove them.
    private func removeLeftovers(of plan: Plan) {
        let manager = FileManager.default
        let chunks = configuration.stateDirectory + "/chunks"
        for name in (try? manager.contentsOfDirectory(atPath: chunks)) ?? [] where name.hasSuffix(".part") {
            try? manager.removeItem(atPath: chunks + "/" + name)
        }
        try? manager.removeItem(atPath: configuration.stateDirectory + "/merge")
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

    /// Merges one export's verified chunks: chunks of one filter combination are disjoint in time and are
    /// concatenated in window order; several combinations (fan-out) are then merged by the export's sort key.
    private func merge(_ export: PlannedExport, leaves: [ChunkRecord], into directory: String) throws
        -> Manifest.Export
    {
        let descriptor = ExportCatalog.descriptor(for: export.type)
        let requests = try leaves.map { try $0.decodedRequest() }
        let selection = requests.first?.selection
        let key = descriptor.sortKey(conversationReportType: selection?.conversationReportType)
        let sortKey = key.columns
        let columns = selection.map { $0.columns.isEmpty ? descriptor.columns : $0.columns } ?? descriptor.columns
        // Group by the column the rows are ordered by (closed_time for a CLOSED conversation export), so that
        // rows repeated at a chunk boundary meet within one group.
        let timeColumn = key.timeColumn.flatMap { columns.contains($0) ? $0 : nil }
        // A row is a duplicate only when every column matches (an inclusive end time repeats boundary rows);
        // comparing within one timestamp keeps memory constant.
        let dedupe = MergeOptions.Deduplication(keyColumns: columns, groupColumn: timeColumn)

        var groups: [String: [(ChunkRecord, ExportRequest)]] = [:]
        for (record, request) in zip(leaves, requests) {
            groups[Self.filterTag(request), default: []].append((record, request))
        }
        let output = directory + "/\(export.name).csv"
        let scratch = configuration.stateDirectory + "/merge"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var inputs: [MergeInput] = []
        var manifestChunks: [Manifest.Chunk] = []
        for tag in groups.keys.sorted() {
            let members = groups[tag]!.sorted { ($0.0.windowStart, $0.0.id) < ($1.0.windowStart, $1.0.id) }
            let chunkInputs = members.map { record, _ in
                MergeInput(
                    path: configuration.stateDirectory + "/" + (record.file ?? "chunks/\(record.id).csv"),
                    id: record.id, window: TimeWindow(startMs: record.windowStart, endMs: record.windowEnd),
                    tag: tag.isEmpty ? nil : tag)
            }
            manifestChunks += members.map { record, _ in
                Manifest.Chunk(
                    id: record.id, file: record.file ?? "", rows: Int(record.rows ?? 0),
                    window: TimeWindow(startMs: record.windowStart, endMs: record.windowEnd),
                    tag: tag.isEmpty ? nil : tag)
            }
            if groups.count == 1 {
                inputs = chunkInputs
            } else if chunkInputs.count == 1 {
                inputs.append(chunkInputs[0])
            } else {
                // One stream per filter combination, so a k-way merge opens one file per combination.
                let joined = scratch + "/\(inputs.count).csv"
                _ = try CSVMerger(options: MergeOptions(mode: .concatenate, deduplication: dedupe))
                    .merge(chunkInputs, into: joined)
                inputs.append(MergeInput(path: joined, id: "group-\(inputs.count)", tag: tag))
            }
        }
        let mode: MergeOptions.Mode = groups.count > 1 ? .sorted(by: sortKey) : .concatenate
        let result = try CSVMerger(options: MergeOptions(mode: mode, deduplication: dedupe)).merge(inputs, into: output)
        var entry = Manifest.Export(
            name: export.name,
            file: ManifestWriter.relativePath(of: output, toManifestAt: directory + "/manifest.json"),
            result: result, sortKey: sortKey,
            window: TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis))
        entry.chunks = manifestChunks
        return entry
    }

    /// The request's parameters other than its window: chunks with the same tag differ only in time.
    static func filterTag(_ request: ExportRequest) -> String {
        PercentEncoding.encodeQuery(request.queryItems.filter { $0.name != "startTime" && $0.name != "endTime" })
    }

    private func resolve(_ path: String) -> String { Self.resolve(path, against: baseDirectory) }
}

/// The plan has errors (printed as diagnostics); nothing was run.
public struct PlanningFailed: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
