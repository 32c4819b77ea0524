import AnalyticsAPI
import AnalyticsClient
import AnalyticsSimulator
import ExportDataset
import ExportExecutor
import Foundation

/// Everything a run needs besides its spec, resolved by whoever starts it: the CLI from its options, the tests
/// from their scenario. `PipelineRun` turns it, once, into the executor's configuration.
public struct RunRequest: Sendable {
    /// `run`, or `retry` narrowed to an export or a chunk.
    public enum Command: Sendable, Hashable {
        case run
        case retry(export: String?, chunk: String?)

        /// `run` or `retry`, as the summary and the report name it.
        public var name: String {
            if case .retry = self { return "retry" }
            return "run"
        }
    }

    /// Where the company's queue slots are shared.
    public enum Coordination: Sendable {
        /// `--coordinator` (nil: `EXPORTPIPE_COORDINATOR`, then the spec's `run.coordinator`, then embedded).
        case setting(flag: String?)
        /// A coordination the caller opened (tests that share one between runs); the caller closes it.
        case provided(ExecutorCoordination)
    }

    public var command: Command = .run
    /// The run's "now": windows, retention and the plan.
    public var now: Date
    /// `--refresh FROM..TO`: the dates whose partitions a partitioned dataset exports again on purpose.
    public var refresh: RefreshRange?
    /// `--verify`: a partitioned dataset's files are all read and hashed against the manifest, not only those whose
    /// modification time moved.
    public var verifyDataset = false
    /// The process environment: `${VAR}`s, passwords, the coordinator's variables.
    public var environment: [String: String]
    /// `--no-resume`: forget the journal and chunk files of earlier runs (only the tool's own files).
    public var startOver = false
    /// Wait for another run holding the state directory (else end at once with `.busy`).
    public var waitForStateDirectory = true
    /// API seconds per real second: nil is 1 against the real API and 2,000 on the in-process simulator.
    public var timeScale: Double?
    /// The in-process simulator's seed and faults (a spec whose `base_url` is `simulator`).
    public var simulatorSeed: UInt64 = 1
    public var simulatorFaults: FaultConfiguration = .none
    /// The API's address instead of the spec's (tests pointing a spec at a simulator they started).
    public var baseURL: String?
    public var coordination: Coordination = .setting(flag: nil)
    /// What tests shorten; the defaults are the product's.
    public var tuning = RunTuning()
    /// Why a cancelled run was stopped, asked when it ends: a signal (`interrupted`), or the command line's output
    /// closed (`outputClosed`).
    public var stopReason: @Sendable () -> RunOutcome.Status = { .interrupted }

    /// The run's wall clock, seconds since 1970: the real clock moved to `now` (`--now`), so the journal's times —
    /// when each chunk was verified, which decides whether it settled — and the report's are in the frame the run
    /// plans in. Without `--now` it is the real clock.
    public var clock: @Sendable () -> Double

    public init(now: Date, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.now = now
        self.environment = environment
        self.clock = Self.clock(anchoredAt: now)
    }

    /// A clock that reads `now` at this instant and runs on with the real clock from there.
    public static func clock(anchoredAt now: Date) -> @Sendable () -> Double {
        let offset = now.timeIntervalSince1970 - Date().timeIntervalSince1970
        // Within a second of the real clock, `now` is the real clock (no --now): keep its time exact.
        if abs(offset) < 1 { return { Date().timeIntervalSince1970 } }
        return { Date().timeIntervalSince1970 + offset }
    }
}

/// The executor's and the client's timings, and the spec's run settings a test overrides. Nil keeps the spec's
/// value (or the product's default).
public struct RunTuning: Sendable {
    public var clientRetry: RetryPolicy?
    public var cooldownSeconds: Double?
    public var minimumPollSeconds: Double?
    public var maximumPollSeconds: Double?
    public var rejectionBackoff: RetryPolicy?
    public var outstandingPerUser: Int?
    public var attempts: Int?
    public var settleSeconds: Double?
    public var stuckAfterSeconds: Double?
    public var deadlineSeconds: Double?

    public init() {}
}
