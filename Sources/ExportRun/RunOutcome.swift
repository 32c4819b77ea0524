import ExportExecutor
import ExportPlanner
import Foundation

/// How a run ended: the one value the command line prints, the summary, metrics and report are written from, and
/// the exit status follows. Every run that got past loading its spec has one.
public struct RunOutcome: Sendable {
    /// How the run ended, worst first where several apply.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Every export written.
        case complete
        /// Chunks failed for good, an export could not be written, or the run could not start (journal,
        /// coordinator, network).
        case failed
        /// Every export written, but partitions of the dataset could not be loaded into PostgreSQL (`output.load`):
        /// the files are on disk, the tables keep those partitions' previous rows; `exportpipe load` loads them.
        case loadFailed = "load_failed"
        /// The API refused the credentials or the company key: nothing can succeed until they are fixed.
        case refusedCredentials = "refused_credentials"
        /// `run.deadline` passed: nothing new was submitted; the journal keeps what is in flight.
        case deadline
        /// Stopped by a signal (SIGINT, SIGTERM); the journal is consistent.
        case interrupted
        /// Stopped because standard output or standard error was closed (`exportpipe run … | head`), as on Ctrl-C.
        case outputClosed = "output_closed"
        /// The spec (or a `retry` selection) has errors: nothing ran.
        case specErrors = "spec_errors"
        /// Another run holds the state directory (`--no-wait`).
        case busy

        /// The exit status of `run` and `retry` (README's table).
        public var exitCode: Int32 {
            switch self {
            case .complete: RunExitCode.success
            case .failed, .loadFailed, .refusedCredentials: RunExitCode.failed
            case .specErrors: RunExitCode.specErrors
            case .deadline: RunExitCode.deadline
            case .busy: RunExitCode.stateDirectoryBusy
            case .interrupted: RunExitCode.interrupted
            case .outputClosed: RunExitCode.outputClosed
            }
        }
    }

    public var status: Status
    /// `run` or `retry`.
    public var command: String
    public var pipeline: String
    public var startedAt: Date
    public var finishedAt: Date
    /// The plan, when the run got that far.
    public var plan: Plan?
    /// What the executor did, when it ran.
    public var execution: ExecutionSummary?
    /// What the output wrote this run (one entry per export written).
    public var written: [OutputRecord] = []
    /// What the output holds now for each planned export, written this run or kept from an earlier one.
    public var outputs: [String: OutputRecord] = [:]
    /// What loading the dataset into PostgreSQL did (`output.load`); nil when the spec loads nothing or the run
    /// stopped before loading.
    public var loads: LoadReport?
    /// Exports not written because chunks failed for good (their previous output is untouched).
    public var incomplete: [String] = []
    /// Windows exported again although an earlier run had verified them, and why.
    public var exportedAgain: [ExportedAgain] = []
    /// What went wrong, redacted, for a person; nil when the run is complete.
    public var error: String?
    /// What to do next, for a person (the command that fixes it).
    public var advice: String?
    /// The error itself, for callers that rethrow it (the test harness).
    public var underlyingError: (any Error & Sendable)?
    /// Where the run wrote: the output folder, the manifest, the journal.
    public var outputDirectory: String
    public var manifestPath: String?
    public var journalPath: String
    /// API seconds per real second the run used.
    public var timeScale: Double
    /// Warnings of the run (output fallbacks, problems writing the report) to print at the end.
    public var warnings: [String] = []

    public var exitCode: Int32 { status.exitCode }
}

/// The exit statuses of `run` and `retry`.
public enum RunExitCode {
    public static let success: Int32 = 0
    public static let failed: Int32 = 1
    public static let specErrors: Int32 = 2
    /// `run.deadline` passed: the run stopped cleanly with its journal; run again to go on.
    public static let deadline: Int32 = 3
    /// `run --no-wait` found the state directory held by another run (EX_TEMPFAIL: try again later).
    public static let stateDirectoryBusy: Int32 = 75
    public static let interrupted: Int32 = 130
    /// Standard output or standard error was closed: 128 + SIGPIPE, as a shell reports a process SIGPIPE ended.
    public static let outputClosed: Int32 = 141
}
