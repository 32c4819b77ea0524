import AnalyticsAPI
import Foundation

/// The text of a partitioned pipeline run night after night (`NightlyWorkspace`), kept as parts a test can extend:
/// more exports, more keys under `output:` (e.g. `load:`) or `run:`, or whole top-level sections.
public struct NightlySpec: Sendable {
    /// One export of the pipeline, and what one export of a partition's window asks the API (the reference a
    /// partition must equal).
    public struct Export: Sendable {
        public var name: String
        public var type: ExportType
        /// Filter values by kind, as the spec's `filters:` and the reference request's selection.
        public var filters: [FilterKind: [Int64]]
        /// `split_by` (a filter kind whose values fan out into a job each), or nil.
        public var splitBy: FilterKind?
        /// More lines of the export's YAML mapping (indented by the caller's two spaces), e.g. `chunk: 1d`.
        public var extra: [String]

        public init(
            name: String, type: ExportType, filters: [FilterKind: [Int64]] = [:], splitBy: FilterKind? = nil,
            extra: [String] = []
        ) {
            self.name = name
            self.type = type
            self.filters = filters
            self.splitBy = splitBy
            self.extra = extra
        }

        /// The jobs one contiguous run of partitions costs: one per fan-out value (one when not fanned out).
        public var jobsPerRun: Int { splitBy.flatMap { filters[$0]?.count } ?? 1 }

        /// One export of `[startMs, endMs)` with this export's filters, as a partition of that window must be.
        public func request(startMs: Int64, endMs: Int64, timezone: String, locale: String) -> ExportRequest {
            ExportRequest(
                type: type, startTime: startMs, endTime: endMs, selection: ExportSelection(filters: filters),
                locale: locale, timezone: timezone)
        }

        var yaml: [String] {
            var lines = ["  - name: \(name)", "    type: \(type.rawValue)"]
            if !filters.isEmpty {
                let parts = filters.keys.sorted().map { kind in
                    "\(kind.rawValue): [\(filters[kind]!.map(String.init).joined(separator: ", "))]"
                }
                lines.append("    filters: { \(parts.joined(separator: ", ")) }")
            }
            if let splitBy { lines.append("    split_by: \(splitBy.rawValue)") }
            return lines + extra.map { "    " + $0 }
        }
    }

    public var name: String
    public var timezone: String
    public var locale: String
    /// `defaults.chunk`.
    public var chunk: String
    /// The `window:` value, e.g. `{ last: 7d, to: today }`.
    public var window: String
    public var exports: [Export]
    /// `output.partition` and `output.compression`.
    public var partition: String
    public var compression: String
    /// `run.settle`.
    public var settle: String
    /// More keys under `output:` (each one line or several, unindented: the builder indents them).
    public var output: [String]
    /// More keys under `run:`.
    public var run: [String]
    /// More top-level YAML, appended as it is.
    public var extra: String

    public init(
        name: String = "nightly-check", timezone: String = "America/New_York", locale: String = "en",
        chunk: String = "7d", window: String = "{ last: 7d, to: today }", exports: [Export],
        partition: String = "day", compression: String = "none", settle: String = "4d", output: [String] = [],
        run: [String] = [], extra: String = ""
    ) {
        self.name = name
        self.timezone = timezone
        self.locale = locale
        self.chunk = chunk
        self.window = window
        self.exports = exports
        self.partition = partition
        self.compression = compression
        self.settle = settle
        self.output = output
        self.run = run
        self.extra = extra
    }

    /// The jobs a regular night submits: one per export per fan-out value.
    public var jobsPerNight: Int { exports.reduce(0) { $0 + $1.jobsPerRun } }

    /// The spec's text against the API at `baseURL`, user `username` (password from `EP_PASSWORD`, company key from
    /// `EP_COMPANY_KEY`), writing to `out/` with its state in `state/`.
    public func yaml(baseURL: String, username: String) -> String {
        var lines = [
            "version: 1",
            "name: \(name)",
            "api:",
            "  base_url: \(baseURL)",
            "  company_key: ${EP_COMPANY_KEY}",
            "  users:",
            "    - username: \(username)",
            "      password_env: EP_PASSWORD",
            "defaults: { timezone: \(timezone), locale: \(locale), chunk: \(chunk) }",
            "window: \(window)",
            "exports:",
        ]
        lines += exports.flatMap(\.yaml)
        lines += [
            "output:", "  dir: out", "  state_dir: state", "  layout: partitioned", "  partition: \(partition)",
            "  compression: \(compression)",
        ]
        lines += output.map { "  " + $0 }
        lines += ["run:", "  settle: \(settle)"] + run.map { "  " + $0 }
        return lines.joined(separator: "\n") + "\n" + extra
    }
}
