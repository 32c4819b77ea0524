import AnalyticsAPI
import AnalyticsSimulator
import ArgumentParser
import ExportBasics
import Foundation

/// `exportpipe simulator`: serve the simulated Analytics Reports API on loopback until SIGINT/SIGTERM.
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Serve a local simulator of the Analytics Reports API (see docs/simulator.md).",
        discussion: """
            Prints 'listening on http://127.0.0.1:PORT' as its first line, then serves until interrupted.
            Try: curl -u demo:demo-password 'http://127.0.0.1:PORT/api/public/teams?companyKey=demo-company'
            """
    )

    @Option(help: "TCP port; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Address to bind; loopback only.")
    var host: String = "127.0.0.1"

    @Option(help: "Seed of the synthetic company, its data and the fault draws.")
    var seed: UInt64 = 1

    @Option(name: .customLong("time-scale"), help: "API seconds per real second (10000 makes jobs take milliseconds).")
    var timeScale: Double = 1

    @Option(name: .customLong("company-key"), help: "The companyKey clients must send.")
    var companyKey: String = "demo-company"

    @Option(
        name: .customLong("user"),
        help: "An API user as NAME:PASSWORD; repeat for several (default demo:demo-password).")
    var users: [String] = []

    @Option(name: .customLong("max-export-rows"), help: "Jobs over this many rows fail with a timeout; 0 = no limit.")
    var maxExportRows: Int = 0

    @Option(
        help: ArgumentHelp(
            "Faults to inject, e.g. http5xx=0.05,http429=0.02,reset=0.02,fail=0.03,truncate=0.01,expire=0.05,background=2; "
                + "hostile servers: garbage=P,envelope=P,stuck=P,foreign=P,html=P; after the effect: accepted5xx=P,"
                + "acceptedReset=P,jobToken403=P,foreignStatus=P; a refused window: refuse400=[EXPORT:]START-END "
                + "(see docs/simulator.md)")
    )
    var faults: String = ""

    @Flag(name: .customLong("array-status"), help: "Answer non-complete statuses with the array form of 'result'.")
    var arrayStatus = false

    @Flag(
        name: .customLong("report-running"),
        help: "A running job's status says it runs (lastAcknowledgeTime, currentCount); off, it looks queued.")
    var reportRunning = false

    @Flag(
        name: .customLong("report-queued"),
        help: "A job waiting for a running slot says QUEUED in its status (undocumented), RUNNING once it runs.")
    var reportQueued = false

    @Flag(name: .customLong("inclusive-end-time"), help: "Include rows exactly at endTime (splits overlap).")
    var inclusiveEndTime = false

    @Option(
        name: .customLong("foreign-url"),
        help: "Where the foreign fault points download redirects, e.g. http://127.0.0.1:9999 (another host).")
    var foreignURL: String?

    @Option(name: .customLong("csv-headers"), help: "How CSV headers name columns: ids (default), labels or upper.")
    var csvHeaders: CSVHeaderStyle = .ids

    @Option(
        name: .customLong("time-format"),
        help: """
            How times are written: iso (with offset, default), local (no offset, in the requested zone), epoch or us \
            (10/05/2026 01:04:11 PM).
            """)
    var timeFormat: TimeFormatStyle = .iso

    @Option(
        name: .customLong("empty-windows"), help: "What a window without rows returns: header (default) or empty.")
    var emptyWindows: EmptyWindowStyle = .header

    @Option(
        name: .customLong("status-not-found-first"),
        help: "A new job's first N status requests answer 404, as a job store not yet consistent (default 0).")
    var statusNotFoundFirst = 0

    @Flag(
        name: .customLong("timeouts-as-close-status"),
        help: "A job over --max-export-rows closes TIMED_OUT with no reason instead of FAILED with one.")
    var timeoutsAsCloseStatus = false

    @Option(
        name: .customLong("redirect-hops"),
        help: "Further redirects (302, relative Location) a signed file link answers before the file (default 0).")
    var redirectHops = 0

    @Option(
        name: .customLong("csv-delimiter"), help: "The byte between CSV fields: comma (default), semicolon or tab.")
    var csvDelimiter: CSVDelimiterStyle = .comma

    @Option(
        help: """
            How export files are compressed: none (default), gzip (Content-Encoding: gzip) or gzip-file \
            (a stored .csv.gz: application/gzip, no Content-Encoding).
            """)
    var compression: FileCompression = .none

    @Flag(help: "The same as --compression gzip.")
    var gzip = false

    @Option(
        name: .customLong("late-days"),
        help:
            "Late data: a share of each day's rows appears up to N days after its time, and some values change until then (default 0)."
    )
    var lateDays = 0

    @Option(
        help:
            "The simulated now when the server starts, e.g. 2026-11-20T06:00:00Z (default: the real time); API time moves on from it at --time-scale."
    )
    var start: String?

    @Option(
        name: .customLong("add-column"),
        help: "Schema drift: exports reaching this UTC day gain a column, e.g. --add-column score@2026-03-10.")
    var addColumn: String?

    @Option(
        name: .customLong("drop-column"),
        help: "Schema drift: exports reaching this UTC day lose a column, e.g. --drop-column tags@2026-03-10.")
    var dropColumn: String?

    func run() async throws {
        let configuration = try makeConfiguration()
        try await AnalyticsSimulator.run(configuration) { url in
            // Written straight to the file descriptor: scripts wait for this line, so it must not sit in a buffer.
            TerminalOutput.shared.write("listening on \(url)\n", to: .output)
        }
    }

    func makeConfiguration() throws -> SimulatorConfiguration {
        var userTable: [String: String] = [:]
        for entry in users {
            guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex else {
                throw ValidationError("--user must be NAME:PASSWORD, e.g. --user demo:demo-password")
            }
            userTable[String(entry[..<colon])] = String(entry[entry.index(after: colon)...])
        }
        let faultConfiguration: FaultConfiguration
        do {
            faultConfiguration = try FaultConfiguration(parsing: faults)
        } catch {
            throw ValidationError("--faults: \(error)")
        }
        var configuration = SimulatorConfiguration(
            seed: seed, timeScale: timeScale, companyKey: companyKey,
            users: userTable.isEmpty ? ["demo": "demo-password"] : userTable, maxExportRows: maxExportRows,
            faults: faultConfiguration, arrayStatusForm: arrayStatus, inclusiveEndTime: inclusiveEndTime,
            host: host, port: port, foreignBaseURL: foreignURL, csvHeaders: csvHeaders, timeFormat: timeFormat,
            emptyWindows: emptyWindows, compression: gzip ? .gzip : compression)
        configuration.reportsRunning = reportRunning
        configuration.reportsQueued = reportQueued
        configuration.csvDelimiter = csvDelimiter
        configuration.redirectHops = max(0, redirectHops)
        configuration.timeoutsAsCloseStatus = timeoutsAsCloseStatus
        configuration.statusNotFoundFirst = max(0, statusNotFoundFirst)
        if lateDays != 0 { configuration.lateArrival = LateArrival(days: lateDays) }
        if let start {
            guard let instant = InstantFormat.parse(start) else {
                throw ValidationError("--start '\(start)' is not an instant; write it like 2026-11-20T06:00:00Z")
            }
            configuration.startEpochMillis = instant
        }
        configuration.drift = try drift()
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return configuration
    }
}

extension CSVHeaderStyle: ExpressibleByArgument {}
extension TimeFormatStyle: ExpressibleByArgument {}
extension EmptyWindowStyle: ExpressibleByArgument {}
extension FileCompression: ExpressibleByArgument {}
extension CSVDelimiterStyle: ExpressibleByArgument {}
