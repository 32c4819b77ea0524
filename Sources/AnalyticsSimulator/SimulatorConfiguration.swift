import AnalyticsAPI
import Foundation

/// Everything that shapes one simulator instance: data seed, time scale, credentials, limits and faults.
public struct SimulatorConfiguration: Sendable {
    /// What to do with a window longer than the documented 3 months (undocumented in the real API).
    public enum OverRangePolicy: String, Sendable, Hashable, Codable {
        /// Answer the submit with HTTP 400 and a FAIL envelope (default).
        case reject
        /// Accept the submit (PASS, ids) and close the job at once with detail FAILED and a reason.
        case acceptAndFail = "accept_and_fail"
    }

    /// Seed of the synthetic company, its data and the fault draws.
    public var seed: UInt64
    /// API seconds per real second: 1 is real time, 10,000 makes a 20-second job take 2 ms.
    public var timeScale: Double
    public var companyKey: String
    /// API users, name → password.
    public var users: [String: String]
    /// Jobs with more rows than this end CLOSED/FAILED with a timeout reason; 0 means no limit.
    public var maxExportRows: Int
    public var faults: FaultConfiguration
    /// Non-final statuses use the documented one-element array form of `result`.
    public var arrayStatusForm: Bool
    /// A row exactly at `endTime` is included, so splits overlap by their boundary rows.
    public var inclusiveEndTime: Bool
    public var limits: QueueLimits
    /// How long a signed file link stays valid, in API seconds (at least one real second, see docs).
    public var signedURLLifetime: Double
    public var overRangePolicy: OverRangePolicy
    /// Loopback only.
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// The simulated "now" when the server starts, epoch milliseconds; nil means the real current time.
    public var startEpochMillis: Int64?
    /// The clock whose elapsed seconds, times `timeScale`, advance API time.
    public var clock: SimulatorClock
    /// Answer 400 when a signed file link is fetched with an Authorization header, as S3 does.
    public var rejectCredentialsOnSignedURL: Bool
    /// How CSV headers name the columns (`--csv-headers`): ids (default), display labels, or upper-case ids.
    public var csvHeaders: CSVHeaderStyle
    /// How times are written (`--time-format`): ISO 8601 with offset (default), local without offset, epoch ms.
    public var timeFormat: TimeFormatStyle
    /// What a window without rows returns (`--empty-windows`): the header alone (default), or a 0-byte body.
    public var emptyWindows: EmptyWindowStyle
    /// A new job's first this many status requests answer 404, as an eventually consistent job store that does not
    /// know the job yet would (`--status-not-found-first`).
    public var statusNotFoundFirst = 0
    /// A job over `maxExportRows` closes with detail `TIMED_OUT` and no reason, as a workflow engine reports its own
    /// timeout, instead of FAILED with a reason that says so (`--timeouts-as-close-status`).
    public var timeoutsAsCloseStatus = false
    /// Further redirects (302, relative `Location`) a signed file link answers before the file (`--redirect-hops`).
    public var redirectHops = 0
    /// The byte between CSV fields (`--csv-delimiter`): comma (default), semicolon or tab.
    public var csvDelimiter: CSVDelimiterStyle = .comma
    /// Columns the exports gain or lose from a day on (`--add-column`, `--drop-column`).
    public var drift = SchemaDrift()
    /// How export files are compressed (`--compression`; `--gzip` is `gzip`).
    public var compression: FileCompression
    /// Where the `foreign` fault points download redirects (`scheme://host:port`, no path): another host that
    /// must never see our credentials. Without it the fault does nothing.
    public var foreignBaseURL: String?
    /// A job that is really running (not waiting for a slot) says so in its status: `lastAcknowledgeTime` = when
    /// it started (API ms), `currentCount`/`totalCount` = rows done so far / in all (`--report-running`). Off, a
    /// running job looks like a waiting one (RUNNING/"", counters null), as in the API's documented examples.
    public var reportsRunning = false
    /// A job waiting for a running slot says so: runnerState `QUEUED` (`--report-queued`), and `RUNNING` once it
    /// runs. The API documents no such state; this is how a service that names it would look.
    public var reportsQueued = false
    /// Late data (`--late-days`): a share of each day's rows reaches the API up to `days` days after its time, and
    /// some values change until then, measured on the simulator's API clock (LateArrival.swift).
    public var lateArrival: LateArrival?

