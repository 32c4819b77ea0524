import AnalyticsAPI

/// Where a chunk stands when the run starts, as the driver read it from the journal: its journal state (the one
/// chunk-state vocabulary, `ChunkState`) and what that state carries.
public struct ChunkStart: Sendable, Hashable {
    public var item: WorkItem
    /// Attempts spent by earlier runs.
    public var attempts: Int
    /// `planned` (to submit: new, failed before, or a verified chunk to export again), `verified` (still good),
    /// `completed` (to download), `submitted` (a job to re-attach), `submitting` (the submit's answer was lost: a
    /// job may exist, its slot is held first) or `split` (kept for the lineage; its halves start on their own).
    public var state: ChunkState
    /// The API user its job was (or may have been) submitted as.
    public var user: String?
    /// Its job, when the journal has one (a completed job's download link in `downloadURL`).
    public var job: SubmittedJob?
    /// A verified chunk's rows and bytes.
    public var rows: Int64 = 0
    public var bytes: Int64 = 0
    /// False for a job the journal holds in flight for a chunk no longer in the plan: followed to CLOSED (or, with
    /// no job, held), counted against the limits, then retired.
    public var inPlan = true

    /// A chunk to submit.
    public init(_ item: WorkItem, attempts: Int = 0) {
        self.item = item
        self.attempts = attempts
        state = .planned
    }

    public init(_ item: WorkItem, attempts: Int = 0, _ state: ChunkState, user: String?, job: SubmittedJob? = nil) {
        self.item = item
        self.attempts = attempts
        self.state = state
        self.user = user
        self.job = job
    }

    /// Verified by an earlier run and still good.
    public static func verified(_ item: WorkItem, rows: Int64, bytes: Int64) -> ChunkStart {
        var start = ChunkStart(item, .verified, user: nil)
        (start.rows, start.bytes) = (rows, bytes)
        return start
    }

    /// A job the journal holds in flight (or a submit whose answer was lost, with no job) for a chunk no longer in
    /// the plan.
    public static func orphan(_ item: WorkItem, attempts: Int = 0, user: String, job: SubmittedJob?) -> ChunkStart {
        var start = ChunkStart(item, attempts: attempts, job == nil ? .submitting : .submitted, user: user, job: job)
        start.inPlan = false
        return start
    }
}

/// Something that happened, fed to `Scheduler.handle`.
public enum SchedulerEvent: Sendable, Hashable {
    /// Time passed (tests, and a driver that looks at the clock without a timer).
    case tick
    /// The timer of `SchedulerEffect.armTimer` with this id fired (it may fire a hair before its instant reads as
    /// passed: the core takes the later of the two).
    case timerFired(Int)
    /// The run is being stopped (an interrupt): nothing new is started or woken for; answers still arriving are
    /// journaled, so the journal holds what is in flight.
    case interrupt
    /// The coordinator answered a `SchedulerEffect.lease` step.
    case lease(LeaseAnswer)
    case submitAnswered(chunk: String, job: SubmittedJob)
    case submitFailed(chunk: String, Failure)
    /// A decoded status. `progress` identifies what the status showed (state, detail, counters): a change in it
    /// counts as progress for stuck detection. `running`: the status shows the job running, not only queued
    /// (`JobResult.showsRunning`). `queued`: the status names the job waiting at the server (`JobResult.showsQueued`).
    case statusAnswered(
        chunk: String, outcome: JobOutcome, progress: String, downloadURL: String?, running: Bool = false,
        queued: Bool = false)
    case statusFailed(chunk: String, Failure)
    /// The file is in place, checked: rows, bytes, digest, path relative to the state directory.
    case downloaded(chunk: String, rows: Int64, bytes: Int64, sha256: String, file: String)
    case downloadFailed(chunk: String, Failure)
}

