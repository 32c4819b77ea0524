import ArgumentParser
import ExportBasics
import ExportPlanner
import Foundation

/// `--now`, the same in every command (`validate`, `plan`, `run`): a date (`2026-11-29`, midnight UTC) or an
/// ISO 8601 instant with `Z` or an offset (`2026-11-29T12:00:00Z`, `2026-11-29T07:00-05:00`, with optional
/// fractional seconds). It stands for the clock everywhere the command reads it: `today`/`now` in windows and the
/// retention check.
enum NowOption {
    /// What `--now` accepts, for error messages.
    static let forms = "a date (YYYY-MM-DD) or an ISO 8601 instant with an offset (e.g. 2026-11-29T12:00:00Z)"

    static func parse(_ text: String) -> Date? {
        if let millis = InstantFormat.parse(text) { return Date(timeIntervalSince1970: Double(millis) / 1000) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...CivilDate.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        return Date(timeIntervalSince1970: Double(CivilDate.days(year: year, month: month, day: day)) * 86_400)
    }

    /// Throws a `ValidationError` naming the accepted forms when `text` is not one of them.
    static func validate(_ text: String?) throws {
        if let text, parse(text) == nil { throw ValidationError("--now '\(text)' is not \(forms)") }
    }
}
