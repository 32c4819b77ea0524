import ArgumentParser
import ExportBasics
import ExportPlanner
import Foundation

/// `--now`, the same in every command (`validate`, `plan`, `run`): a date (`2026-11-29`, midnight UTC) or an
/// ISO 8601 instant with `Z` or an offset (`2026-11-29T12:00:00Z`, `2026-11-29T07:00-05:00`, with optional
/// fractional seconds). It stands for the clock everywhere the command reads it: `today`/`now` in windows and the
/// retention check. One precedence rule: the flag, then the environment variable `EXPORTPIPE_NOW` (same forms; a
/// CI job or a test suite pins every command's "now" at once), then the system clock.
enum NowOption {
    /// The environment variable that stands in for `--now` when the flag is not given.
    static let environmentVariable = "EXPORTPIPE_NOW"

    /// What `--now` accepts, for error messages.
    static let forms = "a date (YYYY-MM-DD) or an ISO 8601 instant with an offset (e.g. 2026-11-29T12:00:00Z)"

    static func parse(_ text: String) -> Date? {
        InstantFormat.parseDateOrInstant(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// Throws a `ValidationError` naming the accepted forms when `text` (or, without it, `EXPORTPIPE_NOW`) is not
    /// one of them.
    static func validate(_ text: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let text, parse(text) == nil { throw ValidationError("--now '\(text)' is not \(forms)") }
        if text == nil, let value = environment[environmentVariable], parse(value) == nil {
            throw ValidationError("\(environmentVariable) '\(value)' is not \(forms)")
        }
    }

    /// The command's "now": `--now`, else `EXPORTPIPE_NOW`, else the system clock (both texts already validated).
    static func resolve(_ text: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Date {
        (text ?? environment[environmentVariable]).flatMap(parse) ?? Date()
    }
}
