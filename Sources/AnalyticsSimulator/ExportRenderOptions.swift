/// The format of an export file: `reportFormat`.
public enum ReportFormat: String, Sendable, Codable, Hashable {
    case csv
    case json
}

/// How an export's rows are rendered; none of these change which rows there are.
public struct ExportRenderOptions: Sendable, Hashable {
    public var format: ReportFormat
    /// `timezoneOffset` in milliseconds, used when the request names no `timezone`.
    public var timezoneOffsetMillis: Int64?
    /// Whether a row exactly at `endTime` is included (the simulator's `--inclusive-end-time`).
    public var inclusiveEndTime: Bool

    public init(format: ReportFormat = .csv, timezoneOffsetMillis: Int64? = nil, inclusiveEndTime: Bool = false) {
        self.format = format
        self.timezoneOffsetMillis = timezoneOffsetMillis
        self.inclusiveEndTime = inclusiveEndTime
    }
}
