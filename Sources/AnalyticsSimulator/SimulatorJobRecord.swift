import AnalyticsAPI

/// One of our users' jobs as `GET /_sim/jobs` lists it: what was asked and how it ended, so tests can check
/// that no chunk was exported twice. Carries no token, URL or credential.
public struct SimulatorJobRecord: Codable, Sendable, Hashable {
    public var user: String
    public var export: String
    /// The request's parameters (window included), percent-encoded in a fixed order: equal for equal requests.
    public var request: String
    /// `WAITING`, `RUNNING` or `CLOSED`.
    public var state: String
    /// `COMPLETED`, `FAILED` or `""` while in flight.
    public var detail: String
    /// The job's status never closes (the `stuck` fault).
    public var stuck: Bool
    /// API time of the submission, epoch milliseconds.
    public var submittedAt: Int64

    public init(
        user: String, export: String, request: String, state: String, detail: String, stuck: Bool, submittedAt: Int64
    ) {
        self.user = user
        self.export = export
        self.request = request
        self.state = state
        self.detail = detail
        self.stuck = stuck
        self.submittedAt = submittedAt
    }
}
