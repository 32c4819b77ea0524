/// One entry of the deprecated `/reports/jobs` listing: `details` spelling, no `downloadUrl` while running.
struct DeprecatedJobEntry: Codable, Sendable {
    struct Info: Codable, Sendable {
        var workflowId: String
        var runId: String
        var downloadUrl: String?
    }
    struct Result: Codable, Sendable {
        var runnerState: String
        var reason: String?
        var details: String?

        init(runnerState: String, reason: String?, details: String?) {
            self.runnerState = runnerState
            self.reason = reason
            self.details = details
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            runnerState = try c.decode(String.self, forKey: .runnerState)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            details = try c.decodeIfPresent(String.self, forKey: .details)
        }

        enum CodingKeys: String, CodingKey {
            case runnerState, reason, details, currentCount, totalCount, lastAcknowledgeTime
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(runnerState, forKey: .runnerState)
            try c.encode(reason, forKey: .reason)
            try c.encode(details, forKey: .details)
            try c.encodeNil(forKey: .currentCount)
            try c.encodeNil(forKey: .totalCount)
            try c.encodeNil(forKey: .lastAcknowledgeTime)
        }
    }
    var jobInfo: Info
    var result: Result
}