/// What the company's coordinator is to do with the slots the core decides (docs/coordination.md). Each `Slot` of
/// the core is backed by one coordinator lease; the driver keeps which lease backs which slot, nothing else.
public enum LeaseStep: Sendable, Hashable {
    /// Take back what an earlier run of this state directory left (`Coordinator.reclaim`), after checking that the
    /// store answers. Answered by `.reclaimed`; nothing else is done before it.
    case reclaim
    /// Queue for the lease of `slot` (behind every runner of the company, after its shared backoff): chunk
    /// `chunk`'s submit goes out when it is granted (`.granted`). `noJobGrace`: API seconds the lease keeps its
    /// slots should this process die before the submit answers (the hold of an unanswered submit).
    case acquire(Slot, chunk: String, noJobGrace: Double)
    /// Take over the lease of a job the journal has in flight (`Coordinator.adopt`); answered by `.adopted`.
    case adopt(Slot, chunk: String, job: SubmittedJob)
    /// Take a lease at once, over the limits if need be, for a job or hold that exists already; answered by
    /// `.claimed`.
    case claim(Slot, chunk: String, job: SubmittedJob?, noJobGrace: Double)
    /// Store the job the slot's submit created (its ids and status URL), so a survivor can follow it should this
    /// process die.
    case record(Slot, job: SubmittedJob)
    /// Free the lease: its job was seen CLOSED, its submit refused, its hold over.
    case release(Slot)
    /// A queue rejection: nothing in the company is granted before `until` (API time), for every runner.
    case noteRejection(until: Double)
    /// Probe the orphans of dead runners now (the reclaim made the earlier run's job leases orphans due at once;
    /// those this run did not adopt are freed as soon as their jobs are seen CLOSED). Sent once this run's own
    /// jobs hold their leases again.
    case probeOrphans
}

/// The coordinator's answer to a `LeaseStep`.
public enum LeaseAnswer: Sendable, Hashable {
    /// `freed`: leases without a job the earlier run left, freed; `orphaned`: its leases with a job, made orphans.
    case reclaimed(freed: Int, orphaned: Int = 0)
    case granted(chunk: String)
    /// `found`: a lease held the job and is now this run's; otherwise the core claims one.
    case adopted(chunk: String, found: Bool)
    case claimed(chunk: String)
}

/// A timer the core arms (and cancels) through its effects; its firing comes back as `.timerFired(id)`.
public struct SchedulerTimer: Sendable, Hashable {
    public var id: Int
    /// The API time it fires at.
    public var at: Double
}

/// A journal write. The driver performs it before any later effect of the same list.
public enum JournalStep: Sendable, Hashable {
    case submitting(chunk: String, user: String)
    case submitted(chunk: String, job: SubmittedJob)
    /// `jobSeconds`: the job's length as learned (`Scheduler.jobSeconds`); `closedSeconds`: submit to the answer
    /// that showed CLOSED (never shorter than the job, for holds).
    case completed(chunk: String, downloadURL: String?, jobSeconds: Double, closedSeconds: Double)
    case verified(chunk: String, rows: Int64, bytes: Int64, sha256: String, file: String)
    case rejected(chunk: String)
    case attemptFailed(chunk: String, error: String, final: Bool)
    case split(chunk: String, error: String, children: [WorkItem])
    /// A job of a chunk no longer in the plan closed: forget it.
    case retired(chunk: String)

    public var chunk: String {
        switch self {
        case .submitting(let c, _), .submitted(let c, _), .completed(let c, _, _, _), .verified(let c, _, _, _, _),
            .rejected(let c), .attemptFailed(let c, _, _), .split(let c, _, _), .retired(let c):
            c
        }
    }
}

/// Why a run stops before its chunks are done.
public enum StopReason: Sendable, Hashable {
    /// 401, or 403 on a company-level call.
    case credentials(String)
    /// `run.deadline` passed: the journal holds what is in flight.
    case deadline(String)
}

/// An action for the driver to perform, in list order.
public enum SchedulerEffect: Sendable, Hashable {
    case journal(JournalStep)
    case submit(WorkItem, user: String)
    case poll(chunk: String, job: SubmittedJob, user: String)
    case download(WorkItem, url: String, user: String)
    case notify(ProgressEvent)
    case stop(StopReason)
    case lease(LeaseStep)
    /// Wake the core at `timer.at` with `.timerFired(timer.id)`.
    case armTimer(SchedulerTimer)
    /// The timer with this id is no longer wanted: cancel it (a late firing is ignored anyway).
    case cancelTimer(Int)
}

/// What the run achieved so far, counted by the scheduler.
public struct SchedulerCounters: Sendable, Hashable {
    public struct FailedChunk: Sendable, Hashable {
        public var id: String
        public var exportName: String
        public var windowStart: Int64
        public var windowEnd: Int64
        /// Names the export, the window in the spec's time zone, the server's words and what happens next.
        public var error: String
    }
    public var verified = 0
    public var reused = 0
    public var failed: [FailedChunk] = []
    public var rows: Int64 = 0
    public var bytes: Int64 = 0
    public var submissions = 0
    public var rejections = 0
    public var statusRequests = 0
    public var splits = 0
    public var retries = 0
    public var stuck = 0
    /// Submits whose outcome was unknown (slot held, then resubmitted).
    public var unknownOutcomes = 0
    /// Jobs of chunks no longer in the plan, followed to CLOSED and retired.
    public var retired = 0
    /// Exports stopped by the failure budget.
    public var stoppedExports: [String] = []

    /// Nothing counted yet.
    public init() {}
}
