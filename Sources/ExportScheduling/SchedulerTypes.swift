import AnalyticsAPI

/// Where a chunk stands when the run starts, as the driver read it from the journal.
public struct ChunkStart: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// To submit (new, planned, failed before, or a verified chunk to export again).
        case fresh
        /// Verified by an earlier run and still good.
        case verified(rows: Int64, bytes: Int64)
        /// Completed by an earlier run; the file is to be downloaded.
        case completed(user: String, downloadURL: String)
        /// A job in flight from an earlier run, re-attached through its status URL.
        case inFlight(user: String, job: SubmittedJob)
        /// The answer to an earlier submit was lost in a crash: a job may exist; its slot is held first.
        case unknownOutcome(user: String)
        /// A job the journal holds in flight for a chunk no longer in the plan: followed to CLOSED, counted
        /// against the limits, then retired (without a job: its slot is held, then it is retired).
        case orphan(user: String, job: SubmittedJob?)
    }
    public var item: WorkItem
    /// Attempts spent by earlier runs.
    public var attempts: Int
    public var state: State

    public init(_ item: WorkItem, attempts: Int = 0, _ state: State = .fresh) {
        self.item = item
        self.attempts = attempts
        self.state = state
    }
}

/// Something that happened, fed to `Scheduler.handle`.
public enum SchedulerEvent: Sendable, Hashable {
    /// Time passed (a timer fired).
    case tick
    case submitAnswered(chunk: String, job: SubmittedJob)
    case submitFailed(chunk: String, Failure)
    /// A decoded status. `progress` identifies what the status showed (state, detail, counters): a change in it
    /// counts as progress for stuck detection. `running`: the status shows the job running, not only queued
    /// (`JobResult.showsRunning`).
    case statusAnswered(
        chunk: String, outcome: JobOutcome, progress: String, downloadURL: String?, running: Bool = false)
    case statusFailed(chunk: String, Failure)
    /// The file is in place, checked: rows, bytes, digest, path relative to the state directory.
    case downloaded(chunk: String, rows: Int64, bytes: Int64, sha256: String, file: String)
    case downloadFailed(chunk: String, Failure)
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

/// What the scheduler tells the world (mapped to `ProgressEvent` by the driver; same raw values).
public struct Notice: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case submitted, reattached, rejected, completed, verified, retrying, split, failed, stuck
        /// A job's status first showed it running at the server (not only queued).
        case running
        /// A submit's outcome is unknown (or a job's status unreadable): its slot is held, then resubmitted.
        case held
        /// A job of a chunk no longer in the plan closed and was forgotten.
        case retired
        /// An export stopped after several chunks failed for good in a row with the same error.
        case exportStopped
        /// Something the user should know that changes nothing (e.g. a URL on another origin).
        case warning
    }
    public var kind: Kind
    public var chunk: String?
    public var export: String?
    public var user: String?
    public var rows: Int64?
    public var bytes: Int64?
    public var message: String?

    public init(
        _ kind: Kind, chunk: String? = nil, export: String? = nil, user: String? = nil, rows: Int64? = nil,
        bytes: Int64? = nil, message: String? = nil
    ) {
        self.kind = kind
        self.chunk = chunk
        self.export = export
        self.user = user
        self.rows = rows
        self.bytes = bytes
        self.message = message
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
    case download(chunk: String, url: String, user: String)
    case notify(Notice)
    case stop(StopReason)
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
