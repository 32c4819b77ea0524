import AnalyticsAPI

/// The keys of spec version 1, section by section, and the words their values may take.
public enum SpecVocabulary {
    // MARK: Value shapes

    static let durationPattern = "^[1-9][0-9]{0,5}(min|h|d|w|mo)$"
    static let dateTimePattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
    static let envNamePattern = "^[A-Za-z_][A-Za-z0-9_]*$"

    static let string: JSONValue = .object([("type", .string("string")), ("minLength", .int(1))])
    static let boolean: JSONValue = .object([("type", .string("boolean"))])
    static let duration: JSONValue = .object([("type", .string("string")), ("pattern", .string(durationPattern))])
    static let chunk: JSONValue = .object([
        ("anyOf", .array([.object([("const", .string("auto"))]), duration]))
    ])
    static let dateTime: JSONValue = .object([("type", .string("string")), ("pattern", .string(dateTimePattern))])
    static let interpolated: JSONValue = .object([
        ("type", .string("string")), ("minLength", .int(1)),
        ("$comment", .string("may contain ${VAR} references, resolved from the environment when running")),
    ])

    static func integer(minimum: Int64, maximum: Int64? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", .string("integer")), ("minimum", .int(minimum))]
        if let maximum { pairs.append(("maximum", .int(maximum))) }
        return .object(pairs)
    }

    static func enumeration(_ values: [String]) -> JSONValue {
        .object([("type", .string("string")), ("enum", .array(values.map(JSONValue.string)))])
    }

    static func ids(minimum: Int64, maximum: Int64? = nil) -> JSONValue {
        .object([
            ("type", .string("array")), ("minItems", .int(1)), ("uniqueItems", .bool(true)),
            ("items", integer(minimum: minimum, maximum: maximum)),
        ])
    }

    // MARK: Words

    /// `split_by` accepts the singular (as in `split_by: team`) and the plural filter name.
    public static let splitByNames: [String: FilterKind] = [
        "team": .teams, "teams": .teams, "workqueue": .workqueues, "workqueues": .workqueues,
        "smart_view": .smartViews, "smart_views": .smartViews, "priority": .priorities, "priorities": .priorities,
        "agent": .agents, "agents": .agents,
    ]

    /// The singular name of a filter, as `split_by` is usually written.
    public static func singular(_ kind: FilterKind) -> String {
        switch kind {
        case .teams: "team"
        case .workqueues: "workqueue"
        case .smartViews: "smart_view"
        case .priorities: "priority"
        case .agents: "agent"
        }
    }

    /// The `time_interval` values the API documents, written as durations, with their milliseconds.
    public static let timeIntervals: [(name: String, millis: Int64)] = [
        ("5min", 300_000), ("10min", 600_000), ("15min", 900_000), ("30min", 1_800_000), ("1h", 3_600_000),
        ("2h", 7_200_000), ("4h", 14_400_000), ("8h", 28_800_000), ("12h", 43_200_000), ("1d", 86_400_000),
        ("1w", 604_800_000),
    ]

    // MARK: Sections

    public static let topLevel: [SpecField] = [
        SpecField("version", .object([("const", .int(1))]), "The spec format version; must be 1."),
        SpecField("name", string, "The pipeline's name (default: the file name without extension)."),
        SpecField("api", .object([("$ref", .string("#/$defs/api"))]), "Where and as whom to run."),
        SpecField(
            "defaults", .object([("$ref", .string("#/$defs/defaults"))]),
            "Settings applied to every export that does not set its own."),
        SpecField(
            "window", .object([("$ref", .string("#/$defs/window"))]),
            "The pipeline's time window, half-open [from, to), in defaults.timezone."),
        SpecField(
            "exports",
            .object([
                ("type", .string("array")), ("minItems", .int(1)),
                ("items", .object([("$ref", .string("#/$defs/export"))])),
            ]), "The exports to produce, one merged CSV each."),
        SpecField("output", .object([("$ref", .string("#/$defs/output"))]), "Where results and state go."),
        SpecField("run", .object([("$ref", .string("#/$defs/run"))]), "How the executor behaves."),
    ]

    public static let api: [SpecField] = [
        SpecField(
            "base_url", interpolated,
            "'simulator' (an in-process simulator), the API host as an http(s) URL, or a ${VAR} reference."),
        SpecField("company_key", interpolated, "The company key; write a ${VAR} reference, never the key itself."),
        SpecField(
            "users",
            .object([
                ("type", .string("array")), ("minItems", .int(1)),
                ("items", .object([("$ref", .string("#/$defs/user"))])),
            ]), "One or more API users; each has its own queue."),
        SpecField(
            "limits", .object([("$ref", .string("#/$defs/limits"))]),
            "The company's queue limits, when its contract differs from the documented 4 running / 50 queued."),
    ]

