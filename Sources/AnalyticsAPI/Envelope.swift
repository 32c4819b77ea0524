/// The API's response envelope: `{"status":"PASS","request":null,"message":null,"result":…}`.
///
/// On errors the simulator answers `status: "FAIL"` with a human-readable `message` and the same text as the
/// `result` string (the real API documents a string `result` for errors; the FAIL word is inferred).
public struct Envelope<Result: Codable & Sendable>: Codable, Sendable {
    public var status: String
    public var request: String?
    public var message: String?
    public var result: Result

    public init(status: String = Envelope.pass, message: String? = nil, result: Result) {
        self.status = status
        self.request = nil
        self.message = message
        self.result = result
    }

    public static var pass: String { "PASS" }
    public static var fail: String { "FAIL" }

    enum CodingKeys: String, CodingKey { case status, request, message, result }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(request, forKey: .request)  // always written, as null
        try container.encode(message, forKey: .message)
        try container.encode(result, forKey: .result)
    }
}

/// `runnerState`: documented values are `RUNNING` and `CLOSED`; anything else is kept verbatim.
public struct RunnerState: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let running = RunnerState(rawValue: "RUNNING")
    public static let closed = RunnerState(rawValue: "CLOSED")
    public var description: String { rawValue }

    /// Whether this is `other`'s word in any case (nothing says a gateway or a later version keeps them upper-case).
    public func means(_ other: RunnerState) -> Bool { rawValue.uppercased() == other.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A job's ids and URLs as the API spells them: the `result` of a submit, and the `jobInfo` of a status. The
/// client turns it into the tool's one job identity, `SubmittedJob`.
public struct JobInfo: Codable, Sendable, Hashable {
    public var workflowId: String
    public var runId: String
    public var downloadUrl: String?
    public var statusUrl: String?

    public init(workflowId: String, runId: String, downloadUrl: String?, statusUrl: String?) {
        self.workflowId = workflowId
        self.runId = runId
        self.downloadUrl = downloadUrl
        self.statusUrl = statusUrl
    }
}

/// The state part of a status: `result.result`.
public struct JobResult: Codable, Sendable, Hashable {
    public var runnerState: RunnerState
    public var reason: String?
    /// `""` while running, `COMPLETED` or `FAILED` (or another close word) once closed.
    public var detail: String?
    public var currentCount: Int64?
    public var totalCount: Int64?
    public var lastAcknowledgeTime: Int64?

    public init(
        runnerState: RunnerState, reason: String?, detail: String?, currentCount: Int64? = nil,
        totalCount: Int64? = nil, lastAcknowledgeTime: Int64? = nil
    ) {
        self.runnerState = runnerState
        self.reason = reason
        self.detail = detail
        self.currentCount = currentCount
        self.totalCount = totalCount
        self.lastAcknowledgeTime = lastAcknowledgeTime
    }

    enum CodingKeys: String, CodingKey {
        case runnerState, reason, detail, details, currentCount, totalCount, lastAcknowledgeTime
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runnerState = try container.decode(RunnerState.self, forKey: .runnerState)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        // The deprecated jobs listing spells it `details`.
        detail =
            try container.decodeIfPresent(String.self, forKey: .detail)
            ?? container.decodeIfPresent(String.self, forKey: .details)
        currentCount = try? container.decodeIfPresent(Int64.self, forKey: .currentCount)
        totalCount = try? container.decodeIfPresent(Int64.self, forKey: .totalCount)
        lastAcknowledgeTime = try? container.decodeIfPresent(Int64.self, forKey: .lastAcknowledgeTime)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runnerState, forKey: .runnerState)
        try container.encode(reason, forKey: .reason)
        try container.encode(detail, forKey: .detail)
        try container.encode(currentCount, forKey: .currentCount)
        try container.encode(totalCount, forKey: .totalCount)
        try container.encode(lastAcknowledgeTime, forKey: .lastAcknowledgeTime)
    }

    /// Whether this status shows the job really running, not only queued. The API documents no QUEUED state (a
    /// queued job shows RUNNING/"" too), so the evidence is a progress counter above 0 or an acknowledge time;
    /// a `QUEUED`/`WAITING`/`PENDING` runnerState, should one appear, is queued. False when nothing tells.
    public var showsRunning: Bool {
        guard runnerState.means(.running) else { return false }
        return (currentCount ?? 0) > 0 || lastAcknowledgeTime != nil
    }

    /// Whether this status names the job waiting at the server: a `QUEUED`, `WAITING` or `PENDING` runnerState
    /// (any case). The API documents none of them; a service that names the state this way also tells, by leaving
    /// it, that the job runs.
    public var showsQueued: Bool {
        ["QUEUED", "WAITING", "PENDING"].contains(runnerState.rawValue.uppercased())
    }

    /// The documented close details.
    public static let completed = "COMPLETED"
    public static let failed = "FAILED"
}

