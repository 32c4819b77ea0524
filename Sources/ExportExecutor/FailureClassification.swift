import AnalyticsClient
import ExportScheduling

/// The API calls whose failures the executor classifies.
enum APICall {
    case submit, status, download
}

extension AnalyticsClientError {
    /// The scheduler's failure class of this error, met during `call`.
    func failureClass(during call: APICall) -> FailureClass {
        if stopsRun { return .credentials }
        if mayHaveCreatedJob { return .outcomeUnknown }
        if isJobLevel { return .jobToken }
        if isBadRequest { return call == .download ? .jobToken : .permanent }
        switch call {
        case .submit, .status: return .transient
        case .download: return .jobToken
        }
    }
}
