/// The names the columns a merge needs may go by in an export's header: our column id, the documented upper-case
/// form (`CONVERSATION_ID`) and the display labels the UI uses (`Conversation ID`, `Created Time`,
/// `Work Queue ID`). The docs confirm none of these for CSV headers (`shared/reference`: the only ids in public
/// examples are upper-case JSON keys and lower-case `reportMetrics` names), so the merge matches them after
/// normalising case, spaces, underscores and punctuation, and a spec can name its own (`merge:`).
public struct ColumnRoleNames: Sendable, Hashable {
    /// Candidates for the time column rows are ordered by; empty when the export has none.
    public var time: [String]
    /// Candidates for the id column that breaks ties.
    public var id: [String]
    /// Per de-duplication key column, its candidates; empty when rows are compared whole.
    public var key: [[String]]

    public init(time: [String], id: [String], key: [[String]]) {
        self.time = time
        self.id = id
        self.key = key
    }

    /// The candidate names of column `id`: itself, upper case, its display label, and known other labels.
    public static func candidates(for id: String) -> [String] {
        var names = [id, id.uppercased(), label(for: id)]
        for alias in aliases[id] ?? [] where !names.contains(alias) { names.append(alias) }
        return names
    }

    /// `created_time` → `Created Time`, `workqueue_id` → `Work Queue ID`.
    public static func label(for id: String) -> String {
        id.split(separator: "_").map { word -> String in
            switch word {
            case "id": return "ID"
            case "workqueue": return "Work Queue"
            default: return word.prefix(1).uppercased() + word.dropFirst()
            }
        }.joined(separator: " ")
    }

    /// Labels seen in the vendor's UI and reports that differ from our ids by more than case and separators.
    static let aliases: [String: [String]] = [
        "created_time": ["Created Date", "Creation Time", "Conversation Created Time", "Created"],
        "closed_time": ["Closed Date", "Close Time", "Conversation Closed Time", "Closed"],
        "conversation_id": ["Conversation", "Case ID", "Case Number"],
        "received_time": ["Received Date", "Post Received Time", "Time Received"],
        "response_time": ["Response Date", "Responded Time", "Time Responded"],
        "action_time": ["Action Date", "Time", "Timestamp"],
        "event_time": ["Event Date", "Time", "Timestamp"],
        "state_start_time": ["State Start", "Start Time", "State Start Date"],
        "requested_time": ["Requested Date", "Request Time"],
        "interval_start": ["Interval Start Time", "Start Time", "Interval"],
        "agent_state_id": ["State ID"],
        "post_id": ["Post", "Message ID"],
        "help_request_id": ["Request ID", "Expert Help ID"],
    ]
}

extension ExportDescriptor {
    /// The merge roles of this export, given its `conversationReportType`: the sort key's time and id columns, and
    /// the de-duplication key (the id for one-row-per-event exports; time and id for interval buckets; whole rows
    /// for aggregates, which are never split by time).
    public func columnRoles(conversationReportType: ConversationReportType?) -> ColumnRoleNames {
        let key = sortKey(conversationReportType: conversationReportType)
        let time = key.timeColumn.map(ColumnRoleNames.candidates(for:)) ?? []
        let id = ColumnRoleNames.candidates(for: key.idColumn)
        let dedupe: [[String]]
        switch rowModel {
        case .events: dedupe = [id]
        case .intervalBuckets: dedupe = time.isEmpty ? [id] : [time, id]
        case .aggregate: dedupe = []
        }
        return ColumnRoleNames(time: time, id: id, key: dedupe)
    }
}
