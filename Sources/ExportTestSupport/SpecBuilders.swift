import AnalyticsAPI
import ExportBasics
import ExportPlanner
import ExportSpec
import Foundation

/// Builders of `PipelineSpec` values for tests that need a spec without a YAML file.
///
/// Every builder takes only what a test cares about and fills the rest with the documented defaults; each
/// export gets a distinct source location (its position) so diagnostics can be told apart.
public enum SpecBuilders {
    /// A location in the imaginary spec file `test.yaml`.
    public static func location(line: Int, column: Int = 3) -> SourceLocation {
        SourceLocation(file: "test.yaml", line: line, column: column)
    }

    /// `from: <from>`, `to: <to>` (both local, in the spec's zone).
    public static func window(from: LocalDateTime, to: LocalDateTime, line: Int = 5) -> WindowSpec {
        WindowSpec(start: .at(from), end: .at(to), location: location(line: line))
    }

    /// `last: <duration>`, `to: <end>` (default `today`).
    public static func window(last: CalendarDuration, to end: WindowSpec.End = .today, line: Int = 5) -> WindowSpec {
        WindowSpec(start: .last(last), end: end, location: location(line: line))
    }

    /// A local date (and time) for windows: `date(2024, 2, 29)`.
    public static func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0)
        -> LocalDateTime
    {
        LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute)
    }

    /// One export entry.
    public static func export(
        _ name: String, _ type: ExportType, filters: [FilterKind: [Int64]] = [:], splitBy: FilterKind? = nil,
        chunk: ChunkSize? = nil, window: WindowSpec? = nil, keepCombined: Bool = false,
        expectedRowsPerDay: Int? = nil, timezone: String? = nil,
        conversationReportType: ConversationReportType? = nil, timeIntervalMillis: Int64? = nil,
        businessHours: BusinessHours? = nil, columns: [String] = [], line: Int = 20
    ) -> ExportEntry {
        ExportEntry(
            name: name, type: type,
            selection: ExportSelection(
                filters: filters, conversationReportType: conversationReportType,
                timeIntervalMillis: timeIntervalMillis, businessHours: businessHours, columns: columns),
            splitBy: splitBy, chunk: chunk, window: window, keepCombined: keepCombined,
            expectedRowsPerDay: expectedRowsPerDay, timezone: timezone, location: location(line: line))
    }

    /// A whole spec. `users` API users named `user1…`, passwords from `EXPORTPIPE_PASSWORD_<n>`.
    public static func spec(
        name: String = "test", timezone: String = "UTC", chunk: ChunkSize = .auto, window: WindowSpec,
        exports: [ExportEntry], users: Int = 1, run: RunConfig = RunConfig()
    ) -> PipelineSpec {
        let apiUsers = (0..<users).map { index in
            APIUser(
                username: Interpolated(raw: "user\(index + 1)", location: location(line: 3)),
                password: .environment("EXPORTPIPE_PASSWORD_\(index + 1)"), location: location(line: 3))
        }
        // Give each export its own line unless the test chose one, so locations differ.
        let located = exports.enumerated().map { index, entry in
            var copy = entry
            if copy.location == location(line: 20) { copy.location = location(line: 20 + index * 10) }
            return copy
        }
        return PipelineSpec(
            file: "test.yaml", version: 1, name: name,
            api: APIConfig(
                baseURL: Interpolated(raw: "simulator", location: location(line: 2)),
                companyKey: Interpolated(raw: "${ANALYTICS_COMPANY_KEY}", location: location(line: 2)),
                users: apiUsers),
            defaults: Defaults(timezone: timezone, locale: "en", chunk: chunk), window: window, exports: located,
            output: OutputConfig(), run: run, sourceHash: String(repeating: "0", count: 64))
    }

    /// An instant from an ISO 8601 text with an offset, for `now:` in tests (`instant("2026-11-29T12:00:00Z")`).
    public static func instant(_ text: String) -> Date {
        guard let millis = InstantFormat.parse(text) else { preconditionFailure("bad test instant \(text)") }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}
