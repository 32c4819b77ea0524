import AnalyticsAPI
import CSVMerge
import ExportBasics
import ExportPlanner
import ExportSpec
import Foundation

/// Writes one contiguous run of an export's partitions from the verified chunk files that cover it.
///
/// The chunks are first made into one export of the run's window by `ExportMergePlan` (concatenated within a
/// fan-out group, k-way merged across groups, boundary rows de-duplicated), then its rows are split by the time
/// column (read as the merge reads it, in the zone the chunks were requested in) into one file per partition, each
/// starting with the header: so each partition file, decompressed, is byte-identical to one export of the
/// partition's window. An export that is not split by time (an aggregate, a snapshot) is one job per partition:
/// its file is the partition file.
///
/// Each partition is written to a temporary name, sealed, read back and checked, renamed over the old file; the
/// manifest is rewritten after the renames (at most every `manifestInterval`, and at the end). A kill at any
/// instant leaves each partition its old or its new complete file; one renamed but not yet in the manifest no
/// longer matches it and is exported again by the next run.
public struct PartitionWriter: Sendable {
    public var layout: DatasetLayout
    /// The spec's time zone (partitions' days and months, the manifest's readable times).
    public var clock: ZonedClock
    /// The partitions to write, in order, with adjacent windows.
    public var partitions: [PartitionWindow]
    /// The verified chunk files whose windows cover the partitions (per fan-out group).
    public var chunks: [ExportMergePlan.Chunk]
    public var candidates: ColumnRoleNames
    public var override: ColumnRoleOverride
    /// False for an export whose rows total over its window (aggregates, snapshots): there must be one partition,
    /// and the chunks' merge is its file.
    public var splitsByTime: Bool
    /// A folder of the state directory for the run's merged file (created, and emptied of what this writer put in
    /// it).
    public var scratchDirectory: String
    /// When the chunks' rows were exported from the API, and `run.settle`: the manifest's `exported_at` and
    /// `settled`.
    public var exportedAtMillis: Int64
    public var settleMillis: Int64
    public var toolVersion: String
    /// How often, at most, the manifest is rewritten while partitions are renamed (always once at the end).
    public var manifestInterval: Duration
    public var isCancelled: @Sendable () -> Bool

    public init(
        layout: DatasetLayout, clock: ZonedClock, partitions: [PartitionWindow], chunks: [ExportMergePlan.Chunk],
        candidates: ColumnRoleNames, override: ColumnRoleOverride = ColumnRoleOverride(), splitsByTime: Bool,
        scratchDirectory: String, exportedAtMillis: Int64, settleMillis: Int64, toolVersion: String,
        manifestInterval: Duration = .seconds(1), isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.layout = layout
        self.clock = clock
        self.partitions = partitions
        self.chunks = chunks
        self.candidates = candidates
        self.override = override
        self.splitsByTime = splitsByTime
        self.scratchDirectory = scratchDirectory
        self.exportedAtMillis = exportedAtMillis
        self.settleMillis = settleMillis
        self.toolVersion = toolVersion
        self.manifestInterval = manifestInterval
        self.isCancelled = isCancelled
    }

    /// What writing a run did.
    public struct Outcome: Sendable {
        /// The manifest entries of the partitions written, in order.
        public var written: [DatasetManifest.Partition]
        /// Rows of the chunks outside the partitions' windows (an inclusive end time's boundary rows, which belong
        /// to the partition after the run), left out.
        public var rowsOutside: Int
        /// The merge's warnings (`ExportMergePlan`).
        public var warnings: [String]
        /// The manifest as last written.
        public var manifest: DatasetManifest
    }

