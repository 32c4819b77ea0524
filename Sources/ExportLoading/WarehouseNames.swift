import AnalyticsAPI
import CSVMerge
import ExportCoordination

/// The names the loader gives tables and columns (docs/warehouse.md § Names).
public enum WarehouseNames {
    /// The bookkeeping table: one row per loaded partition.
    public static let partitions = "_exportpipe_partitions"
    /// The loader's schema version.
    public static let version = "_exportpipe_version"
    /// The column holding each row's partition (its first day).
    public static let partitionColumn = "_partition"

    /// The table of export `name`: lowercased, every character but letters, digits and `_` (a `-`, a `.`) made
    /// `_`, prefixed `t_` when it would start with a digit, at most 63 bytes.
    public static func table(_ name: String) -> String {
        var result = snakeCase(name, splitCamelCase: false)
        if result.isEmpty { result = "export" }
        if let first = result.utf8.first, first >= 0x30 && first <= 0x39 { result = "t_" + result }
        return String(result.utf8.prefix(63))!
    }

    /// The column a header names: the catalog's column id when the header is one of that column's names (the id,
    /// upper case, the display label or a known alias, compared ignoring case, spaces and punctuation), otherwise
    /// the header in snake_case (`First Response (s)` → `first_response_s`, `agentEmail` → `agent_email`),
    /// prefixed `c_` when it would start with a digit, `column_N` when nothing is left, at most 63 bytes.
    public static func column(header: String, position: Int, catalog: ExportDescriptor) -> String {
        let normalized = ColumnName.normalized(header)
        if let id = catalogIndex(catalog)[normalized] { return id }
        var result = snakeCase(header, splitCamelCase: true)
        if result.isEmpty { return "column_\(position + 1)" }
        if let first = result.utf8.first, first >= 0x30 && first <= 0x39 { result = "c_" + result }
        return String(result.utf8.prefix(63))!
    }

    /// Normalised name → catalog id; a column's own id wins over another column's alias.
    private static func catalogIndex(_ catalog: ExportDescriptor) -> [String: String] {
        var index: [String: String] = [:]
        for id in catalog.columns { index[ColumnName.normalized(id)] = id }
        for id in catalog.columns {
            for candidate in ColumnRoleNames.candidates(for: id) {
                let key = ColumnName.normalized(candidate)
                if index[key] == nil { index[key] = id }
            }
        }
        return index
    }

    /// Lowercase ASCII letters and digits, runs of anything else made one `_`, no `_` at either end; with
    /// `splitCamelCase`, a lowercase letter or digit followed by an uppercase one is split too.
    static func snakeCase(_ text: String, splitCamelCase: Bool) -> String {
        var result = ""
        var pendingSeparator = false
        var previousWasLowerOrDigit = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            let isUpper = value >= 0x41 && value <= 0x5A
            let isLower = value >= 0x61 && value <= 0x7A
            let isDigit = value >= 0x30 && value <= 0x39
            guard isUpper || isLower || isDigit else {
                pendingSeparator = true
                previousWasLowerOrDigit = false
                continue
            }
            if splitCamelCase && isUpper && previousWasLowerOrDigit { pendingSeparator = true }
            if pendingSeparator && !result.isEmpty { result.append("_") }
            pendingSeparator = false
            result.unicodeScalars.append(isUpper ? Unicode.Scalar(value + 0x20)! : scalar)
            previousWasLowerOrDigit = isLower || isDigit
        }
        return result
    }

    /// `name` as a quoted SQL identifier (the loader's names are plain already; quoting keeps reserved words such
    /// as `state` safe).
    static func quoted(_ name: String) -> String { PostgresSchemaMigration.quoted(name) }
}
