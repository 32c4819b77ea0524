import AnalyticsAPI
import CSVMerge
import ExportPlanner

/// One export whose chunks are all verified, handed to the output: its chunk files in the order and groups a
/// single export's rows would come in (fan-out groups as planned, windows in time order).
public struct CompletedExport: Sendable {
    public var export: PlannedExport
    public var chunks: [ExportMergePlan.Chunk]
    /// The spec's `merge:` names for the columns the merge finds by role.
    public var columnOverride: ColumnRoleOverride
    /// The column roles the catalog knows for this export's type (and conversation report type).
    public var candidates: ColumnRoleNames

    public init(
        export: PlannedExport, chunks: [ExportMergePlan.Chunk], columnOverride: ColumnRoleOverride,
        candidates: ColumnRoleNames
    ) {
        self.export = export
        self.chunks = chunks
        self.columnOverride = columnOverride
        self.candidates = candidates
    }
}

/// A file an output wrote: where, how much, and its SHA-256 (of the uncompressed bytes).
public struct WrittenFile: Sendable, Hashable, Codable {
    /// Relative to the output folder.
    public var file: String
    public var rows: Int
    public var bytes: Int64
    public var sha256: String

    public init(file: String, rows: Int, bytes: Int64, sha256: String) {
        self.file = file
        self.rows = rows
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// What an output holds for one export: the files it wrote this run, or holds from an earlier run.
public struct OutputRecord: Sendable, Hashable {
    public var exportName: String
    public var files: [WrittenFile]
    /// What the output could not do as one whole export would have it, and what it did instead.
    public var warnings: [String]
    /// A partitioned dataset's partitions: written by this run, and kept as they were (inside the window or not);
    /// nil for an output that is not partitioned.
    public var partitions: PartitionCounts?

    public init(
        exportName: String, files: [WrittenFile], warnings: [String] = [], partitions: PartitionCounts? = nil
    ) {
        self.exportName = exportName
        self.files = files
        self.warnings = warnings
        self.partitions = partitions
    }

    public var rows: Int { files.reduce(0) { $0 + $1.rows } }
    public var bytes: Int64 { files.reduce(0) { $0 + $1.bytes } }
}

/// How many partitions of a dataset a run wrote, and how many it kept as they were, and what its manifest lists
/// after it at the run's window (`PartitionedOutput.counts`; nil when it could not be read).
public struct PartitionCounts: Sendable, Hashable, Codable {
    /// Written by this run.
    public var written: Int
    /// Listed in the manifest and not written by this run (inside the window or not).
    public var kept: Int
    /// Listed inside the window and kept as they were by this run.
    public var unchanged: Int?
    /// Listed as exported within `run.settle` of their end: the next run exports them again.
    public var unsettled: Int?
    /// Listed outside the window: history, kept as it is.
    public var outsideWindow: Int?
    /// Listed in the manifest in all (from the manifest alone: `exportpipe status` looks at the files too).
    public var total: Int?

    public init(
        written: Int, kept: Int, unchanged: Int? = nil, unsettled: Int? = nil, outsideWindow: Int? = nil,
        total: Int? = nil
    ) {
        self.written = written
        self.kept = kept
        self.unchanged = unchanged
        self.unsettled = unsettled
        self.outsideWindow = outsideWindow
        self.total = total
    }
}

/// What a run writes: the output seam (ARCHITECTURE.md). The composition picks one from the spec and hands it
/// every export whose chunks are all verified; nothing downstream asks which output it is. The merged CSV per
/// export (`MergedOutput`) is the first; a partitioned dataset and a database loader plug in beside it.
public protocol RunOutput: Sendable {
    /// Where the output lives (the folder the summary and the report are written beside).
    var directory: String { get }
    /// The manifest a reader checks the output against, when the output has one file for it.
    var manifestPath: String? { get }
    /// Removes, by name, what a killed run of this output left behind (temporaries only), before a run.
    func removeLeftovers(of plan: Plan)
    /// Writes one complete export; nothing partial is ever visible, whatever is killed when.
    /// - Throws: when the export cannot be written (its previous output, if any, stays as it was).
    func write(_ export: CompletedExport) async throws -> OutputRecord
    /// What the output holds now for each of `exports` (written by this run or an earlier one); exports it holds
    /// nothing for are left out.
    func current(_ exports: [String]) -> [String: OutputRecord]
}
