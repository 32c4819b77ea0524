import AnalyticsAPI

/// How the scheduler behaves. Durations are API seconds; `deadline` is a time of the run's `APIClock`.
public struct SchedulerConfiguration: Sendable {
    /// The company whose queue the users share (the coordinator's key).
    public var company: String
    /// API users whose queues are pooled, in preference order.
    public var users: [String]
    public var outstandingPerUser: Int
    public var limits: QueueLimits
    public var failure: FailurePolicy
    public var poll: PollSchedule
    public var backoff: QueueBackoff
    /// A job whose status has not changed for this long is abandoned and its chunk submitted again.
    public var stuckAfterSeconds: Double
    /// When the run stops cleanly (journal kept), or nil.
    public var deadline: Double?
    public var downloadConcurrency: Int
    /// Seeds the poll jitter, so a run of the core replays exactly.
    public var seed: UInt64

    public init(
        company: String = "company", users: [String],
        outstandingPerUser: Int = APILimits.bestPracticeOutstandingPerUser,
        limits: QueueLimits = .documented, failure: FailurePolicy = FailurePolicy(),
        poll: PollSchedule = PollSchedule(),
        backoff: QueueBackoff = QueueBackoff(), stuckAfterSeconds: Double = 6 * 3_600, deadline: Double? = nil,
        downloadConcurrency: Int = 4, seed: UInt64 = 1
    ) {
        self.company = company
        self.users = users
        self.outstandingPerUser = outstandingPerUser
        self.limits = limits
        self.failure = failure
        self.poll = poll
        self.backoff = backoff
        self.stuckAfterSeconds = stuckAfterSeconds
        self.deadline = deadline
        self.downloadConcurrency = max(1, downloadConcurrency)
        self.seed = seed
    }
}

/// The executor's pure core: every chunk's lifecycle as `(state, event) → (state, [effect])`, with slot
/// allocation, the poll schedule, the failure policy and queue backoff as values. No clock, no I/O: `now` comes
/// with every call, effects go back to the driver (`Executor`), which performs them in order and feeds their
/// results back as events.
///
/// ```
///  waiting ──submit──▶ submitting ──answer──▶ following ──CLOSED/COMPLETED──▶ toDownload ─▶ downloading ─▶ verified
///     ▲  ▲                 │ outcome unknown                │ rejected (backoff, no attempt) / FAILED / token
///     │  └── hold expires ─┴─▶ holding                      ▼
///     └──────────────── retry (attempt spent) ◀── failure policy ──▶ split (children waiting) │ failed
/// ```
public struct Scheduler: Sendable {
    public typealias Splitter = @Sendable (WorkItem) -> [WorkItem]?

    struct Follow: Sendable {
        var job: SubmittedJob
        var started: Double
        var belief: DurationBelief
        var expected: Double { belief.expected }
        var polls = 0
        var nextPoll: Double
        var polling = false
        var lastProgress: String?
        var lastChange: Double
        /// When the first status answer came: overrun is measured from it, so a late first poll is not an overrun.
        var firstAnswer: Double?
        /// When the last answer showing the job in flight came: the job ended between it and the CLOSED answer.
        var lastInFlight: Double?
        var unreadable = 0
        var accepted = false
        /// A status has shown the job running (not only queued); the `running` notice is sent once.
        var running = false
        /// Re-attached from the journal: its start is unknown, so it teaches nothing about durations.
        var resumed = false
    }

    enum Phase: Sendable {
        case waiting(notBefore: Double)
        case submitting(Lease)
        /// A possible job (submit outcome unknown): its slot is held until `until`, then the chunk is resubmitted.
        case holding(Lease, until: Double)
        case following(Lease, Follow)
        case toDownload(url: String, user: String)
        case downloading(url: String, user: String)
        case done
    }

    struct Entry: Sendable {
        var item: WorkItem
        var phase: Phase
        var attempts: Int
        var orphan = false
        var downloadTries = 0
    }

    public let configuration: SchedulerConfiguration
    let splitter: Splitter
    var entries: [String: Entry] = [:]
    /// Ids in the order they became known (for stable iteration).
    var order: [String] = []
    public internal(set) var slots: any SlotAllocating
    public internal(set) var backoff: QueueBackoff
    public internal(set) var learned: LearnedDurations
    /// Slots of abandoned jobs (stuck, unreadable, token refused, overrun) held until they would have ended.
    var abandoned: [(lease: Lease, until: Double)] = []
    /// Users with a submit on the wire: a user's submissions reach the server one at a time, heaviest first.
    var submittingUsers: Set<String> = []
    var activeDownloads = 0
    /// Per export: the last final error and how many chunks in a row failed for good with it.
    var failureStreaks: [String: (error: String, count: Int)] = [:]
    var stoppedExports: Set<String> = []
    public internal(set) var counters = SchedulerCounters()
    public internal(set) var stopped: StopReason?
    var random: SplitMix64

    public init(
        configuration: SchedulerConfiguration, learned: LearnedDurations = LearnedDurations(),
        slots: (any SlotAllocating)? = nil, splitter: @escaping Splitter
    ) {
        self.configuration = configuration
        self.learned = learned
        self.splitter = splitter
        self.slots =
            slots ?? SlotAllocation(outstandingPerUser: configuration.outstandingPerUser, limits: configuration.limits)
        backoff = configuration.backoff
        random = SplitMix64(seed: configuration.seed)
    }

