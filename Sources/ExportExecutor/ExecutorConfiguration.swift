import AnalyticsAPI
import AnalyticsClient

/// How the executor behaves. All durations are in API seconds (see `timeScale`).
public struct ExecutorConfiguration: Sendable {
    /// The API users whose queues are pooled.
    public var users: [APICredentials]
    /// Jobs outstanding (running + queued) per user: default 2, the vendor's best practice; at most the
    /// documented 5.
    public var outstandingPerUser: Int
    /// The documented limits; the company caps bind across users.
    public var limits: QueueLimits
    /// Tries per chunk before it is split (or failed for good).
    public var attempts: Int
    /// Wait before retrying a failed chunk, multiplied by the attempts spent.
    public var cooldownSeconds: Double
    /// API seconds per real second (1 against the real API).
    public var timeScale: Double
    /// Where `chunks/` lives.
    public var stateDirectory: String
    /// Polling never comes closer together than this, nor further apart than `maximumPollSeconds`.
    public var minimumPollSeconds: Double
    public var maximumPollSeconds: Double
    /// Backoff after a queue rejection, growing with consecutive rejections of the same chunk.
    public var rejectionBackoff: RetryPolicy
    /// Chunks whose window ended less than this before they were verified are exported again next run.
    public var settleSeconds: Double
    /// Concurrent downloads.
    public var downloadConcurrency: Int
    /// A job whose status has not changed for this long is reported stuck, abandoned and submitted again
    /// (spending an attempt). The abandoned job is forgotten: its status URL is no longer polled.
    public var stuckAfterSeconds: Double

    public init(
        users: [APICredentials], outstandingPerUser: Int = APILimits.bestPracticeOutstandingPerUser,
        limits: QueueLimits = .documented, attempts: Int = 3, cooldownSeconds: Double = 60, timeScale: Double = 1,
        stateDirectory: String, minimumPollSeconds: Double = 5, maximumPollSeconds: Double = 120,
        rejectionBackoff: RetryPolicy = RetryPolicy(maxAttempts: .max, baseDelay: 30, maxDelay: 600),
        settleSeconds: Double = 2 * 86_400, downloadConcurrency: Int = 4, stuckAfterSeconds: Double = 6 * 3_600
    ) {
        self.users = users
        self.outstandingPerUser = outstandingPerUser
        self.limits = limits
        self.attempts = attempts
        self.cooldownSeconds = cooldownSeconds
        self.timeScale = timeScale
        self.stateDirectory = stateDirectory
        self.minimumPollSeconds = minimumPollSeconds
        self.maximumPollSeconds = maximumPollSeconds
        self.rejectionBackoff = rejectionBackoff
        self.settleSeconds = settleSeconds
        self.downloadConcurrency = downloadConcurrency
        self.stuckAfterSeconds = stuckAfterSeconds
    }

    /// Outstanding slots per user after applying the documented per-user queue cap.
    public var slotsPerUser: Int { max(1, min(outstandingPerUser, limits.queuedPerUser)) }

    /// Slots across all users after applying the company's queue cap.
    public var totalSlots: Int { min(users.count * slotsPerUser, limits.queuedPerCompany) }
}
