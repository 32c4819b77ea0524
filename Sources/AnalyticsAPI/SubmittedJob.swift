/// A job the API accepted: its ids and URLs, as journaled before anything else happens to it.
public struct SubmittedJob: Sendable, Codable, Hashable {
    public var workflowId: String
    public var runId: String
    /// Where to poll. Built from the ids when the API did not send one.
    public var statusURL: String
    /// Where to download once completed, when the API sent it at submit time.
    public var downloadURL: String?

    public init(workflowId: String, runId: String, statusURL: String, downloadURL: String?) {
        self.workflowId = workflowId
        self.runId = runId
        self.statusURL = statusURL
        self.downloadURL = downloadURL
    }
}
