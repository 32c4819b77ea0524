import ExportScheduling

/// What a run achieved: the scheduler's counters at the end (read through, e.g. `summary.verified`), and how the
/// run stopped.
@dynamicMemberLookup
public struct ExecutionSummary: Sendable, Hashable {
    public typealias FailedChunk = SchedulerCounters.FailedChunk

    /// Verified, reused and failed chunks, rows, bytes, submissions, rejections, status requests, splits, retries,
    /// stuck jobs, unknown outcomes, retired jobs and stopped exports (`SchedulerCounters`).
    public var counters = SchedulerCounters()
    /// The chunk each chunk split this run or earlier was split from (the core's lineage).
    public var lineage: [String: String] = [:]
    /// The run stopped early (interrupt): the journal holds what is in flight.
    public var interrupted: Bool = false
    /// `run.deadline` passed: the run stopped cleanly, the journal holds what is in flight.
    public var deadlineReached: Bool = false

    /// Nothing achieved yet (also what a run that stopped on an error reports to the metrics).
    public init() {}

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<SchedulerCounters, Value>) -> Value {
        get { counters[keyPath: keyPath] }
        set { counters[keyPath: keyPath] = newValue }
    }
}
