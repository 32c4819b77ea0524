/// What a catalog column holds, as a warehouse types it (docs/warehouse.md): instants, whole numbers, decimals or
/// text.
///
/// The rule reads the column id, the one naming convention every export follows: `*_time`, `interval_start` and
/// `interval_end` are instants; `avg_*` are averages (decimals); `*_id`, `*_count`, `*_seconds`, `priority` and the
/// counters of the aggregate exports (`agents`, `responses`, `conversations_handled`) are whole numbers; the rest
/// is text.
public enum ColumnType: String, Sendable, Hashable, CaseIterable {
    case time
    case integer
    case decimal
    case text

    /// The type of catalog column `id` by the rule above.
    public init(catalogColumn id: String) {
        if id.hasSuffix("_time") || id == "interval_start" || id == "interval_end" {
            self = .time
        } else if id.hasPrefix("avg_") {
            self = .decimal
        } else if id.hasSuffix("_id") || id.hasSuffix("_count") || id.hasSuffix("_seconds")
            || Self.counters.contains(id)
        {
            self = .integer
        } else {
            self = .text
        }
    }

    private static let counters: Set<String> = ["priority", "agents", "responses", "conversations_handled"]
}

extension ExportDescriptor {
    /// The type of column `id`, or `nil` when the catalog does not list it for this export.
    public func columnType(of id: String) -> ColumnType? {
        columns.contains(id) ? ColumnType(catalogColumn: id) : nil
    }
}