    // MARK: - Queries

    /// Chunks of the plan (not orphans) that are done or still to do.
    public var totalChunks: Int { entries.values.filter { !$0.orphan }.count }
    /// Whether nothing more will happen: every chunk is verified, failed, split or retired, or the run stopped.
    public var isFinished: Bool {
        stopped != nil || entries.values.allSatisfy { if case .done = $0.phase { true } else { false } }
    }

    /// The next instant at which time alone changes something (a poll, a hold's end, a backoff's end, the
    /// deadline), or nil when only an event can. It may be `<= now` (a poll came due while the driver was busy):
    /// the driver then sends `.tick` at once.
    public func nextWakeup(after now: Double) -> Double? {
        guard stopped == nil else { return nil }
        // Times that always lead to an action when they come.
        var times: [Double] = abandoned.map(\.until)
        // Times that matter only in the future (a due chunk without a free slot waits for an event).
        var later: [Double] = []
        var anyWaiting = false
        for entry in entries.values {
            switch entry.phase {
            case .waiting(let notBefore):
                anyWaiting = true
                later.append(notBefore)
            case .holding(_, let until): times.append(until)
            case .following(_, let follow) where !follow.polling: times.append(follow.nextPoll)
            default: break
            }
        }
        if anyWaiting { later += configuration.users.map { backoff.readyAt(user: $0) } }
        if let deadline = configuration.deadline { times.append(deadline) }
        return (times + later.filter { $0 > now }).min()
    }

    /// The expected seconds of a chunk's job: the estimate corrected by what this export's jobs really took.
    public func expectedSeconds(of item: WorkItem) -> Double { belief(of: item).expected }

    /// How long the slot of a chunk's job that may still run is held: the learned submit-to-CLOSED-seen time ×
    /// `FailurePolicy.holdFactor` (never the midpoint estimate, which can be shorter than a job really ran).
    public func holdSeconds(of item: WorkItem) -> Double {
        max(1, learned.holdSeconds(export: item.exportName, estimate: item.expectedSeconds))
            * configuration.failure.holdFactor
    }

    /// What a chunk's job is expected to take, and how far that can be trusted (`LearnedDurations.belief`).
    public func belief(of item: WorkItem) -> DurationBelief {
        var belief = learned.belief(export: item.exportName, estimate: item.expectedSeconds)
        belief.expected = max(1, belief.expected)
        return belief
    }

    /// The state of chunk `id`, for tests and displays: waiting, submitting, holding, following, toDownload,
    /// downloading, done.
    public func phaseName(of id: String) -> String? {
        guard let entry = entries[id] else { return nil }
        switch entry.phase {
        case .waiting: return "waiting"
        case .submitting: return "submitting"
        case .holding: return "holding"
        case .following: return "following"
        case .toDownload: return "toDownload"
        case .downloading: return "downloading"
        case .done: return "done"
        }
    }

    /// The slot chunk `id` holds (submitting, holding or following), for the driver's coordinator leases.
    public func lease(of id: String) -> Lease? {
        switch entries[id]?.phase {
        case .submitting(let lease), .holding(let lease, _), .following(let lease, _): return lease
        default: return nil
        }
    }

    // MARK: - Start

    /// Takes the chunks as the journal left them; returns the first effects.
    public mutating func start(_ chunks: [ChunkStart], now: Double) -> [SchedulerEffect] {
        var effects: [SchedulerEffect] = []
        for chunk in chunks where entries[chunk.item.id] == nil {
            let item = chunk.item
            var entry = Entry(item: item, phase: .waiting(notBefore: now), attempts: chunk.attempts)
            switch chunk.state {
            case .fresh: break
            case .verified(let rows, let bytes):
                entry.phase = .done
                counters.verified += 1
                counters.reused += 1
                counters.rows += rows
                counters.bytes += bytes
            case .completed(let user, let url):
                entry.phase = .toDownload(url: url, user: user)
            case .inFlight(let user, let job):
                entry.phase = .following(adopt(user), follow(job, now: now, item: item, resumed: true))
                effects.append(.notify(Notice(.reattached, chunk: item.id, export: item.exportName, user: user)))
            case .unknownOutcome(let user):
                entry.phase = .holding(
                    adopt(user), until: now + holdSeconds(of: item))
            case .orphan(let user, let job):
                entry.orphan = true
                if let job {
                    entry.phase = .following(adopt(user), follow(job, now: now, item: item, resumed: true))
                } else {
                    entry.phase = .holding(
                        adopt(user), until: now + holdSeconds(of: item))
                }
            }
            entries[item.id] = entry
            order.append(item.id)
        }
        return effects + pass(now: now)
    }

    mutating func adopt(_ user: String) -> Lease { slots.adopt(company: configuration.company, user: user) }

    func follow(_ job: SubmittedJob, now: Double, item: WorkItem, resumed: Bool) -> Follow {
        let belief = belief(of: item)
        // A re-attached job has been running for an unknown time: ask at once.
        let first =
            resumed ? now : now + configuration.poll.nextOffset(polls: 0, elapsed: 0, belief: belief, jitter: 1)
        return Follow(
            job: job, started: now, belief: belief, nextPoll: first, lastChange: now, accepted: resumed,
            resumed: resumed)
    }

    mutating func jitter() -> Double { 0.9 + 0.2 * random.unit() }
}
