import AnalyticsAPI
import AnalyticsSimulator
import CSVMerge
import ExportExecutor
import ExportPlanner
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// Runs against a simulator serving each shape the docs leave open (header names, time formats, empty windows,
/// gzip, HTML bodies): the merged output still equals one export of the whole window, byte for byte.
@Suite("Real-API styles against the simulator")
struct RealAPIStyleTests {
    static let now = ExecutorSimulatorTests.now

    static func configuration(
        headers: CSVHeaderStyle, time: TimeFormatStyle, empty: EmptyWindowStyle = .header,
        compression: FileCompression = .none, delimiter: CSVDelimiterStyle = .comma,
        inclusive: Bool = false, arrayStatus: Bool = false, faults: FaultConfiguration = .none
    ) -> SimulatorConfiguration {
        var configuration = ExecutorSimulatorTests.configuration(faults: faults)
        configuration.csvHeaders = headers
        configuration.timeFormat = time
        configuration.emptyWindows = empty
        configuration.compression = compression
        configuration.csvDelimiter = delimiter
        // A CDN in front of the object store: two more (relative) redirects before each file.
        configuration.redirectHops = delimiter == .semicolon ? 2 : 0
        configuration.inclusiveEndTime = inclusive
        configuration.arrayStatusForm = arrayStatus
        // Links that outlive a busy machine: a link expiring under load is another test's subject, not these.
        configuration.signedURLLifetime = 10_000_000
        return configuration
    }

    /// One export of the export's whole window from `configuration`'s simulator.
    static func whole(
        _ export: PlannedExport, filters: [FilterKind: [Int64]], _ configuration: SimulatorConfiguration
    ) throws -> [UInt8] {
        var request = try #require(export.chunks.first).request
        request.startTime = export.windowStartMillis
        request.endTime = export.windowEndMillis
        request.selection.filters = filters
        let options = ExportRenderOptions(
            inclusiveEndTime: configuration.inclusiveEndTime, headers: configuration.csvHeaders,
            timeFormat: configuration.timeFormat, emptyWindows: configuration.emptyWindows,
            delimiter: configuration.csvDelimiter)
        return try ExportDataGenerator(seed: configuration.seed).render(request, options: options)
    }

    static let styles: [(CSVHeaderStyle, TimeFormatStyle)] = CSVHeaderStyle.allCases.flatMap { headers in
        TimeFormatStyle.allCases.map { (headers, $0) }
    }

