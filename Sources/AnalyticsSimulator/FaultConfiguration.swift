import AnalyticsAPI
import Foundation

/// Which faults the simulator injects, and how often: parsed from `--faults`.
///
/// `http5xx=0.05,http429=0.02,reset=0.02,fail=0.03,truncate=0.01,expire=0.05,background=2`. Probabilities are
/// per request (`http5xx`, `http429`, `reset` on API calls), per job (`fail`), per file download (`truncate`)
/// and per issued link (`expire`); `garbage`/`envelope` per API request, `stuck` per job, `foreign` per
/// download redirect; `background` is a count of synthetic users. After-effect faults happen once the request
/// had its effect: `accepted5xx`/`acceptedReset` per submit (the job exists, its answer is lost), `jobToken403` and
/// `foreignStatus` per job. `refuse400=[EXPORT:]START-END` (epoch milliseconds) refuses every submit (of that
/// export, or any) whose window overlaps `[START, END)` with a 400, every time, so a test can aim at one chunk. Draws come from the seed and a
/// counter, so the same sequence of requests meets the same faults; no fault ever changes an export's data.
public struct FaultConfiguration: Sendable, Hashable, Codable {
    /// API requests answered 503 (or 500/502) with a FAIL envelope, before they have any effect.
    public var http5xx: Double
    /// API requests answered 429 with `Retry-After`, before they have any effect.
    public var http429: Double
    /// API requests whose connection is dropped mid-response, before they have any effect.
    public var reset: Double
    /// Jobs that end CLOSED/FAILED at their completion time.
    public var fail: Double
    /// File downloads that send fewer bytes than their Content-Length and then close.
    public var truncate: Double
    /// Signed links issued already expired, so their first use answers 403.
    public var expire: Double
    /// Synthetic other users of the company that keep their queues full.
    public var background: Int
    /// API requests answered 200 with a body that is not JSON, before they have any effect.
    public var garbage: Double
    /// API requests answered 200 with JSON that is not the documented envelope, before they have any effect.
    public var envelope: Double
    /// Jobs whose status never closes: they run (and free their slot) as usual, but report RUNNING forever.
    public var stuck: Double
    /// Downloads whose 307 points at another host (`SimulatorConfiguration.foreignBaseURL`).
    public var foreign: Double
    /// File downloads answered 200 with an HTML error page instead of the CSV (a proxy or gateway page).
    public var html: Double
    /// Submits that create the job and are then answered 502 or 504 (a gateway lost the backend's answer).
    public var accepted5xx: Double = 0
    /// Submits that create the job and then drop the connection mid-answer.
    public var acceptedReset: Double = 0
    /// Jobs whose status requests are all answered 403 (that job's token is refused), per job.
    public var jobToken403: Double = 0
    /// Jobs whose statusUrl names another origin (`SimulatorConfiguration.foreignBaseURL`), per job.
    public var foreignStatus: Double = 0
    /// Submits whose window overlaps this one are answered 400 every time (a chunk the server always refuses).
    public var refuse400: RefusedWindow?

    /// A window `[start, end)` in epoch milliseconds whose submits (of `export`, or of any export) are refused.
    public struct RefusedWindow: Sendable, Hashable, Codable {
        /// The export's API name (`response`), or nil for every export.
        public var export: String?
        public var start: Int64
        public var end: Int64

        public init(export: String? = nil, start: Int64, end: Int64) {
            self.export = export
            self.start = start
            self.end = end
        }

        /// Whether a submit of `export` for `[startTime, endTime)` is refused.
        public func refuses(export: String, startTime: Int64, endTime: Int64) -> Bool {
            (self.export == nil || self.export == export) && startTime < end && start < endTime
        }
    }

    public init(
        http5xx: Double = 0, http429: Double = 0, reset: Double = 0, fail: Double = 0, truncate: Double = 0,
        expire: Double = 0, background: Int = 0, garbage: Double = 0, envelope: Double = 0, stuck: Double = 0,
        foreign: Double = 0, html: Double = 0
    ) {
        self.http5xx = http5xx
        self.http429 = http429
        self.reset = reset
        self.fail = fail
        self.truncate = truncate
        self.expire = expire
        self.background = background
        self.garbage = garbage
        self.envelope = envelope
        self.stuck = stuck
        self.foreign = foreign
        self.html = html
    }

    /// The share of API requests that meet a request fault (5xx, 429, reset, garbage, envelope).
    var requestFaultProbability: Double { http5xx + http429 + reset + garbage + envelope }

    /// No faults.
    public static let none = FaultConfiguration()

    /// The fault names `--faults` accepts.
    public static let names = [
        "http5xx", "http429", "reset", "fail", "truncate", "expire", "background", "garbage", "envelope", "stuck",
        "foreign", "html", "accepted5xx", "acceptedReset", "jobToken403", "foreignStatus", "refuse400",
    ]

    /// Parses `name=value,…`; an empty string means no faults.
    /// - Throws: `FaultConfigurationError` naming the bad entry.
    public init(parsing text: String) throws {
        self.init()
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw FaultConfigurationError(description: "fault '\(trimmed)' needs a value: write name=value")
            }
            let name = parts[0]
            let value = parts[1]
            if name == "background" {
                guard let count = Int(value), (0...1_000).contains(count) else {
                    throw FaultConfigurationError(
                        description: "background must be a whole number of users from 0 to 1000, not '\(value)'")
                }
                background = count
                continue
            }
            if name == "refuse400" {
                let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
                let export = parts.count == 2 ? parts[0] : nil
                let bounds = (parts.last ?? "").split(separator: "-", maxSplits: 1).map { Int64($0) }
                guard bounds.count == 2, let start = bounds[0], let end = bounds[1], start < end,
                    export.map({ !$0.isEmpty }) ?? true
                else {
                    throw FaultConfigurationError(
                        description:
                            "refuse400 must be [EXPORT:]START-END, epoch milliseconds with START < END, not '\(value)'")
                }
                refuse400 = RefusedWindow(export: export, start: start, end: end)
                continue
            }
            guard let p = Double(value), p >= 0, p <= 1 else {
                throw FaultConfigurationError(
                    description: "fault \(name) must be a probability between 0 and 1, not '\(value)'")
            }
            switch name {
            case "http5xx": http5xx = p
            case "http429": http429 = p
            case "reset": reset = p
            case "fail": fail = p
            case "truncate": truncate = p
            case "expire": expire = p
            case "garbage": garbage = p
            case "envelope": envelope = p
            case "stuck": stuck = p
            case "foreign": foreign = p
            case "html": html = p
            case "accepted5xx": accepted5xx = p
            case "acceptedReset": acceptedReset = p
            case "jobToken403": jobToken403 = p
            case "foreignStatus": foreignStatus = p
            default:
                throw FaultConfigurationError(
                    description:
                        "unknown fault '\(name)'; known faults are \(FaultConfiguration.names.joined(separator: ", "))")
            }
        }
        if requestFaultProbability > 1 {
            throw FaultConfigurationError(
                description: "http5xx + http429 + reset + garbage + envelope must not exceed 1")
        }
    }
}

/// A `--faults` string that cannot be parsed.
public struct FaultConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
}
