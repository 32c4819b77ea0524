import AnalyticsAPI
import CSVMerge
import ExportBasics

/// One partition file of a dataset, as much as the loader needs of it: everything comes from the dataset's
/// manifest and the spec, nothing from the API.
public struct LoadablePartition: Sendable, Hashable {
    /// The export's name in the spec; its table is `<schema>.<name>` (`WarehouseNames.table`).
    public var exportName: String
    public var exportType: ExportType
    /// The partition as the dataset names it (`day=2026-03-01`), recorded beside its first day.
    public var key: String
    /// The partition's first day, days since 1970-01-01: the value of the table's `_partition` column.
    public var firstDay: Int64
    /// The partition file (`.csv`, or `.csv.gz` when `compressed`).
    public var path: String
    public var compressed: Bool
    /// SHA-256 of the file's uncompressed bytes, lowercase hex (the manifest's): a partition already loaded with
    /// this digest is skipped.
    public var sha256: String
    /// The zone the export was requested in: how times written without an offset are read.
    public var timeReading: TimeReading
    /// Which of a slash date's numbers is the month, from the export's locale.
    public var dateOrder: DateOrder
    /// The export's `columns:` when the spec pins them: a column outside this set fails the load.
    public var pinnedColumns: [String]?

    public init(
        exportName: String, exportType: ExportType, key: String, firstDay: Int64, path: String, compressed: Bool,
        sha256: String, timeReading: TimeReading, dateOrder: DateOrder = .monthFirst, pinnedColumns: [String]? = nil
    ) {
        self.exportName = exportName
        self.exportType = exportType
        self.key = key
        self.firstDay = firstDay
        self.path = path
        self.compressed = compressed
        self.sha256 = sha256
        self.timeReading = timeReading
        self.dateOrder = dateOrder
        self.pinnedColumns = pinnedColumns
    }

    /// The first day as `YYYY-MM-DD`.
    public var firstDayText: String {
        let date = CivilDate.fromDays(firstDay)
        return "\(date.year)-\(InstantFormat.pad(date.month, 2))-\(InstantFormat.pad(date.day, 2))"
    }

    /// `export name/partition key`, as errors and progress name it.
    public var label: String { "\(exportName)/\(key)" }
}

/// What loading one partition did.
public enum PartitionLoadOutcome: Sendable, Hashable {
    /// The partition's rows were replaced by the file's `rows`; `addedColumns` were added to the table first.
    case loaded(rows: Int, addedColumns: [String])
    /// A partition with the same SHA-256 was already loaded: nothing was written.
    case skipped
}
