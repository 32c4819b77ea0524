/// How a list-valued parameter travels on the wire.
public enum ParameterEncoding: String, Sendable, Hashable, Codable {
    /// One parameter whose value is the values joined by commas: `teamIds=175,154` (sent `175%2C154`).
    case commaList = "comma_list"
    /// The parameter repeated once per value: `teamId=1&teamId=2`.
    case repeated = "repeated"
    /// Exactly one value: `smartViewId=7`. Several values must become several exports.
    case single = "single"
    /// A plain scalar (boolean, enum word or number).
    case scalar = "scalar"
}

/// A filter a pipeline can apply to an export, by the name the spec uses.
public enum FilterKind: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case teams
    case workqueues
    case smartViews = "smart_views"
    case priorities
    case agents

    public static func < (lhs: FilterKind, rhs: FilterKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An option a pipeline can set on an export, by the name the spec uses.
public enum OptionKind: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    /// `conversationReportType`: `OPEN_AT_END`, `CLOSED` or `CREATED` (conversation only).
    case conversationReportType = "conversation_report_type"
    /// `timeInterval` in milliseconds (team_performance_interval only, required there).
    case timeInterval = "time_interval"
    /// `includeDisabled`: include turned-off agents.
    case includeDisabled = "include_disabled"
    /// `raiselimit`: raise the per-conversation action cap from 500 to 2,000.
    case raiseLimit = "raise_limit"
    /// `enableBusinessHour` + `businessHourType`: `all` (24/7), `within` or `outside` business hours.
    case businessHours = "business_hours"
    /// `reportMetrics`, repeated once per column.
    case columns

    public static func < (lhs: OptionKind, rhs: OptionKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How rows of an export relate to its time window, which decides whether it may be split by time.
public enum RowModel: Sendable, Hashable {
    /// One row per event inside [startTime, endTime): windows split and concatenate exactly.
    case events
    /// One row per fixed-size bucket; windows split only on bucket boundaries.
    case intervalBuckets
    /// One row per entity with totals over the whole window: a time split changes the numbers, so the window
    /// is never split by time (fan-out by filter value is still exact).
    case aggregate
}

/// The columns that order an export's rows, as one export of a whole window returns them.
public struct SortKey: Sendable, Hashable, Codable {
    /// The time column (formatted times; ordering is by the underlying instant, see `CSVMerge`).
    public var timeColumn: String?
    /// The id column that breaks ties and identifies a row for de-duplication.
    public var idColumn: String

    public init(timeColumn: String?, idColumn: String) {
        self.timeColumn = timeColumn
        self.idColumn = idColumn
    }

    /// The columns in order, time first.
    public var columns: [String] { (timeColumn.map { [$0] } ?? []) + [idColumn] }
}

/// What the catalog knows of one export: the filters and options it takes, how they are encoded, its columns.
public struct ExportDescriptor: Sendable {
    public var type: ExportType
    /// Filters the export accepts, with the wire parameter and encoding for each.
    public var filters: [FilterKind: WireParameter]
    /// Options the export accepts.
    public var options: Set<OptionKind>
    /// Options the export cannot be submitted without.
    public var requiredOptions: Set<OptionKind>
    /// The column ids of the CSV, in the order the API returns them (see `docs/simulator.md`).
    public var columns: [String]
    public var rowModel: RowModel
    /// The columns rows are ordered by (for `conversation`, see `sortKey(conversationReportType:)`).
    public var sortKey: SortKey
    /// A default volume hint for `chunk: auto`, in rows per day for a mid-sized company.
    public var defaultRowsPerDay: Int
    /// Seconds of server work per 1,000 rows in the cost model (see `docs/simulator.md`).
    public var secondsPer1000Rows: Double

    /// The sort key of this export, given its `conversationReportType` (other exports ignore it).
    public func sortKey(conversationReportType: ConversationReportType?) -> SortKey {
        guard type == .conversation else { return sortKey }
        switch conversationReportType ?? .openAtEnd {
        case .closed: return SortKey(timeColumn: "closed_time", idColumn: "conversation_id")
        case .created, .openAtEnd: return SortKey(timeColumn: "created_time", idColumn: "conversation_id")
        }
    }
}

/// A filter's wire form.
public struct WireParameter: Sendable, Hashable {
    public var name: String
    public var encoding: ParameterEncoding

    public init(_ name: String, _ encoding: ParameterEncoding) {
        self.name = name
        self.encoding = encoding
    }
}

/// The values `conversationReportType` takes.
public enum ConversationReportType: String, CaseIterable, Sendable, Hashable, Codable {
    /// Conversations open at the end of the interval (the API's default). A snapshot: never split by time.
    case openAtEnd = "OPEN_AT_END"
    /// Conversations closed during the interval.
    case closed = "CLOSED"
    /// Conversations created during the interval.
    case created = "CREATED"
}

/// `business_hours` in the spec, mapped to `enableBusinessHour` / `businessHourType`.
public enum BusinessHours: String, CaseIterable, Sendable, Hashable, Codable {
    /// 24/7: neither parameter is sent.
    case all
    /// `enableBusinessHour=true&businessHourType=true`.
    case within
    /// `enableBusinessHour=true&businessHourType=false`.
    case outside
}

/// The export catalog: every documented export, what it takes and how it is sent.
///
/// Per-export parameter lists follow the vendor's OpenAPI definitions where they are confirmed
/// (`teamIds` on agent-state and team exports, repeated `teamId`/`agentId` on `user`, `includeDisabled`,
/// `conversationReportType`, `timeInterval`, `raiselimit`). Which post-side exports take `workqueueIds`,
/// `priorities`, `smartViewId` and business hours is inferred from the "common to most exports" list and the
/// best-practices page (filter incoming post, response and conversation exports by work queue or smart view).
public enum ExportCatalog {
    /// The descriptor of an export.
    public static func descriptor(for type: ExportType) -> ExportDescriptor { table[type]! }

    /// Every descriptor, in `ExportType.allCases` order.
    public static var all: [ExportDescriptor] { ExportType.allCases.map { descriptor(for: $0) } }

    /// The exports the vendor recommends instead of `combined`.
    public static let combinedReplacement: [ExportType] = [.incomingPost, .response, .conversation]

    private static let postFilters: [FilterKind: WireParameter] = [
        .workqueues: WireParameter("workqueueIds", .commaList),
        .priorities: WireParameter("priorities", .commaList),
        .smartViews: WireParameter("smartViewId", .single),
    ]
    private static let teamFilter: [FilterKind: WireParameter] = [.teams: WireParameter("teamIds", .commaList)]

    private static let table: [ExportType: ExportDescriptor] = {
        func make(
            _ type: ExportType, filters: [FilterKind: WireParameter], options: Set<OptionKind>,
            required: Set<OptionKind> = [], columns: [String], rowModel: RowModel, sortKey: SortKey,
            rowsPerDay: Int, secondsPer1000Rows: Double
        ) -> ExportDescriptor {
            ExportDescriptor(
                type: type, filters: filters, options: options.union([.columns]), requiredOptions: required,
                columns: columns, rowModel: rowModel, sortKey: sortKey, defaultRowsPerDay: rowsPerDay,
                secondsPer1000Rows: secondsPer1000Rows)
        }
        let entries: [ExportDescriptor] = [
            make(
                .rawAgentStates, filters: teamFilter, options: [],
                columns: [
                    "agent_state_id", "state_start_time", "state_end_time", "agent_id", "agent_name", "agent_email",
                    "team_id", "state", "duration_seconds",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "state_start_time", idColumn: "agent_state_id"),
                rowsPerDay: 4_000, secondsPer1000Rows: 1.0),
            make(
                .combined, filters: postFilters, options: [.businessHours],
                columns: [
                    "record_type", "record_id", "event_time", "conversation_id", "workqueue_id", "priority",
                    "network", "agent_id", "author_id", "content",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "event_time", idColumn: "record_id"),
                rowsPerDay: 30_000, secondsPer1000Rows: 4.0),
            make(
                .conversationActions, filters: postFilters, options: [.businessHours],
                columns: [
                    "action_id", "action_time", "action", "agent_id", "team_id", "conversation_id", "workqueue_id",
                    "priority", "network", "details",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "action_time", idColumn: "action_id"),
                rowsPerDay: 20_000, secondsPer1000Rows: 1.5),
            make(
                .conversationHistoryAction, filters: postFilters, options: [.raiseLimit, .businessHours],
                columns: [
                    "action_id", "action_time", "conversation_id", "action", "actor_type", "agent_id",
                    "workqueue_id", "priority", "details",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "action_time", idColumn: "action_id"),
                rowsPerDay: 25_000, secondsPer1000Rows: 2.0),
            make(
                .author, filters: postFilters, options: [.businessHours],
                columns: [
                    "author_id", "author_handle", "network", "first_post_time", "post_count", "follower_count",
                    "location",
                ],
                rowModel: .aggregate, sortKey: SortKey(timeColumn: nil, idColumn: "author_id"),
                rowsPerDay: 3_000, secondsPer1000Rows: 2.0),
            make(
                .conversation, filters: postFilters, options: [.conversationReportType, .businessHours],
                columns: [
                    "conversation_id", "created_time", "closed_time", "status", "workqueue_id", "team_id", "priority",
                    "agent_id", "author_id", "network", "message_count", "first_response_seconds", "tags",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "created_time", idColumn: "conversation_id"),
                rowsPerDay: 5_000, secondsPer1000Rows: 2.5),
            make(
                .rawExpertHelp, filters: postFilters, options: [.businessHours],
                columns: [
                    "help_request_id", "requested_time", "requesting_agent_id", "expert_agent_id", "team_id",
                    "conversation_id", "workqueue_id", "status", "response_seconds", "note",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "requested_time", idColumn: "help_request_id"),
                rowsPerDay: 300, secondsPer1000Rows: 1.0),
            make(
                .incomingPost, filters: postFilters, options: [.businessHours],
                columns: [
                    "post_id", "received_time", "network", "author_id", "author_handle", "workqueue_id", "priority",
                    "conversation_id", "language", "sentiment", "content",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "received_time", idColumn: "post_id"),
                rowsPerDay: 12_000, secondsPer1000Rows: 1.5),
            make(
                .response, filters: postFilters, options: [.businessHours],
                columns: [
                    "response_id", "response_time", "agent_id", "agent_name", "team_id", "workqueue_id", "priority",
                    "conversation_id", "network", "handle_time_seconds", "content",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "response_time", idColumn: "response_id"),
                rowsPerDay: 8_000, secondsPer1000Rows: 1.5),
            make(
                .responseApproval, filters: teamFilter.merging(postFilters) { a, _ in a },
                options: [.includeDisabled, .businessHours],
                columns: [
                    "approval_id", "requested_time", "decided_time", "agent_id", "approver_id", "team_id",
                    "workqueue_id", "decision", "conversation_id", "comment",
                ],
                rowModel: .events, sortKey: SortKey(timeColumn: "requested_time", idColumn: "approval_id"),
                rowsPerDay: 500, secondsPer1000Rows: 1.0),
            make(
                .teamPerformance, filters: teamFilter, options: [.includeDisabled],
                columns: [
                    "team_id", "team_name", "agents", "conversations_handled", "responses", "avg_handle_seconds",
                    "avg_first_response_seconds", "logged_in_seconds",
                ],
                rowModel: .aggregate, sortKey: SortKey(timeColumn: nil, idColumn: "team_id"),
                rowsPerDay: 50, secondsPer1000Rows: 20.0),
            make(
                .teamPerformanceInterval, filters: teamFilter, options: [.includeDisabled, .timeInterval],
                required: [.timeInterval],
                columns: [
                    "interval_start", "interval_end", "team_id", "team_name", "conversations_handled", "responses",
                    "avg_handle_seconds", "logged_in_seconds",
                ],
                rowModel: .intervalBuckets, sortKey: SortKey(timeColumn: "interval_start", idColumn: "team_id"),
                rowsPerDay: 1_200, secondsPer1000Rows: 5.0),
            make(
                .user,
                filters: [.teams: WireParameter("teamId", .repeated), .agents: WireParameter("agentId", .repeated)],
                options: [.includeDisabled],
                columns: [
                    "agent_id", "agent_name", "agent_email", "team_id", "team_name", "enabled", "responses",
                    "conversations_handled", "total_time_seconds",
                ],
                rowModel: .aggregate, sortKey: SortKey(timeColumn: nil, idColumn: "agent_id"),
                rowsPerDay: 200, secondsPer1000Rows: 20.0),
        ]
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.type, $0) })
    }()
}
