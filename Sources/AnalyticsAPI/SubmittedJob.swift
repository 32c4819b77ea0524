/// A job the API accepted: its ids and URLs. The one job identity of the tool: journaled before anything else
/// happens to it, followed by its status URL, and stored on the coordinator's lease (without its download URL) so
/// a survivor can follow it should its runner die.
///
/// `statusURL` carries the job's access token and `downloadURL` may be signed: both are stored, never printed;
/// `description` redacts them. Encoded with the API's spelling (`statusUrl`, `downloadUrl`), as the coordinator's
/// stores have always kept it.
public struct SubmittedJob: Sendable, Codable, Hashable, CustomStringConvertible {
    public var workflowId: String
    public var runId: String
    /// Where to poll. Built from the ids when the API did not send one.
    public var statusURL: String
    /// Where to download once completed, when the API sent it at submit time.
    public var downloadURL: String?

    public init(workflowId: String, runId: String, statusURL: String, downloadURL: String? = nil) {
        self.workflowId = workflowId
        self.runId = runId
        self.statusURL = statusURL
        self.downloadURL = downloadURL
    }

    enum CodingKeys: String, CodingKey {
        case workflowId, runId
        case statusURL = "statusUrl"
        case downloadURL = "downloadUrl"
    }

    /// The job as another runner needs it to follow it: its ids and status URL, not its (signed) download link.
    public var withoutDownloadURL: SubmittedJob {
        SubmittedJob(workflowId: workflowId, runId: runId, statusURL: statusURL)
    }

    public var description: String { "job \(workflowId)/\(runId) (\(Redaction.redact(statusURL)))" }
}