    /// Every header style × time format, with fan-out over the New York fall-back night (the repeated hour
    /// 01:00–01:59 on 2024-11-03), some with an inclusive end time, the array status form, gzip, empty windows, or
    /// semicolons or tabs between fields.
    @Test(arguments: 0..<12)
    func aChunkedFannedOutRunEqualsOneWholeExport(index: Int) async throws {
        let style = Self.styles[index]
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let company = SyntheticCompany(seed: 7)
        let queues = Array(company.workqueues.prefix(2).map(\.id))
        let spec = SpecBuilders.spec(
            timezone: "America/New_York",
            window: SpecBuilders.window(
                from: SpecBuilders.date(2024, 11, 2, 18), to: SpecBuilders.date(2024, 11, 3, 6)),
            exports: [
                SpecBuilders.export(
                    "closed", .conversation, filters: [.workqueues: queues], splitBy: .workqueues,
                    chunk: .fixed(CalendarDuration(4, .hour)), conversationReportType: .closed)
            ])
        let configuration = Self.configuration(
            headers: style.0, time: style.1, empty: index % 2 == 0 ? .header : .empty,
            compression: index % 3 == 0 ? (index % 2 == 0 ? .gzip : .gzipFile) : .none,
            delimiter: CSVDelimiterStyle.allCases[(index / 3) % 3],
            inclusive: index % 2 == 1, arrayStatus: index % 3 == 1)
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: ExecutorSimulatorTests.scale,
                passwords: ExecutorSimulatorTests.passwords, log: log)
            #expect(outcome.summary.failed.isEmpty, "\(outcome.summary.failed.map(\.error))")
            #expect(log.count(.warning) == 0, "\(log.events.filter { $0.kind == .warning }.map(\.message))")
            let export = outcome.plan.exports[0]
            #expect(export.chunks.count >= 6, "fanned out and chunked")
            let expected = try Self.whole(export, filters: [.workqueues: queues], configuration)
            let actual = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/out/closed.csv")))
            #expect(actual.count > 500)
            let delimiter = configuration.csvDelimiter.byte
            #expect(
                actual.prefix { $0 != 10 }.filter { $0 == delimiter }.count >= 2, "the header is \(delimiter)-delimited"
            )
            let stats = await simulator.stats()
            #expect(stats.fileRequests >= (configuration.redirectHops + 1) * export.chunks.count, "every hop was taken")
            #expect(actual == expected, "\(style.0) headers, \(style.1) times equal one export of the whole window")
            let entry = try #require(outcome.merged.first)
            let roles = try #require(entry.columnRoles)
            let label = { (id: String) in
                switch style.0 {
                case .ids: id
                case .labels: ColumnRoleNames.label(for: id)
                case .upper: id.uppercased()
                }
            }
            #expect(
                roles
                    == ResolvedColumnRoles(
                        time: label("closed_time"), id: label("conversation_id"), key: [label("conversation_id")]))
            #expect(Set(entry.chunks.compactMap(\.tag)) == Set(queues.map { "workqueue=\($0)" }))
        }
    }

    @Test func noRoleResolvingStillWritesEveryRowInWindowOrderWithOneWarning() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let company = SyntheticCompany(seed: 7)
        let queues = Array(company.workqueues.prefix(2).map(\.id))
        // Only columns that serve no role: no time, no id.
        let columns = ["agent_name", "content", "handle_time_seconds"]
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 3)),
            exports: [
                SpecBuilders.export(
                    "responses", .response, filters: [.workqueues: queues], splitBy: .workqueues,
                    chunk: .fixed(CalendarDuration(12, .hour)), columns: columns)
            ])
        let configuration = Self.configuration(headers: .labels, time: .local)
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: ExecutorSimulatorTests.scale,
                passwords: ExecutorSimulatorTests.passwords, log: log)
            #expect(outcome.summary.failed.isEmpty)
            #expect(outcome.incomplete.isEmpty)
            let warnings = log.events.filter { $0.kind == .warning }
            #expect(warnings.count == 1, "one warning for the one export")
            #expect(warnings.first?.export == "responses")
            #expect(warnings.first?.message?.contains("the row order differs from one whole export's") == true)
            let entry = try #require(outcome.merged.first)
            #expect(entry.warnings?.count == 1)
            #expect(entry.columnRoles == ResolvedColumnRoles())
            #expect(entry.sortKey == nil)
            // Each work queue's whole export, one after the other (in the order of their values), in window order.
            let export = outcome.plan.exports[0]
            var expected: [UInt8] = []
            for queue in queues.sorted(by: { "workqueue=\($0)" < "workqueue=\($1)" }) {
                let part = try Self.whole(export, filters: [.workqueues: [queue]], configuration)
                let headerEnd = part.firstIndex(of: 0x0A)! + 1
                if expected.isEmpty { expected += part[..<headerEnd] }
                expected += part[headerEnd...]
            }
            let actual = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/out/responses.csv")))
            #expect(actual.count > 1000)
            #expect(actual == expected)
        }
    }

    @Test func zeroRowWindowsInTheMiddleOfABackfillAreValidChunks() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let company = SyntheticCompany(seed: 7)
        // A work queue quiet enough that some hours of 2025-02-01 have no expert-help request between busier ones.
        let generator = ExportDataGenerator(company: company)
        let dayStart: Int64 = 1_738_368_000_000
        func hourly(_ queue: Int64) -> [Int] {
            (0..<24).map { hour in
                let start = dayStart + Int64(hour) * 3_600_000
                return generator.rowCount(
                    for: ExportRequest(
                        type: .rawExpertHelp, startTime: start, endTime: start + 3_600_000,
                        selection: ExportSelection(filters: [.workqueues: [queue]])))
            }
        }
        let quiet = try #require(
            company.workqueues.map(\.id).first { queue in
                let counts = hourly(queue)
                guard let first = counts.firstIndex(where: { $0 > 0 }), let last = counts.lastIndex(where: { $0 > 0 })
                else { return false }
                return counts[first...last].contains(0)
            })
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 2)),
            exports: [
                SpecBuilders.export(
                    "help", .rawExpertHelp, filters: [.workqueues: [quiet]], chunk: .fixed(CalendarDuration(1, .hour)))
            ])
        for empty in EmptyWindowStyle.allCases {
            let configuration = Self.configuration(headers: .upper, time: .epoch, empty: empty)
            try await SimulatorHarness.withSimulator(configuration) { simulator in
                let log = PipelineHarness.EventLog()
                let outcome = try await PipelineHarness.run(
                    spec, on: simulator, directory: directory + "/\(empty)", now: Self.now,
                    timeScale: ExecutorSimulatorTests.scale, passwords: ExecutorSimulatorTests.passwords, log: log)
                #expect(outcome.summary.failed.isEmpty)
                #expect(outcome.summary.splits == 0, "an empty window is not a reason to split")
                #expect(outcome.summary.retries == 0, "nor to retry")
                let entry = try #require(outcome.merged.first)
                let rows = entry.chunks.map(\.rows)
                let firstFull = try #require(rows.firstIndex { $0 > 0 })
                let lastFull = try #require(rows.lastIndex { $0 > 0 })
                #expect(rows[firstFull...lastFull].contains(0), "zero-row windows in the middle: \(rows)")
                let expected = try Self.whole(outcome.plan.exports[0], filters: [.workqueues: [quiet]], configuration)
                let actual = Array(
                    try Data(contentsOf: URL(fileURLWithPath: directory + "/\(empty)/out/help.csv")))
                #expect(actual == expected)
            }
        }
    }

    @Test func anHTMLBodyIsRetriedThenReportedWithChunkAndWindow() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 2)),
            exports: [SpecBuilders.export("teams", .teamPerformance)])
        let configuration = Self.configuration(headers: .ids, time: .iso, faults: FaultConfiguration(html: 1))
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: ExecutorSimulatorTests.scale,
                passwords: ExecutorSimulatorTests.passwords, attempts: 3, log: log)
            #expect(outcome.incomplete == ["teams"], "never merged")
            #expect(!FileManager.default.fileExists(atPath: directory + "/out/teams.csv"))
            let retries = log.events.filter { $0.kind == .retrying }
            #expect(retries.count == 2, "retried before giving up")
            let failure = try #require(outcome.summary.failed.first)
            for text in [failure.error] + retries.compactMap(\.message) {
                #expect(text.contains("teams chunk \(failure.id)"), "\(text)")
                #expect(text.contains("(window 2025-02-01T00:00:00Z…2025-02-02T00:00:00Z)"), "\(text)")
                #expect(text.contains(#"the body is HTML or XML, not the CSV export: it begins "<!DOCTYPE html>"#))
                #expect(text.contains("exported again"))
            }
        }
    }

    @Test func occasionalHTMLBodiesAreRetriedAndTheOutputIsStillExact() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 3)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(12, .hour)))])
        let configuration = Self.configuration(
            headers: .labels, time: .iso, compression: .gzip, faults: FaultConfiguration(html: 0.3))
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: ExecutorSimulatorTests.scale,
                passwords: ExecutorSimulatorTests.passwords, attempts: 10, log: log)
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            #expect((stats.faults["html"] ?? 0) > 0, "the fault was met")
            let expected = try Self.whole(outcome.plan.exports[0], filters: [:], configuration)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/out/posts.csv"))) == expected)
        }
    }
}