    public static let limits: [SpecField] = [
        SpecField(
            "running_per_company", integer(minimum: 1, maximum: 1_000),
            "Exports the company runs at once (default 4)."),
        SpecField(
            "queued_per_company", integer(minimum: 1, maximum: 10_000),
            "Exports the company may have queued or running in all (default 50)."),
    ]

    public static let user: [SpecField] = [
        SpecField("username", interpolated, "The API user's name (may be ${VAR})."),
        SpecField(
            "password_env", .object([("type", .string("string")), ("pattern", .string(envNamePattern))]),
            "The name of the environment variable holding the password."),
        SpecField("password_file", string, "A file holding the password (relative to the spec's folder)."),
    ]

    public static let defaults: [SpecField] = [
        SpecField("timezone", string, "IANA time zone of windows and chunk boundaries (default UTC)."),
        SpecField("locale", enumeration(APILimits.locales), "Locale of the CSV headers (default en)."),
        SpecField("chunk", chunk, "How windows are cut into jobs: 'auto' (default) or a duration such as 7d."),
    ]

    public static let window: [SpecField] = [
        SpecField("from", dateTime, "Start (inclusive): YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], in the spec's time zone."),
        SpecField("last", duration, "Instead of 'from': the duration before 'to', e.g. 30d or 18mo."),
        SpecField(
            "to",
            .object([
                ("anyOf", .array([enumeration(["today", "now"]), dateTime]))
            ]), "End (exclusive): a date or date-time, 'today' (midnight starting today, the default) or 'now'."),
    ]

    public static let filters: [SpecField] = [
        SpecField("teams", ids(minimum: 1), "Team ids."),
        SpecField("workqueues", ids(minimum: 1), "Work queue ids."),
        SpecField(
            "smart_views", ids(minimum: 1), "Smart view ids (the API takes one per export: split_by smart_view)."),
        SpecField("priorities", ids(minimum: 0, maximum: 5), "Priorities 0…5."),
        SpecField("agents", ids(minimum: 1), "Agent ids."),
    ]

    /// Keys of an export that are not API options.
    public static let exportBase: [SpecField] = [
        SpecField(
            "name", .object([("type", .string("string")), ("pattern", .string("^[A-Za-z0-9][A-Za-z0-9._-]*$"))]),
            "Unique name; the merged output is <output.dir>/<name>.csv."),
        SpecField("type", enumeration(ExportType.allIDs), "The export id of the API."),
        SpecField(
            "filters",
            .object([
                ("type", .string("object")), ("additionalProperties", .bool(false)),
                ("properties", .object(filters.map { ($0.name, $0.documentedSchema) })),
            ]), "Filters; which ones an export takes depends on its type."),
        SpecField(
            "split_by", enumeration(splitByNames.keys.sorted()),
            "Run one job per value of this filter (the filter must list values)."),
        SpecField("chunk", chunk, "Overrides defaults.chunk."),
        SpecField("window", .object([("$ref", .string("#/$defs/window"))]), "Overrides the pipeline window."),
        SpecField(
            "keep_combined", boolean, "type combined only: export 'combined' itself instead of its replacements."),
        SpecField("expected_rows_per_day", integer(minimum: 1), "Volume hint for chunk: auto."),
        SpecField("locale", enumeration(APILimits.locales), "Overrides defaults.locale."),
        SpecField("timezone", string, "Overrides defaults.timezone."),
        SpecField(
            "merge",
            .object([
                ("type", .string("object")), ("additionalProperties", .bool(false)),
                ("properties", .object(merge.map { ($0.name, $0.documentedSchema) })),
            ]),
            "The header columns the merge orders and de-duplicates by, when the export's headers are not the catalog's."
        ),
    ]

    /// Keys of an export's `merge:` section.
    public static let merge: [SpecField] = [
        SpecField("time_column", string, "The column rows are ordered by in time, as the CSV header names it."),
        SpecField("id_column", string, "The column that breaks ties between rows of one instant."),
        SpecField(
            "key",
            .object([
                ("type", .string("array")), ("minItems", .int(1)), ("uniqueItems", .bool(true)),
                ("items", .object([("type", .string("string"))])),
            ]), "The columns that identify a row, for dropping rows two chunks both hold."),
    ]

