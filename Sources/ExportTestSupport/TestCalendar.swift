import ExportBasics
import Foundation

/// The instant the test suite takes as "now", so no test depends on the day it runs.
///
/// `EXPORTPIPE_TEST_NOW` (a date or an ISO 8601 instant) when set — `scripts/check-test-dates` runs the
/// date-sensitive tests under several values — else a fixed instant. Every `exportpipe` process a test starts
/// gets it as `EXPORTPIPE_NOW` (the fallback of `--now`), set in this process's environment the first time a
/// `CLIRunner` is made, so processes started without the runner inherit it too.
public enum TestCalendar {
    /// The fixed "now" when `EXPORTPIPE_TEST_NOW` is not set.
    public static let defaultNow = "2026-11-29T12:00:00Z"

    /// The suite's "now" as text, in a form `--now` and `EXPORTPIPE_NOW` accept.
    public static let nowText: String = {
        let text = ProcessInfo.processInfo.environment["EXPORTPIPE_TEST_NOW"].flatMap { $0.isEmpty ? nil : $0 }
        return text ?? defaultNow
    }()

    /// The suite's "now".
    public static var now: Date {
        guard let millis = InstantFormat.parseDateOrInstant(nowText) else {
            fatalError("EXPORTPIPE_TEST_NOW '\(nowText)' is neither YYYY-MM-DD nor an ISO 8601 instant with an offset")
        }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    /// Sets `EXPORTPIPE_NOW` in this process's environment (idempotent), for every `exportpipe` it starts.
    public static let exported: Void = { setenv("EXPORTPIPE_NOW", nowText, 1) }()
}