    public init(
        seed: UInt64 = 1, timeScale: Double = 1, companyKey: String = "demo-company",
        users: [String: String] = ["demo": "demo-password"], maxExportRows: Int = 0,
        faults: FaultConfiguration = .none, arrayStatusForm: Bool = false, inclusiveEndTime: Bool = false,
        limits: QueueLimits = .documented, signedURLLifetime: Double = 900, overRangePolicy: OverRangePolicy = .reject,
        host: String = "127.0.0.1", port: Int = 0, startEpochMillis: Int64? = nil,
        clock: SimulatorClock = .system, rejectCredentialsOnSignedURL: Bool = true, foreignBaseURL: String? = nil,
        csvHeaders: CSVHeaderStyle = .ids, timeFormat: TimeFormatStyle = .iso, emptyWindows: EmptyWindowStyle = .header,
        compression: FileCompression = .none
    ) {
        self.seed = seed
        self.timeScale = timeScale
        self.companyKey = companyKey
        self.users = users
        self.maxExportRows = maxExportRows
        self.faults = faults
        self.arrayStatusForm = arrayStatusForm
        self.inclusiveEndTime = inclusiveEndTime
        self.limits = limits
        self.signedURLLifetime = signedURLLifetime
        self.overRangePolicy = overRangePolicy
        self.host = host
        self.port = port
        self.startEpochMillis = startEpochMillis
        self.clock = clock
        self.rejectCredentialsOnSignedURL = rejectCredentialsOnSignedURL
        self.foreignBaseURL = foreignBaseURL
        self.csvHeaders = csvHeaders
        self.timeFormat = timeFormat
        self.emptyWindows = emptyWindows
        self.compression = compression
    }

    /// The render styles of this configuration, applied to `options`.
    func styled(_ options: ExportRenderOptions) -> ExportRenderOptions {
        var options = options
        options.headers = csvHeaders
        options.timeFormat = timeFormat
        options.emptyWindows = emptyWindows
        options.delimiter = csvDelimiter
        options.drift = drift
        return options
    }

    /// Checks values that would make the server misbehave.
    /// - Throws: `SimulatorConfigurationError` saying which value and what to use instead.
    public func validate() throws {
        guard timeScale > 0, timeScale.isFinite else {
            throw SimulatorConfigurationError(description: "time scale must be a positive number, not \(timeScale)")
        }
        guard ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.") else {
            throw SimulatorConfigurationError(
                description: "host '\(host)' is not a loopback address; the simulator serves 127.0.0.1 only")
        }
        guard (0...65_535).contains(port) else {
            throw SimulatorConfigurationError(description: "port must be 0…65535, not \(port)")
        }
        guard !users.isEmpty else {
            throw SimulatorConfigurationError(description: "at least one user is needed (--user NAME:PASSWORD)")
        }
        guard !companyKey.isEmpty else {
            throw SimulatorConfigurationError(description: "the company key must not be empty")
        }
        if let lateArrival, !(0...366).contains(lateArrival.days) {
            throw SimulatorConfigurationError(description: "late days must be 0…366, not \(lateArrival.days)")
        }
        guard maxExportRows >= 0 else {
            throw SimulatorConfigurationError(description: "max export rows must be 0 (no limit) or more")
        }
        guard limits.runningPerUser > 0, limits.queuedPerUser >= limits.runningPerUser,
            limits.runningPerCompany > 0, limits.queuedPerCompany >= limits.runningPerCompany
        else {
            throw SimulatorConfigurationError(description: "queue limits must be positive, queued ≥ running")
        }
    }
}

/// A configuration value the simulator cannot run with.
public struct SimulatorConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
}

/// The source of elapsed real time for the simulator's API clock.
public struct SimulatorClock: Sendable {
    private let elapsed: @Sendable () -> Double

    /// A clock reporting `elapsed()` seconds since the simulator started.
    public init(elapsedSeconds: @escaping @Sendable () -> Double) { self.elapsed = elapsedSeconds }

    /// Seconds elapsed since the simulator started.
    public func elapsedSeconds() -> Double { elapsed() }

    /// Real time, from a monotonic clock (the simulator measures from its own start).
    public static var system: SimulatorClock {
        let start = ContinuousClock.now
        return SimulatorClock {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
    }

    /// A clock that moves only when `clock.advance(by:)` is called: for exact, timing-free tests.
    public static func manual(_ clock: ManualClock) -> SimulatorClock {
        SimulatorClock { clock.elapsed }
    }
}

/// A hand-driven clock for tests: real seconds elapse only through `advance(by:)`.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double = 0

    public init() {}

    /// Real seconds elapsed so far.
    public var elapsed: Double { lock.withLock { seconds } }

    /// Moves the clock forward by `seconds` real seconds (API time moves by `seconds × timeScale`).
    public func advance(by seconds: Double) { lock.withLock { self.seconds += max(0, seconds) } }
}
