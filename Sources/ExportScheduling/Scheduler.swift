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
    /// Mixed with a digest of the plan's chunk ids to seed the poll and backoff jitter, so the same plan and events
    /// replay the same effects, in any process.
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
/// allocation, the coordinator's leases, timers, split lineage, the poll schedule, the failure policy and queue
/// backoff as values. No clock, no I/O: `now` comes with every call, effects go back to the driver (`Executor`),
/// which performs them in order and feeds their results back as events. The same plan and events replay the same
/// effects (the jitter is seeded from the plan's chunk ids).
///
/// ```
///  waiting ─▶ acquiring ─lease granted─▶ submitting ──answer──▶ following ──CLOSED/COMPLETED──▶ toDownload ─▶ …
///     ▲  ▲                                  │ outcome unknown        │ rejected (backoff, no attempt) / FAILED / token
///     │  └────────── hold expires ──────────┴─▶ holding              ▼
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
        /// A status has named the job queued at the server; the `queued` notice is sent once.
        var queued = false
        /// Re-attached from the journal: its start is unknown, so it teaches nothing about durations.
        var resumed = false
    }

    enum Phase: Sendable {
        case waiting(notBefore: Double)
        /// A slot of the core is taken; the coordinator's lease for it is being queued for.
        case acquiring(Slot)
        case submitting(Slot)
        /// A possible job (submit outcome unknown): its slot is held until `until`, then the chunk is resubmitted.
        case holding(Slot, until: Double)
        case following(Slot, Follow)
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
    public internal(set) var slots: SlotAllocation
    public internal(set) var backoff: QueueBackoff
    public internal(set) var learned: LearnedDurations
    /// Slots of abandoned jobs (stuck, unreadable, token refused, overrun) held until they would have ended.
    var abandoned: [(slot: Slot, until: Double)] = []
    /// Users with a submit on the wire: a user's submissions reach the server one at a time, heaviest first.
    var submittingUsers: Set<String> = []
    /// A status named a job queued (`QUEUED`, `WAITING`, `PENDING`): this service names its states, so a job it
    /// shows in flight and not queued is running.
    var serverNamesQueued = false
    var activeDownloads = 0
    /// Per export: the last final error and how many chunks in a row failed for good with it.
    var failureStreaks: [String: (error: String, count: Int)] = [:]
    var stoppedExports: Set<String> = []
    public internal(set) var counters = SchedulerCounters()
    public internal(set) var stopped: StopReason?
    var random: SplitMix64
    /// The chunk each split chunk was split from (this run's splits and, from the journal, earlier runs').
    public internal(set) var lineage: [String: String] = [:]
    /// Whether the coordinator has taken back what an earlier run left (`LeaseStep.reclaim`), and the chunks whose
    /// resumed jobs or holds still wait for their lease (adopted or claimed): nothing is polled, downloaded or
    /// submitted before both are settled, so a resumed run's jobs hold their slots before anything new queues.
    var reclaimed = false
    var attaching: Set<String> = []
    /// The reclaim left orphans to probe once this run's jobs hold their leases.
    var orphansToProbe = false
    /// Chunks whose journal state holds a slot from the start: their leases are adopted or claimed once reclaimed.
    var resumedSlots: [String] = []
    /// An interrupt came: nothing new is started; answers are still journaled.
    public internal(set) var interrupted = false
    /// The one timer armed with the driver, if any.
    var timer: SchedulerTimer?
    var nextTimerId = 1

    public init(
        configuration: SchedulerConfiguration, learned: LearnedDurations = LearnedDurations(),
        splitter: @escaping Splitter
    ) {
        self.configuration = configuration
        self.learned = learned
        self.splitter = splitter
        slots = SlotAllocation(outstandingPerUser: configuration.outstandingPerUser, limits: configuration.limits)
        backoff = configuration.backoff
        random = SplitMix64(seed: configuration.seed)
    }

    // MARK: - Queries

    /// Chunks of the plan (not orphans) that are done or still to do: a split chunk stands for its halves (the
    /// plan's leaves, as the end-of-run table and the summary count them).
    public var totalChunks: Int {
        let parents = Set(lineage.values)
        return entries.values.filter { !$0.orphan && !parents.contains($0.item.id) }.count
    }
    /// Whether nothing more will happen: the run stopped, or the coordinator answered the reclaim (so a store that
    /// cannot be used stops even a run with nothing left to do) and every chunk is verified, failed, split or
    /// retired.
    public var isFinished: Bool {
        stopped != nil || reclaimed && entries.values.allSatisfy { if case .done = $0.phase { true } else { false } }
    }

    /// The next instant at which time alone changes something (a poll, a hold's end, a backoff's end, the
    /// deadline), or nil when only an event can: what the core's timer (`SchedulerEffect.armTimer`) is set to.
    public func nextWakeup(after now: Double) -> Double? {
        guard stopped == nil, !interrupted else { return nil }
        // Before the leases are settled only the deadline can change something.
        guard isAttached else { return configuration.deadline }
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

    /// The state of chunk `id`, for tests and displays: waiting, acquiring, submitting, holding, following,
    /// toDownload, downloading, done.
    public func phaseName(of id: String) -> String? {
        guard let entry = entries[id] else { return nil }
        switch entry.phase {
        case .waiting: return "waiting"
        case .acquiring: return "acquiring"
        case .submitting: return "submitting"
        case .holding: return "holding"
        case .following: return "following"
        case .toDownload: return "toDownload"
        case .downloading: return "downloading"
        case .done: return "done"
        }
    }

    /// The slot chunk `id` holds (acquiring, submitting, holding or following).
    public func slot(of id: String) -> Slot? {
        switch entries[id]?.phase {
        case .acquiring(let slot), .submitting(let slot), .holding(let slot, _), .following(let slot, _): return slot
        default: return nil
        }
    }

    /// The chunk of the plan chunk `id` descends from (itself when it was never split).
    public func plannedAncestor(of id: String) -> String {
        var current = id
        var seen: Set<String> = [current]
        while let parent = lineage[current], seen.insert(parent).inserted { current = parent }
        return current
    }

    // MARK: - Start

    /// Takes the chunks as the journal left them; returns the first effects: the coordinator takes back what an
    /// earlier run left before anything else (`LeaseStep.reclaim`).
    public mutating func start(_ chunks: [ChunkStart], now: Double) -> [SchedulerEffect] {
        random = SplitMix64(seed: configuration.seed ^ Self.digest(chunks.map(\.item.id)))
        var effects: [SchedulerEffect] = []
        for chunk in chunks where entries[chunk.item.id] == nil {
            let item = chunk.item
            if let parent = item.parentId { lineage[item.id] = parent }
            var entry = Entry(item: item, phase: .waiting(notBefore: now), attempts: chunk.attempts)
            entry.orphan = !chunk.inPlan
            let user = chunk.user ?? configuration.users[0]
            switch chunk.state {
            case .planned, .failed: break
            case .split: continue
            case .verified:
                entry.phase = .done
                counters.verified += 1
                counters.reused += 1
                counters.rows += chunk.rows
                counters.bytes += chunk.bytes
            case .completed:
                guard let url = chunk.job?.downloadURL else { break }  // no link: submitted again
                entry.phase = .toDownload(url: url, user: user)
            case .submitted, .submitting:
                guard chunk.state == .submitted, let job = chunk.job else {
                    // The answer to a submit was lost: a job may exist; its slot is held first.
                    entry.phase = .holding(adopt(user), until: now + holdSeconds(of: item))
                    break
                }
                // A job in flight from an earlier run, re-attached through its status URL.
                entry.phase = .following(adopt(user), follow(job, now: now, item: item, resumed: true))
                if chunk.inPlan {
                    effects.append(
                        .notify(ProgressEvent(.reattached, chunk: item.id, export: item.exportName, user: user)))
                }
            }
            if case .following = entry.phase { resumedSlots.append(item.id) }
            if case .holding = entry.phase { resumedSlots.append(item.id) }
            entries[item.id] = entry
            order.append(item.id)
        }
        return settle(effects + [.lease(.reclaim)], now: now)
    }

    /// FNV-1a over the chunk ids, sorted: the same plan gives the same seed in every process (`Hasher` is seeded
    /// per process).
    static func digest(_ ids: [String]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for id in ids.sorted() {
            for byte in id.utf8 + [0] {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
        }
        return hash
    }

    mutating func adopt(_ user: String) -> Slot { slots.adopt(company: configuration.company, user: user) }

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
