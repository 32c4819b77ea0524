import AnalyticsAPI
import Foundation

/// A validated pipeline file (spec version 1). Every field that can be wrong later (at plan or run time)
/// keeps the source location it came from so later stages can point at it.
public struct PipelineSpec: Sendable, Hashable {
    /// The file the spec was read from, as given on the command line.
    public var file: String
    public var version: Int
    public var name: String
    public var api: APIConfig
    public var defaults: Defaults
    /// The pipeline-wide window; an export may override it.
    public var window: WindowSpec
    public var exports: [ExportEntry]
    public var output: OutputConfig
    public var run: RunConfig
    /// SHA-256 (hex) of the file's bytes, for manifests.
    public var sourceHash: String

    public init(
        file: String, version: Int, name: String, api: APIConfig, defaults: Defaults, window: WindowSpec,
        exports: [ExportEntry], output: OutputConfig, run: RunConfig, sourceHash: String
    ) {
        self.file = file
        self.version = version
        self.name = name
        self.api = api
        self.defaults = defaults
        self.window = window
        self.exports = exports
        self.output = output
        self.run = run
        self.sourceHash = sourceHash
    }
}

/// A string that may hold `${VAR}` references, resolved from the environment only when running.
public struct Interpolated: Sendable, Hashable, CustomStringConvertible {
    /// The text as written, e.g. `${ANALYTICS_COMPANY_KEY}` or `https://host`.
    public var raw: String
    public var location: SourceLocation

    public init(raw: String, location: SourceLocation) {
        self.raw = raw
        self.location = location
    }

    public var description: String { raw }
}

/// `api:` — where and as whom to run.
public struct APIConfig: Sendable, Hashable {
    /// The literal `simulator` (an in-process simulator) or the API host, e.g.
    /// `https://analytics-api.app.lithium.com`; may be `${VAR}`.
    public var baseURL: Interpolated
    public var companyKey: Interpolated
    /// One or more API users; each has its own per-user queue.
    public var users: [APIUser]
    /// `api.limits`: the company's queue limits, for tenants whose contract differs from the documented ones.
    public var limits: CompanyLimits

    public init(
        baseURL: Interpolated, companyKey: Interpolated, users: [APIUser], limits: CompanyLimits = CompanyLimits()
    ) {
        self.baseURL = baseURL
        self.companyKey = companyKey
        self.users = users
        self.limits = limits
    }

    /// Whether the spec asks for the in-process simulator.
    public var usesSimulator: Bool { baseURL.raw == "simulator" }
}

/// One API user. The password is never in the spec: it comes from an environment variable or a file.
public struct APIUser: Sendable, Hashable {
    public var username: Interpolated
    public enum PasswordSource: Sendable, Hashable {
        /// `password_env: NAME`
        case environment(String)
        /// `password_file: PATH` (relative to the spec's folder)
        case file(String)
    }
    public var password: PasswordSource
    public var location: SourceLocation

    public init(username: Interpolated, password: PasswordSource, location: SourceLocation) {
        self.username = username
        self.password = password
        self.location = location
    }
}

/// `defaults:` — applied to every export that does not say otherwise.
public struct Defaults: Sendable, Hashable {
    /// IANA time zone id; windows and chunk boundaries are calendar-aligned in it.
    public var timezone: String
    public var locale: String
    public var chunk: ChunkSize

    public init(timezone: String = "UTC", locale: String = "en", chunk: ChunkSize = .auto) {
        self.timezone = timezone
        self.locale = locale
        self.chunk = chunk
    }
}

/// `chunk:` — how the planner cuts a window into jobs.
public enum ChunkSize: Sendable, Hashable, CustomStringConvertible {
    /// Size chunks from the volume estimate so each job stays under the target rows.
    case auto
    case fixed(CalendarDuration)

    public var description: String {
        switch self {
        case .auto: "auto"
        case .fixed(let duration): duration.description
        }
    }
}

/// A wall-clock date and time in the spec's time zone (no offset; the zone comes from `defaults.timezone`).
public struct LocalDateTime: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.year, lhs.month, lhs.day, lhs.hour, lhs.minute, lhs.second)
            < (rhs.year, rhs.month, rhs.day, rhs.hour, rhs.minute, rhs.second)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let date = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        if hour == 0 && minute == 0 && second == 0 { return date }
        return date + "T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
    }
}

/// `window:` — a half-open range [from, to) in the spec's time zone.
public struct WindowSpec: Sendable, Hashable {
    public enum Start: Sendable, Hashable {
        /// `from: 2025-06-01` or `from: 2025-06-01T06:00:00`
        case at(LocalDateTime)
        /// `last: 30d` — the duration before `to`.
        case last(CalendarDuration)
    }
    public enum End: Sendable, Hashable {
        case at(LocalDateTime)
        /// Midnight at the start of the current day (the default with `last:`).
        case today
        /// The current instant.
        case now
    }
    public var start: Start
    public var end: End
    public var location: SourceLocation

    public init(start: Start, end: End, location: SourceLocation) {
        self.start = start
        self.end = end
        self.location = location
    }
}