/// The `result` of a status call: `{jobInfo, result}`.
///
/// The API documents two shapes: an object (job ready) and an array holding one such object (still running,
/// failed). Decoding accepts both; `StatusPayload.encode` writes whichever form it was built with.
public struct JobStatus: Codable, Sendable, Hashable {
    public var jobInfo: JobInfo
    public var result: JobResult

    public init(jobInfo: JobInfo, result: JobResult) {
        self.jobInfo = jobInfo
        self.result = result
    }

    /// What the status means for a client.
    public var outcome: JobOutcome {
        // The documented words, in any case.
        if !result.runnerState.means(.closed) { return .inFlight }
        if result.detail?.uppercased() == JobResult.completed { return .completed }
        // Recognised by its phrase, in either field and any case: the sentence's exact wording is not documented.
        if APILimits.isQueueRejection(result.reason) || APILimits.isQueueRejection(result.detail) {
            return .rejectedByQueue
        }
        return .failed(reason: result.reason, detail: result.detail)
    }
}

/// A status as a client acts on it.
public enum JobOutcome: Sendable, Hashable {
    /// RUNNING (or any state that is not CLOSED): poll again later.
    case inFlight
    /// CLOSED + COMPLETED: download.
    case completed
    /// CLOSED with "too many exports" (any case) in its reason or detail: the queue was full; resubmit when a slot
    /// frees.
    case rejectedByQueue
    /// CLOSED with any other detail: the job failed, with the server's reason.
    case failed(reason: String?, detail: String?)
}

/// A status `result` in either documented form.
public struct StatusPayload: Codable, Sendable, Hashable {
    public var status: JobStatus
    /// Whether the payload came (or goes) as the one-element array form.
    public var isArrayForm: Bool

    public init(_ status: JobStatus, arrayForm: Bool = false) {
        self.status = status
        self.isArrayForm = arrayForm
    }

    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            guard !array.isAtEnd else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "status result is an empty array"))
            }
            status = try array.decode(JobStatus.self)
            isArrayForm = true
        } else {
            status = try JobStatus(from: decoder)
            isArrayForm = false
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if isArrayForm {
            var array = encoder.unkeyedContainer()
            try array.encode(status)
        } else {
            try status.encode(to: encoder)
        }
    }
}

/// One entry of the `/api/public/teams` listing.
public struct TeamInfo: Codable, Sendable, Hashable {
    public var uuid: String
    public var teamId: Int64
    public var name: String
    public var description: String?
    public var numberOfMembers: Int

    public init(uuid: String, teamId: Int64, name: String, description: String?, numberOfMembers: Int) {
        self.uuid = uuid
        self.teamId = teamId
        self.name = name
        self.description = description
        self.numberOfMembers = numberOfMembers
    }
}

/// One entry of the `/api/public/config/timezones` listing.
public struct TimezoneInfo: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var shortName: String
    public var offsetString: String
    public var offsetMillis: Int64

    public init(id: String, name: String, shortName: String, offsetString: String, offsetMillis: Int64) {
        self.id = id
        self.name = name
        self.shortName = shortName
        self.offsetString = offsetString
        self.offsetMillis = offsetMillis
    }
}
