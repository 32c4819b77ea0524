import AnalyticsAPI

/// What kind of failure happened, as the scheduler acts on it. The driver classifies each error once; every
/// decision below depends only on the class, never on the error's text.
public enum FailureClass: String, Sendable, Hashable, Codable, CaseIterable {
    /// The job was too big: the server timed out, the job ran far past its estimate, or its FAILED reason says
    /// so. The only class that splits a chunk.
    case sizeRelated
    /// May work next time (network, 5xx that outlived the client's retries, a file that did not verify).
    case transient
    /// Closed at once with "too many exports": the queue was full. No attempt spent; backed off per user.
    case rejectedByQueue
    /// A submit whose request may have been accepted but whose answer was lost (5xx, timeout, reset, an
    /// undecodable 200), or a job whose status can no longer be read: a job may be running unseen.
    case outcomeUnknown
    /// The server refused the request (400) or the job FAILED without saying why: spends attempts, never splits.
    case permanent
    /// One job's token or link was refused or is gone (403/404/410 on its status or download): that job's problem.
    case jobToken
    /// 401, or 403 on a company-level call: nothing can succeed until the credentials are fixed. Stops the run.
    case credentials
}

/// A failure with the server's (redacted) words.
public struct Failure: Sendable, Hashable {
    public var failureClass: FailureClass
    public var message: String

    public init(_ failureClass: FailureClass, _ message: String) {
        self.failureClass = failureClass
        self.message = message
    }
}

/// The failure policy: what to do after a failure of a given class, as a value.
public struct FailurePolicy: Sendable, Hashable {
    /// Tries per chunk (submissions that spent an attempt) before it fails for good.
    public var attempts: Int
    /// Wait before retrying, multiplied by the attempts spent.
    public var cooldownSeconds: Double
    /// A possible job's slot is held for its expected seconds × this, then the chunk is submitted again.
    public var holdFactor: Double
    /// Chunks of one export failing for good in a row with the same error before that export stops.
    public var failureBudget: Int
    /// Consecutive status answers that do not decode before the job is given up as unreadable.
    public var undecodableStatusLimit: Int
    /// A job still running at this many times its expected seconds (and past `sizeRelatedMinimumSeconds`) is
    /// taken as too big: it is abandoned (its slot held until it would have ended) and the chunk split.
    public var overrunFactor: Double
    public var sizeRelatedMinimumSeconds: Double
    /// A job whose status has never answered and is refused (403/404/410) in its first `newJobGracePolls` polls, or
    /// within `newJobGraceSeconds` of its submit, is asked again rather than given up: an eventually consistent job
    /// store may not know it yet, and a resubmit would run it twice. (Polls as well as seconds: the schedule's first
    /// polls are seconds apart, and a busy machine may answer them late.)
    public var newJobGraceSeconds: Double
    public var newJobGracePolls: Int

    public init(
        attempts: Int = 3, cooldownSeconds: Double = 60, holdFactor: Double = 1.5, failureBudget: Int = 3,
        undecodableStatusLimit: Int = 10, overrunFactor: Double = 20, sizeRelatedMinimumSeconds: Double = 3_600,
        newJobGraceSeconds: Double = 60, newJobGracePolls: Int = 3
    ) {
        self.newJobGraceSeconds = newJobGraceSeconds
        self.newJobGracePolls = newJobGracePolls
        self.attempts = max(1, attempts)
        self.cooldownSeconds = cooldownSeconds
        self.holdFactor = holdFactor
        self.failureBudget = max(1, failureBudget)
        self.undecodableStatusLimit = max(1, undecodableStatusLimit)
        self.overrunFactor = overrunFactor
        self.sizeRelatedMinimumSeconds = sizeRelatedMinimumSeconds
    }

    public enum Decision: Sendable, Hashable {
        /// Submit again after `after` seconds (an attempt was spent).
        case retry(after: Double)
        /// Replace the chunk by its halves.
        case split
        /// The chunk failed for good.
        case fail
        /// Stop the whole run.
        case stopRun
        /// Back off and submit again; no attempt spent.
        case backOff
    }

    /// The decision after a failure of `failureClass`, with `spent` attempts spent including this one.
    public func decide(_ failureClass: FailureClass, spent: Int, canSplit: Bool) -> Decision {
        switch failureClass {
        case .credentials: return .stopRun
        case .rejectedByQueue: return .backOff
        case .sizeRelated:
            if canSplit { return .split }
            return spent < attempts ? .retry(after: cooldownSeconds * Double(spent)) : .fail
        case .transient, .permanent, .outcomeUnknown:
            return spent < attempts ? .retry(after: cooldownSeconds * Double(spent)) : .fail
        case .jobToken:
            // The job is gone or out of reach; a new job is the cure, at once.
            return spent < attempts ? .retry(after: 0) : .fail
        }
    }

    /// Whether a refusal (403/404/410) of the status of a job whose status has never answered, at its `polls`-th
    /// poll and `seconds` after its submit, is within the new job's grace (ask again rather than give it up).
    public func isWithinNewJobGrace(polls: Int, seconds: Double) -> Bool {
        polls <= newJobGracePolls || seconds < newJobGraceSeconds
    }

    /// Whether a server's FAILED reason, or a close detail other than FAILED (a workflow engine's `TIMED_OUT`),
    /// says the job was too big (split it rather than retry it).
    public static func isSizeRelated(_ reason: String?) -> Bool {
        guard let reason = reason?.lowercased().replacingOccurrences(of: "_", with: " ") else { return false }
        return ["timed out", "timeout", "too large", "too many rows", "exceeded", "too big", "row limit"].contains {
            reason.contains($0)
        }
    }
}