/// One entry of `exports:`.
public struct ExportEntry: Sendable, Hashable {
    /// A unique name; the merged output is `<output.dir>/<name>.csv`.
    public var name: String
    public var type: ExportType
    public var selection: ExportSelection
    /// `split_by:` — fan out one job per value of this filter.
    public var splitBy: FilterKind?
    /// Overrides `defaults.chunk`.
    public var chunk: ChunkSize?
    /// Overrides the pipeline window.
    public var window: WindowSpec?
    /// `keep_combined: true` keeps a `combined` export as is instead of planning its three replacements.
    public var keepCombined: Bool
    /// `expected_rows_per_day:` — a volume hint for `chunk: auto`.
    public var expectedRowsPerDay: Int?
    /// Overrides `defaults.locale` / `defaults.timezone`.
    public var locale: String?
    public var timezone: String?
    /// `merge:` — the header columns of the merge's roles, for headers the catalog's names do not match.
    public var merge: MergeColumns?
    public var location: SourceLocation

    public init(
        name: String, type: ExportType, selection: ExportSelection = ExportSelection(), splitBy: FilterKind? = nil,
        chunk: ChunkSize? = nil, window: WindowSpec? = nil, keepCombined: Bool = false,
        expectedRowsPerDay: Int? = nil, locale: String? = nil, timezone: String? = nil, merge: MergeColumns? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.type = type
        self.selection = selection
        self.splitBy = splitBy
        self.chunk = chunk
        self.window = window
        self.keepCombined = keepCombined
        self.expectedRowsPerDay = expectedRowsPerDay
        self.locale = locale
        self.timezone = timezone
        self.merge = merge
        self.location = location
    }
}

/// An export's `merge:` section: which header columns hold the time rows are ordered by, the id that breaks
/// ties, and the key that identifies a row, as the tenant's CSV names them (matched ignoring case, spaces,
/// underscores and punctuation).
public struct MergeColumns: Sendable, Hashable {
    public var timeColumn: String?
    public var idColumn: String?
    public var key: [String]?

    public init(timeColumn: String? = nil, idColumn: String? = nil, key: [String]? = nil) {
        self.timeColumn = timeColumn
        self.idColumn = idColumn
        self.key = key
    }
}

/// `output:`
public struct OutputConfig: Sendable, Hashable {
    /// Where merged CSVs and `manifest.json` go (relative to the spec's folder).
    public var dir: String
    /// Where the journal and chunk files go (relative to the spec's folder); default `.exportpipe`.
    public var stateDir: String
    /// `merged` (default) or `partitioned`, with the partition grain and file compression of the latter.
    public var layout: OutputLayout = .merged
    public var partition: PartitionGrain = .day
    public var compression: OutputCompression = .none
    /// `output.load`: the PostgreSQL destination, when the dataset is loaded into one.
    public var load: LoadConfig?

    public init(dir: String = "out", stateDir: String = ".exportpipe") {
        self.dir = dir
        self.stateDir = stateDir
    }
}

/// `api.limits`: how many exports the company runs at once and queues in all (documented: 4 and 50).
public struct CompanyLimits: Sendable, Hashable {
    public var runningPerCompany: Int
    public var queuedPerCompany: Int

    public init(
        runningPerCompany: Int = QueueLimits.documented.runningPerCompany,
        queuedPerCompany: Int = QueueLimits.documented.queuedPerCompany
    ) {
        self.runningPerCompany = runningPerCompany
        self.queuedPerCompany = queuedPerCompany
    }
}

/// `run:` — how the executor behaves.
public struct RunConfig: Sendable, Hashable {
    /// Jobs outstanding (running + queued) per user; default 2 (the vendor's best practice), at most 5.
    public var outstandingPerUser: Int
    /// Tries per chunk before it is given up (only size-related failures split a chunk).
    public var attempts: Int
    /// Chunks whose window ends within this period of now are exported again on the next run (late data).
    public var settle: CalendarDuration
    /// Failing chunks are split in half down to this size.
    public var minChunk: CalendarDuration
    /// Target rows per job for `chunk: auto`.
    public var targetRowsPerJob: Int
    /// A job whose status has not changed for this long is reported stuck, abandoned and submitted again.
    public var stuckAfter: CalendarDuration
    /// `run.deadline`: the run stops cleanly this long after it started (journal kept, its own exit code), or never.
    public var deadline: CalendarDuration?
    /// Where to write the run's Prometheus metrics (text exposition format, for node_exporter's textfile
    /// collector), relative to the spec's folder; nil writes none. `--metrics-file` takes precedence.
    public var metricsFile: String?
    /// `run.coordinator`; nil when the spec does not say (the default, `embedded`, unless the environment or the
    /// command line says otherwise).
    public var coordinator: CoordinatorSetting?
    /// `run.coordinator_password_env`: the environment variable holding the PostgreSQL coordinator's password
    /// (else `PGPASSWORD`). Never the password itself.
    public var coordinatorPasswordEnv: String?

    public init(
        outstandingPerUser: Int = 2, attempts: Int = 3, settle: CalendarDuration = CalendarDuration(2, .day),
        minChunk: CalendarDuration = CalendarDuration(1, .hour), targetRowsPerJob: Int = 200_000,
        stuckAfter: CalendarDuration = CalendarDuration(6, .hour), deadline: CalendarDuration? = nil,
        metricsFile: String? = nil, coordinator: CoordinatorSetting? = nil, coordinatorPasswordEnv: String? = nil
    ) {
        self.coordinatorPasswordEnv = coordinatorPasswordEnv
        self.outstandingPerUser = outstandingPerUser
        self.attempts = attempts
        self.settle = settle
        self.minChunk = minChunk
        self.targetRowsPerJob = targetRowsPerJob
        self.stuckAfter = stuckAfter
        self.deadline = deadline
        self.metricsFile = metricsFile
        self.coordinator = coordinator
    }
}
