/// The format of an export file: `reportFormat`.
public enum ReportFormat: String, Sendable, Codable, Hashable {
    case csv
    case json
}

/// How CSV headers name the columns. The docs confirm none of these; each is plausible.
public enum CSVHeaderStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// Our column ids: `created_time`, `conversation_id`.
    case ids
    /// The UI's display labels: `Created Time`, `Conversation ID`, `Work Queue ID`.
    case labels
    /// Upper-case ids, as in the documented JSON examples: `CREATED_TIME`.
    case upper
}

/// How times are written. "Times follow the company setting or the locale" is all the docs say.
public enum TimeFormatStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// ISO 8601 with milliseconds and the offset: `2025-03-09T03:15:00.000-04:00`.
    case iso
    /// Wall-clock time in the requested zone, no offset: `2025-03-09 03:15:00` (`.fff` only when not zero).
    case local
    /// Epoch milliseconds: `1741504500000`.
    case epoch
    /// Wall-clock time as US settings write it: `03/09/2025 03:15:00 AM` (`.fff` only when not zero).
    case us
}

/// What a window without rows returns.
public enum EmptyWindowStyle: String, Sendable, Hashable, Codable, CaseIterable {
    /// The header row alone.
    case header
    /// A 0-byte body.
    case empty
}

/// The byte between a CSV file's fields. The docs do not name it; spreadsheet-style exports in locales with a
/// decimal comma write semicolons, and some tools tabs.
public enum CSVDelimiterStyle: String, Sendable, Hashable, Codable, CaseIterable {
    case comma
    case semicolon
    case tab

    public var byte: UInt8 {
        switch self {
        case .comma: UInt8(ascii: ",")
        case .semicolon: UInt8(ascii: ";")
        case .tab: 0x09
        }
    }
}

/// How the signed file link sends an export's bytes. The docs do not say whether the file is compressed, nor how a
/// compressed one would be announced.
public enum FileCompression: String, Sendable, Hashable, Codable, CaseIterable {
    /// The CSV as it is.
    case none
    /// gzip-compressed, announced by `Content-Encoding: gzip` (a web server compressing on the fly).
    case gzip
    /// A stored `.csv.gz` object: gzip bytes with `Content-Type: application/gzip`, no `Content-Encoding` (how an
    /// object store serves a file uploaded compressed). Only the magic bytes tell.
    case gzipFile = "gzip-file"
}

/// How an export's rows are rendered; none of these change which rows there are.
public struct ExportRenderOptions: Sendable, Hashable {
    public var format: ReportFormat
    /// `timezoneOffset` in milliseconds, used when the request names no `timezone`.
    public var timezoneOffsetMillis: Int64?
    /// Whether a row exactly at `endTime` is included (the simulator's `--inclusive-end-time`).
    public var inclusiveEndTime: Bool
    public var headers: CSVHeaderStyle
    public var timeFormat: TimeFormatStyle
    public var emptyWindows: EmptyWindowStyle
    public var delimiter: CSVDelimiterStyle
    /// Columns added or dropped from a day on (`SchemaDrift`); none by default.
    public var drift = SchemaDrift()

    public init(
        format: ReportFormat = .csv, timezoneOffsetMillis: Int64? = nil, inclusiveEndTime: Bool = false,
        headers: CSVHeaderStyle = .ids, timeFormat: TimeFormatStyle = .iso, emptyWindows: EmptyWindowStyle = .header,
        delimiter: CSVDelimiterStyle = .comma
    ) {
        self.delimiter = delimiter
        self.format = format
        self.timezoneOffsetMillis = timezoneOffsetMillis
        self.inclusiveEndTime = inclusiveEndTime
        self.headers = headers
        self.timeFormat = timeFormat
        self.emptyWindows = emptyWindows
    }
}
