import ExportScheduling

/// What a run achieved.
public struct ExecutionSummary: Sendable, Hashable {
    public struct FailedChunk: Sendable, Hashable {
        public var id: String
        public var exportName: String
        public var windowStart: Int64
        public var windowEnd: Int64
        /// Names the export, the window in the spec's time zone, the server's words and what happens next.
        public var error: String
    }
    /// Chunks verified in this run or earlier ones.
    public var verified: Int = 0
    /// Chunks verified by an earlier run and skipped.
    public var reused: Int = 0
    public var failed: [FailedChunk] = []
    public var rows: Int64 = 0
    public var bytes: Int64 = 0
    public var submissions: Int = 0
    public var rejections: Int = 0
    public var statusRequests: Int = 0
    public var splits: Int = 0
    public var retries: Int = 0
    /// Jobs abandoned because their status did not change for `stuckAfterSeconds`.
    public var stuck: Int = 0
    /// Submits whose outcome was unknown: their slot was held, then the chunk submitted again.
    public var unknownOutcomes: Int = 0
    /// Jobs of chunks no longer in the plan, followed to CLOSED and forgotten.
    public var retired: Int = 0
    /// Exports stopped by the failure budget.
    public var stoppedExports: [String] = []
    /// The run stopped early (interrupt): the journal holds what is in flight.
    public var interrupted: Bool = false
    /// `run.deadline` passed: the run stopped cleanly, the journal holds what is in flight.
    public var deadlineReached: Bool = false

    /// Nothing achieved yet (also what a run that stopped on an error reports to the metrics).
    public init() {}

    mutating func absorb(_ counters: SchedulerCounters) {
        verified = counters.verified
        reused = counters.reused
        failed = counters.failed.map {
            FailedChunk(
                id: $0.id, exportName: $0.exportName, windowStart: $0.windowStart, windowEnd: $0.windowEnd,
                error: $0.error)
        }
        rows = counters.rows
        bytes = counters.bytes
        submissions = counters.submissions
        rejections = counters.rejections
        statusRequests = counters.statusRequests
        splits = counters.splits
        retries = counters.retries
        stuck = counters.stuck
        unknownOutcomes = counters.unknownOutcomes
        retired = counters.retired
        stoppedExports = counters.stoppedExports
    }
}
