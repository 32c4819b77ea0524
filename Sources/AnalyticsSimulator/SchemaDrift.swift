import AnalyticsAPI
import ExportBasics

/// How an export's columns change over time, as a real API's do when the vendor adds or retires a field: for
/// exercising a loader's schema drift (docs/simulator.md § Schema drift).
///
/// The change happens at the start of a UTC day. An export whose window reaches that day (ends after it starts)
/// returns the new set of columns: an added column after the catalog's, filled for rows at or after the change
/// (rows before it, and rows without a time, are empty only when before it); a dropped column left out entirely.
/// Exports of windows that end by the change are as before.
public struct SchemaDrift: Sendable, Hashable {
    /// A column the export gains.
    public struct Change: Sendable, Hashable {
        public var column: String
        /// The first day (UTC) with the change, days since 1970-01-01.
        public var fromDay: Int64

        public init(column: String, fromDay: Int64) {
            self.column = column
            self.fromDay = fromDay
        }

        /// Reads `NAME@YYYY-MM-DD`.
        public init?(parsing text: String) {
            let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let day = Self.day(parts[1]) else { return nil }
            self.init(column: parts[0], fromDay: day)
        }

        static func day(_ text: String) -> Int64? {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
            return CivilDate.days(year: parts[0], month: parts[1], day: parts[2])
        }

        var fromMillis: Int64 { fromDay * CivilDate.millisPerDay }
    }

    /// The column added from a day on (its values are whole numbers derived from the row's id).
    public var added: Change?
    /// The column dropped from a day on.
    public var dropped: Change?

    public init(added: Change? = nil, dropped: Change? = nil) {
        self.added = added
        self.dropped = dropped
    }

    /// `columns` (names and cell indices) as an export of `request` returns them under this drift; an added column's
    /// index is one past the row's cells.
    func apply(to columns: (names: [String], indices: [Int]), request: ExportRequest) -> (
        names: [String], indices: [Int], addsColumn: Bool
    ) {
        var names = columns.names
        var indices = columns.indices
        if let dropped, request.endTime > dropped.fromMillis, let position = names.firstIndex(of: dropped.column) {
            names.remove(at: position)
            indices.remove(at: position)
        }
        guard let added, request.endTime > added.fromMillis else { return (names, indices, false) }
        let cellCount = ExportCatalog.descriptor(for: request.type).columns.count
        return (names + [added.column], indices + [cellCount], true)
    }

    /// The added column's cell of a row: empty before the change.
    func addedCell(sortTime: Int64, id: Int64) -> ExportDataGenerator.Cell {
        guard let added, sortTime == 0 || sortTime >= added.fromMillis else { return .empty }
        return .int(id % 1_000)
    }
}
