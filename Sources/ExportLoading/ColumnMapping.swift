import AnalyticsAPI

/// A column of an export's table: its name and how its values are written.
public struct TableColumn: Sendable, Hashable {
    public var name: String
    public var type: ColumnType

    public init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }

    /// The PostgreSQL type a new column of this type gets.
    public var sqlType: String {
        switch type {
        case .time: "timestamptz"
        case .integer: "bigint"
        case .decimal: "numeric"
        case .text: "text"
        }
    }

    /// How values are written into a column of PostgreSQL type `formatted` (`format_type`'s text): the column's
    /// type in the table wins over the catalog, so a column once created as text stays text.
    static func type(ofSQL formatted: String) -> ColumnType {
        switch formatted {
        case "timestamp with time zone": .time
        case "bigint", "integer", "smallint": .integer
        case _ where formatted.hasPrefix("numeric"), "double precision", "real": .decimal
        default: .text
        }
    }
}

/// How a partition file's header becomes the table's columns (pure: decided before any row is read).
///
/// Each header field names one column (`WarehouseNames.column`); a column the table lacks is added (schema drift:
/// older rows read NULL); a table column the file lacks is left out of the COPY (its rows read NULL). With a pinned
/// `columns:` set, a column outside it is an error instead.
struct ColumnMapping: Sendable, Hashable {
    /// One per header field, in file order: the column its values go to.
    var columns: [TableColumn]
    /// The columns the table does not have yet, in file order (all of them when the table is new).
    var added: [TableColumn]

    /// - Parameters:
    ///   - existing: the table's columns and their types, `nil` when the table does not exist yet.
    /// - Throws: `WarehouseError` (`.columns`) for two header fields naming one column, or a column outside
    ///   `pinned`.
    init(
        header: [String], catalog: ExportDescriptor, existing: [String: ColumnType]?, pinned: [String]?,
        partition: String
    ) throws {
        var columns: [TableColumn] = []
        var added: [TableColumn] = []
        var seen: [String: String] = [:]
        for (position, field) in header.enumerated() {
            let name = WarehouseNames.column(header: field, position: position, catalog: catalog)
            if let first = seen[name] {
                throw WarehouseError(
                    .columns,
                    "partition \(partition): the header's \"\(first)\" and \"\(field)\" both name column \(name); "
                        + "rename one in the source, or load the export into a table of its own")
            }
            seen[name] = field
            if let pinned, !pinned.contains(name) {
                throw WarehouseError(
                    .columns,
                    "partition \(partition) has a column \(name) (header \"\(field)\") that the export's columns: "
                        + "does not list (\(pinned.joined(separator: ", "))): add it to columns: to load it, or "
                        + "remove columns: to let the table grow with the export")
            }
            if let type = existing?[name] {
                columns.append(TableColumn(name, type))
            } else {
                let column = TableColumn(name, catalog.columnType(of: name) ?? .text)
                columns.append(column)
                added.append(column)
            }
        }
        self.columns = columns
        self.added = added
    }
}
