import ExportExecutor
import ExportPlanner

/// Who watches a run: the terminal's progress display, the summary/metrics/report writer, a test's event log. The
/// composition calls every observer, in order; none of them changes the run.
public protocol RunObserving: AnyObject, Sendable {
    /// The plan is known and the journal is open. `only` holds the chunks a `retry` runs (nil: the whole plan).
    func planned(_ plan: Plan, only: [ChunkRecord]?)
    /// One progress event of the executor (or of the composition: warnings, outputs written).
    func handle(_ event: ProgressEvent)
    /// The run ended. Every run that got past loading its spec ends here, exactly once, whatever ended it.
    func finished(_ outcome: RunOutcome)
}
