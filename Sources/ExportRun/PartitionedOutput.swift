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

    public func removeLeftovers(of plan: Plan) {
        for export in plan.exports {
            let layout = layout(export.name)
            TemporarySibling.removeStale(of: DatasetLayout.manifestName, in: layout.root)
            for folder in TemporarySibling.entries(of: layout.root) where PartitionKey(directoryName: folder) != nil {
                TemporarySibling.removeStale(of: layout.fileName, in: layout.root + "/" + folder)
            }
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
        }
        // Every partition the manifest lists now that this run did not write was kept as it was.
        let listed = ((try? DatasetManifestStore.read(from: layout(export.name).manifestPath)) ?? nil)?.partitions
        let writtenPartitions = Set(written.map(\.file))
        let kept = (listed ?? []).filter { !writtenPartitions.contains(Self.file($0, export: export.name).file) }.count
        return OutputRecord(
            exportName: export.name, files: written, warnings: warnings,
            partitions: PartitionCounts(written: writtenPartitions.count, kept: kept))
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
