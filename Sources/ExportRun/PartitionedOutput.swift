import AnalyticsAPI
import CSVMerge
import ExportBasics
import ExportDataset
import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

/// `output.layout: partitioned`: a dataset per export, `<output.dir>/<name>/day=YYYY-MM-DD/<name>.csv[.gz]` with
/// `_manifest.json` (docs/dataset.md). The window source (`DatasetWindowSource`) planned only the partitions to
/// export, as contiguous runs; each run's chunks are written here as its partitions (`PartitionWriter`).
public struct PartitionedOutput: RunOutput {
    public let directory: String
    let grain: PartitionGrain
    let compression: OutputCompression
    let scratchDirectory: String
    let toolVersion: String
    /// When this run exports (the run's now, `--now` included): the partitions' `exported_at`.
    let exportedAtMillis: Int64
    let settleMillis: Int64

    public init(
        directory: String, grain: PartitionGrain, compression: OutputCompression, stateDirectory: StateDirectory,
        toolVersion: String, now: Date, settleSeconds: Double
    ) {
        self.directory = directory
        self.grain = grain
        self.compression = compression
        self.scratchDirectory = stateDirectory.mergeScratchPath
        self.toolVersion = toolVersion
        self.exportedAtMillis = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        self.settleMillis = Int64(settleSeconds * 1000)
    }

    /// Each export has its own manifest, `<output.dir>/<name>/_manifest.json`.
    public var manifestPath: String? { nil }

    func layout(_ exportName: String) -> DatasetLayout {
        DatasetLayout(outputDirectory: directory, exportName: exportName, grain: grain, compression: compression)
    }

    /// Removes what killed writers left: temporary manifests and partition files. Both are written in the
    /// export's folder (a partition's temporary is renamed into its partition folder once checked), so this is one
    /// listing per export, whatever the length of its history (BENCHMARKS.md, § Dataset).
    public func removeLeftovers(of plan: Plan) {
        for export in plan.exports {
            let layout = layout(export.name)
            TemporarySibling.removeStale(of: [DatasetLayout.manifestName, layout.fileName], in: layout.root)
        }
    }

    public func write(_ completed: CompletedExport) async throws -> OutputRecord {
        try await write(completed, final: { _ in })
    }

    /// Writes one complete export, handing each partition to `final` the moment its file is renamed into place
    /// (before the manifest lists it): what `LoadingOutput` loads while the writer goes on.
    func write(_ completed: CompletedExport, final: (DatasetManifest.Partition) -> Void) async throws
        -> OutputRecord
    {
        let export = completed.export
        let zone = TimeZone(identifier: export.timezone) ?? TimeZone(identifier: "UTC")!
        let clock = ZonedClock(timeZone: zone)
        let splits = !Planner.isSnapshot(export.type, export.chunks.first?.request.selection ?? ExportSelection())
        var written: [WrittenFile] = []
        var warnings: [String] = []
        var manifest: DatasetManifest?
        for run in Self.runs(of: completed.chunks, splitsByTime: splits) {
            let partitions = PartitionKey.covering(run, grain: grain, clock: clock).map { key in
                let full = key.window(on: clock)
                return PartitionWindow(
                    key: key,
                    window: TimeWindow(startMs: max(full.startMs, run.startMs), endMs: min(full.endMs, run.endMs)))
            }
            let chunks = completed.chunks.filter { $0.window.startMs < run.endMs && $0.window.endMs > run.startMs }
            let outcome = try PartitionWriter(
                layout: layout(export.name), clock: clock, partitions: partitions, chunks: chunks,
                candidates: completed.candidates, override: completed.columnOverride, splitsByTime: splits,
                scratchDirectory: scratchDirectory, exportedAtMillis: exportedAtMillis, settleMillis: settleMillis,
                toolVersion: toolVersion, isCancelled: { Task.isCancelled }
            ).write(renamed: final)
            warnings += outcome.warnings
            written += outcome.written.map { Self.file($0, export: export.name) }
            manifest = outcome.manifest
        }
        // Counted from the manifest the writer left (no second read: a nightly run's cost must not grow with history).
        let window = TimeWindow(startMs: export.windowStartMillis, endMs: export.windowEndMillis)
        let counts =
            manifest.map {
                Self.counts($0, written: Set(written.map(\.file)).count, window: window, clock: clock)
            } ?? PartitionCounts(written: 0, kept: 0)
        return OutputRecord(exportName: export.name, files: written, warnings: warnings, partitions: counts)
    }

    /// What a dataset's manifest lists once a run wrote `written` of its partitions: kept (`total − written`),
    /// unchanged (kept inside `window`), unsettled, outside `window` (history) and in all. From the manifest alone:
    /// a file gone or edited since is for `exportpipe status` and the next run to find.
    public static func counts(
        _ manifest: DatasetManifest, written: Int, window: TimeWindow, clock: ZonedClock
    ) -> PartitionCounts {
        let grain = manifest.partitionGrain
        // The first and last partitions the window touches; partitions are compared as keys, not windows.
        let first = PartitionKey(grain, containing: window.startMs, clock: clock)
        let last = PartitionKey(grain, containing: max(window.startMs, window.endMs - 1), clock: clock)
        var outside = 0
        var unsettled = 0
        for entry in manifest.partitions {
            if !entry.settled { unsettled += 1 }
            if let key = PartitionKey(parsing: entry.partition, grain: grain), key < first || last < key {
                outside += 1
            }
        }
        let total = manifest.partitions.count
        return PartitionCounts(
            written: written, kept: max(0, total - written), unchanged: max(0, total - outside - written),
            unsettled: unsettled, outsideWindow: outside, total: total)
    }

    public func current(_ exports: [String]) -> [String: OutputRecord] {
        var result: [String: OutputRecord] = [:]
        for name in exports {
            guard let manifest = (try? DatasetManifestStore.read(from: layout(name).manifestPath)) ?? nil else {
                continue
            }
            result[name] = OutputRecord(
                exportName: name, files: manifest.partitions.map { Self.file($0, export: name) },
                partitions: PartitionCounts(written: 0, kept: manifest.partitions.count))
        }
        return result
    }

    /// The contiguous stretches the chunks cover (the runs the window source planned); an export not split by
    /// time has a run per chunk window (one partition each).
    static func runs(of chunks: [ExportMergePlan.Chunk], splitsByTime: Bool) -> [TimeWindow] {
        let windows = Set(chunks.map(\.window)).sorted { ($0.startMs, $0.endMs) < ($1.startMs, $1.endMs) }
        guard splitsByTime else { return windows }
        var runs: [TimeWindow] = []
        for window in windows {
            if let last = runs.last, window.startMs <= last.endMs {
                runs[runs.count - 1].endMs = max(last.endMs, window.endMs)
            } else {
                runs.append(window)
            }
        }
        return runs
    }

    static func file(_ entry: DatasetManifest.Partition, export: String) -> WrittenFile {
        WrittenFile(file: export + "/" + entry.file, rows: entry.rows, bytes: entry.bytes, sha256: entry.sha256)
    }
}
