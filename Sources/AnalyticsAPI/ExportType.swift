/// An export the Analytics Reports API offers, by the `report_type` that appears in its path.
///
/// The raw value is the wire id: `POST /api/public/reports/report/{rawValue}`.
public enum ExportType: String, CaseIterable, Sendable, Codable, Hashable, Comparable {
    case rawAgentStates = "raw_agent_states"
    case combined = "combined"
    case conversationActions = "conversation_actions"
    case conversationHistoryAction = "conversation_history_action"
    case author = "author"
    case conversation = "conversation"
    case rawExpertHelp = "raw_expert_help"
    case incomingPost = "incoming_post"
    case response = "response"
    case responseApproval = "response_approval"
    case teamPerformance = "team_performance"
    case teamPerformanceInterval = "team_performance_interval"
    case user = "user"

    /// The name the Care UI gives this export.
    public var displayName: String {
        switch self {
        case .rawAgentStates: "Agent State"
        case .combined: "Combined Raw"
        case .conversationActions: "Conversation Actions"
        case .conversationHistoryAction: "Conversation History Action"
        case .author: "Raw Author"
        case .conversation: "Raw Conversation"
        case .rawExpertHelp: "Raw Help Request"
        case .incomingPost: "Raw Incoming Post"
        case .response: "Raw Response"
        case .responseApproval: "Raw Response Approval"
        case .teamPerformance: "Raw Team Performance"
        case .teamPerformanceInterval: "Team Performance Interval"
        case .user: "User"
        }
    }

    /// All wire ids, sorted, for error messages ("valid types are …").
    public static var allIDs: [String] { allCases.map(\.rawValue).sorted() }

    public static func < (lhs: ExportType, rhs: ExportType) -> Bool { lhs.rawValue < rhs.rawValue }
}