    /// Writes the partitions and updates the manifest.
    /// - Parameter renamed: called after each partition's file is renamed into place, before the manifest lists
    ///   it (progress; a throw stops the writer there, as a kill would).
    /// - Throws: `DatasetError` (no time column, rows out of order, a check that failed, chunks that do not cover
    ///   the partitions), `CSVMergeError` for malformed chunks and I/O problems.
    public func write(renamed: (DatasetManifest.Partition) throws -> Void = { _ in }) throws -> Outcome {
        guard let first = partitions.first, let last = partitions.last else {
            throw DatasetError(.coverage, file: layout.root, "no partition to write")
        }
        guard splitsByTime || partitions.count == 1 else {
            throw DatasetError(
                .coverage, file: layout.root,
                "\(layout.exportName) is not split by time, so a job holds one partition, not "
                    + "\(partitions.count) (\(first.key)…\(last.key))")
        }
        try checkCoverage(TimeWindow(startMs: first.window.startMs, endMs: last.window.endMs))
        var manifest =
            try DatasetManifestStore.read(from: layout.manifestPath)
            ?? DatasetManifest(
                export: layout.exportName, partitionGrain: layout.grain, timeZone: clock.timeZone.identifier,
                compression: layout.compression, toolVersion: toolVersion)
        manifest.toolVersion = toolVersion
        manifest.compression = layout.compression
        try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
        let source = try mergedSource()
        defer { if source.temporary { try? FileManager.default.removeItem(atPath: source.path) } }

        var written: [DatasetManifest.Partition] = []
        var lastManifestWrite = ContinuousClock.now
        var pendingManifest = false
        let rowsOutside = try split(source) { sink, partition in
            guard !isCancelled() else {
                throw DatasetError(
                    .cancelled, file: layout.root, "the run was interrupted; the partitions written are kept")
            }
            try sink.check()
            try sink.commit()
            let record = try self.entry(for: partition, sink: sink)
            try renamed(record)
            manifest.upsert(record)
            written.append(record)
            pendingManifest = true
            if ContinuousClock.now - lastManifestWrite >= manifestInterval {
                try DatasetManifestStore.write(manifest, to: layout.manifestPath)
                lastManifestWrite = ContinuousClock.now
                pendingManifest = false
            }
        }
        if pendingManifest { try DatasetManifestStore.write(manifest, to: layout.manifestPath) }
        return Outcome(written: written, rowsOutside: rowsOutside, warnings: source.warnings, manifest: manifest)
    }

    /// The manifest entry of a partition just renamed into place.
    private func entry(for partition: PartitionWindow, sink: PartitionFileSink) throws -> DatasetManifest.Partition {
        let (plain, stored) = try sink.seal()
        guard let (bytes, modified) = PartitionObservation.fileStatus(sink.destination) else {
            throw DatasetError(
                .cannotWrite, file: sink.destination, "is not there right after it was renamed into place")
        }
        return DatasetManifest.Partition(
            partition: partition.key.text, file: layout.relativePath(of: partition.key), window: partition.window,
            rows: sink.rows, bytes: bytes, uncompressedBytes: sink.uncompressedBytes, sha256: plain,
            fileSha256: layout.compression == .none ? nil : stored, modifiedNs: modified,
            exportedAtMs: exportedAtMillis, exportedAt: InstantFormat.iso8601(exportedAtMillis, in: clock),
            settled: exportedAtMillis >= partition.window.endMs + settleMillis)
    }

    /// Each fan-out group's chunk windows must be adjacent and cover `window`.
    private func checkCoverage(_ window: TimeWindow) throws {
        let groups = Dictionary(grouping: chunks, by: \.group)
        guard !groups.isEmpty else {
            throw DatasetError(.coverage, file: layout.root, "no chunk file covers \(describe(window))")
        }
        for (group, members) in groups {
            let sorted = members.sorted { $0.window.startMs < $1.window.startMs }
            var reached = Int64.min
            if let first = sorted.first, first.window.startMs <= window.startMs {
                reached = first.window.endMs
                for chunk in sorted.dropFirst() where chunk.window.startMs <= reached {
                    reached = max(reached, chunk.window.endMs)
                }
            }
            guard reached >= window.endMs else {
                throw DatasetError(
                    .coverage, file: layout.root,
                    "the chunks\(group.isEmpty ? "" : " of \(group)") do not cover \(describe(window)) without a gap")
            }
        }
    }

    func describe(_ window: TimeWindow) -> String {
        InstantFormat.readable(window.startMs, in: clock) + " to " + InstantFormat.readable(window.endMs, in: clock)
    }
}
