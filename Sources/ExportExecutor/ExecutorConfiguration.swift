import AnalyticsAPI
import AnalyticsClient
import ExportCoordination
import ExportScheduling
import Foundation

/// How the executor behaves. All durations are in API seconds, on `clock`.
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
    /// The run's time: `ScaledClock(scale: 1)` against the real API, the simulator's scale against a simulator,
    /// a `ManualClock` in tests. Give the client the same clock.
    public var clock: any APIClock
    /// Where `chunks/` lives.
    public var stateDirectory: String
    /// Polling never comes closer together than this, nor further apart than `maximumPollSeconds`.
    public var minimumPollSeconds: Double
    public var maximumPollSeconds: Double
    /// Backoff after a queue rejection, per user (and per company when several users are rejected): its
    /// `baseDelay` doubles with each rejection in a row, up to `maxDelay` (the stated cap). Attempts are unused.
    public var rejectionBackoff: RetryPolicy
    /// Chunks whose window ended less than this before they were verified are exported again next run.
    public var settleSeconds: Double
    /// Concurrent downloads.
    public var downloadConcurrency: Int
    /// A job whose status has not changed for this long is reported stuck, abandoned and submitted again
    /// (spending an attempt). The abandoned job is no longer polled.
    public var stuckAfterSeconds: Double
    /// `run.deadline`: the run stops cleanly this many API seconds after it started (journal kept), or never.
    public var deadlineSeconds: Double?
    /// Chunks of one export failing for good in a row with the same error before that export stops.
    public var failureBudget: Int
    /// The company's shared slots (docs/coordination.md); nil: an in-process coordinator of this run alone.
    public var coordination: ExecutorCoordination?

    public init(
        users: [APICredentials], outstandingPerUser: Int = APILimits.bestPracticeOutstandingPerUser,
        limits: QueueLimits = .documented, attempts: Int = 3, cooldownSeconds: Double = 60,
        clock: any APIClock = ScaledClock(),
        stateDirectory: String, minimumPollSeconds: Double = 2, maximumPollSeconds: Double = 120,
        rejectionBackoff: RetryPolicy = RetryPolicy(maxAttempts: .max, baseDelay: 30, maxDelay: 600),
        settleSeconds: Double = 2 * 86_400, downloadConcurrency: Int = 4, stuckAfterSeconds: Double = 6 * 3_600,
        deadlineSeconds: Double? = nil, failureBudget: Int = 3, coordination: ExecutorCoordination? = nil
    ) {
        self.users = users
        self.outstandingPerUser = outstandingPerUser
        self.limits = limits
        self.attempts = attempts
        self.cooldownSeconds = cooldownSeconds
        self.clock = clock
        self.stateDirectory = stateDirectory
        self.minimumPollSeconds = minimumPollSeconds
        self.maximumPollSeconds = maximumPollSeconds
        self.rejectionBackoff = rejectionBackoff
        self.settleSeconds = settleSeconds
        self.downloadConcurrency = downloadConcurrency
        self.stuckAfterSeconds = stuckAfterSeconds
        self.deadlineSeconds = deadlineSeconds
        self.failureBudget = failureBudget
        self.coordination = coordination
    }
}

extension ExecutorConfiguration {
    /// The core's configuration for a run started at `startedAt` (API time). The jitter's seed comes from the plan
    /// (`Scheduler.start`), never from the time or the process.
    func scheduler(startedAt: Double) -> SchedulerConfiguration {
        SchedulerConfiguration(
            users: users.map(\.username), outstandingPerUser: outstandingPerUser, limits: limits,
            failure: FailurePolicy(attempts: attempts, cooldownSeconds: cooldownSeconds, failureBudget: failureBudget),
            poll: PollSchedule(minimum: minimumPollSeconds, maximum: maximumPollSeconds),
            backoff: QueueBackoff(base: rejectionBackoff.baseDelay, cap: rejectionBackoff.maxDelay),
            stuckAfterSeconds: stuckAfterSeconds, deadline: deadlineSeconds.map { startedAt + $0 },
            downloadConcurrency: downloadConcurrency)
    }
}

/// Where a run takes its slots: the coordinator every runner of the company shares, the company's scope in it,
/// the limits it asks under and who it is.
public struct ExecutorCoordination: Sendable {
    public var coordinator: any Coordinator
    public var scope: SlotScope
    public var limits: SlotLimits
    public var holder: HolderIdentity
    /// How often leases are renewed (a third of `leaseDuration`) and orphans probed.
    public var timing: CoordinationTiming

    public init(
        coordinator: any Coordinator, scope: SlotScope, limits: SlotLimits, holder: HolderIdentity,
        timing: CoordinationTiming? = nil
    ) {
        self.coordinator = coordinator
        self.scope = scope
        self.limits = limits
        self.holder = holder
        self.timing = timing ?? (coordinator as? TableCoordinator)?.timing ?? .standard
    }

    /// A coordinator of this run alone (the limits shared with nothing else): `--coordinator none`, tests.
    public static func inProcess(limits: SlotLimits, pipeline: String = "exportpipe") -> ExecutorCoordination {
        ExecutorCoordination(
            coordinator: TableCoordinator.inProcess(),
            scope: SlotScope(origin: "in-process://run", companyDigest: UUID().uuidString.lowercased()),
            limits: limits, holder: .current(pipeline: pipeline))
    }
}