    /// Keys of an export that set API options, one per `OptionKind`.
    public static let exportOptions: [SpecField] = OptionKind.allCases.sorted().map { kind in
        switch kind {
        case .conversationReportType:
            SpecField(
                kind.rawValue, enumeration(ConversationReportType.allCases.map(\.rawValue)),
                "conversation only: OPEN_AT_END (the API's default), CLOSED or CREATED.")
        case .timeInterval:
            SpecField(
                kind.rawValue,
                .object([
                    (
                        "anyOf",
                        .array([
                            .object([
                                ("type", .string("integer")),
                                ("enum", .array(APILimits.timeIntervalsMillis.map(JSONValue.int))),
                            ]),
                            enumeration(timeIntervals.map(\.name)),
                        ])
                    )
                ]), "team_performance_interval only (required): bucket size, as a duration or in milliseconds.")
        case .includeDisabled:
            SpecField(kind.rawValue, boolean, "Include turned-off agents.")
        case .raiseLimit:
            SpecField(kind.rawValue, boolean, "conversation_history_action: raise the per-conversation cap to 2,000.")
        case .businessHours:
            SpecField(
                kind.rawValue, enumeration(BusinessHours.allCases.map(\.rawValue)),
                "all (24/7, the default), within or outside business hours.")
        case .columns:
            SpecField(
                kind.rawValue,
                .object([
                    ("type", .string("array")), ("minItems", .int(1)), ("uniqueItems", .bool(true)),
                    ("items", .object([("type", .string("string"))])),
                ]), "The columns to export (reportMetrics), in the API's column ids.")
        }
    }

    public static var export: [SpecField] { exportBase + exportOptions }

    public static let output: [SpecField] =
        [
            SpecField(
                "dir", string, "Where merged CSVs and manifest.json go (default out, relative to the spec's folder)."),
            SpecField("state_dir", string, "Where the journal and chunk files go (default .exportpipe)."),
            SpecField("load", .object([("$ref", .string("#/$defs/load"))]), "Load the dataset into PostgreSQL."),
        ] + outputLayout

    public static let run: [SpecField] = [
        SpecField(
            "outstanding_per_user", integer(minimum: 1, maximum: 5), "Jobs running + queued per user (default 2)."),
        SpecField(
            "attempts", integer(minimum: 1, maximum: 10), "Tries per chunk before it is given up (default 3)."),
        SpecField(
            "settle", duration, "Chunks ending within this period of now are exported again next run (default 2d)."),
        SpecField("min_chunk", duration, "Failing chunks are split in half down to this size (default 1h)."),
        SpecField(
            "stuck_after", duration,
            "A job whose status has not changed for this long is abandoned and submitted again (default 6h)."),
        SpecField(
            "deadline", duration,
            "Stop the run cleanly this long after it started, keeping the journal (exit 3); default: no deadline."),
        SpecField(
            "target_rows_per_job", integer(minimum: 1000, maximum: 50_000_000),
            "Target rows per job for chunk: auto (default 200000)."),
        SpecField(
            "metrics_file", string,
            "Write the run's Prometheus metrics to this .prom file every few seconds and at exit, for "
                + "node_exporter's textfile collector (relative to the spec's folder; --metrics-file overrides)."),
        SpecField(
            "coordinator",
            .object([
                ("type", .string("string")),
                ("pattern", .string("^(embedded|none|postgres(ql)?://[^:@/]+@[^/]+(/.*)?)$")),
            ]),
            "Where the company's queue slots are shared: embedded (default; every run on this machine), none, or "
                + "postgres://user@host:5432/db (runners on several machines; password from PGPASSWORD). "
                + "EXPORTPIPE_COORDINATOR and --coordinator override it."),
        SpecField(
            "coordinator_password_env",
            .object([("type", .string("string")), ("pattern", .string("^[A-Za-z_][A-Za-z0-9_]*$"))]),
            "The environment variable holding the PostgreSQL coordinator's password (default: PGPASSWORD). "
                + "The name, never the password."),
    ]

    /// Every section by its path in the schema, for tests and docs.
    public static var sections: [(path: String, fields: [SpecField])] {
        [
            ("", topLevel), ("api", api), ("api.users[]", user), ("api.limits", limits), ("defaults", defaults),
            ("window", window),
            ("exports[]", export), ("exports[].filters", filters), ("exports[].merge", merge),
            ("output", output), ("output.load", load), ("run", run),
        ]
    }
}
