import AnalyticsAPI
import AnalyticsSimulator
import ExportExecutor
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// The executor against the simulator over loopback: limits, rejections, splits, resume, secrets.
@Suite("Executor against the simulator")
struct ExecutorSimulatorTests {
    static let scale = 10_000.0
    /// The simulator's "now": 2025-03-03T11:06:40Z; the windows below lie before it.
    static let now = Date(timeIntervalSince1970: 1_741_000_000)

    static func configuration(
        users: Int = 1, faults: FaultConfiguration = .none, maxExportRows: Int = 0, seed: UInt64 = 7
    ) -> SimulatorConfiguration {
        var configuration = SimulatorHarness.fastConfiguration(seed: seed, faults: faults)
        configuration.users = Dictionary(uniqueKeysWithValues: (1...users).map { ("user\($0)", "pw\($0)") })
        configuration.maxExportRows = maxExportRows
        return configuration
    }

    static var passwords: [String: String] {
        Dictionary(uniqueKeysWithValues: (1...3).map { ("user\($0)", "pw\($0)") })
    }

    /// One export of the whole window, as the simulator would return it.
    static func single(_ request: ExportRequest, seed: UInt64) throws -> [UInt8] {
        try ExportDataGenerator(seed: seed).csv(for: request)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func aChunkedRunMergesToExactlyOneExportOfTheWholeWindow() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let company = SyntheticCompany(seed: 7)
        let queues = Array(company.workqueues.prefix(3).map(\.id))
        let spec = SpecBuilders.spec(
            timezone: "America/New_York",
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 11)),
            exports: [
                SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day))),
                SpecBuilders.export(
                    "responses", .response, filters: [.workqueues: queues], splitBy: .workqueues,
                    chunk: .fixed(CalendarDuration(2, .day))),
            ])
        try await SimulatorHarness.withSimulator(Self.configuration()) { simulator in
            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: Self.passwords, log: log)
            #expect(outcome.summary.failed.isEmpty)
            #expect(outcome.incomplete.isEmpty)
            #expect(outcome.merged.map(\.name) == ["posts", "responses"])
            for export in outcome.plan.exports {
                let first = try #require(export.chunks.first).request
                var whole = first
                whole.startTime = export.windowStartMillis
                whole.endTime = export.windowEndMillis
                if export.name == "responses" { whole.selection.filters = [.workqueues: queues] }
                let expected = try Self.single(whole, seed: 7)
                let actual = try Self.bytes(directory + "/out/\(export.name).csv")
                #expect(actual.count > 1000, "\(export.name) has rows")
                #expect(actual == expected, "\(export.name) equals one export of the whole window")
            }
            let stats = await simulator.stats()
            #expect(stats.users.rejections == 0, "no rejection was caused by exportpipe")
            #expect((stats.maxQueuedPerUser["user1"] ?? 0) <= 2)
            #expect((stats.maxRunningPerUser["user1"] ?? 0) <= 2)
            let retries = log.events.filter { $0.kind == .retrying }.map { $0.message ?? "" }
            // Every submission is a chunk's first or a recorded retry (a busy machine can make a link expire).
            #expect(
                stats.users.submissions == outcome.plan.chunkCount + outcome.summary.retries, "retries: \(retries)")
            #expect(log.count(.verified) == outcome.plan.chunkCount)
            // Finished chunks teach the planner the real volume for `chunk: auto` next time.
            let hints = try Journal(path: directory + "/state/journal.sqlite").volumeHints()
            let postsRows = try #require(outcome.merged.first { $0.name == "posts" }).rows
            let days =
                Double(outcome.plan.exports[0].windowEndMillis - outcome.plan.exports[0].windowStartMillis)
                / 86_400_000
            #expect(abs((hints["posts"] ?? 0) - Double(postsRows) / days) < 1)
        }
    }

    @Test func chunksEndingWithinTheSettlePeriodAreExportedAgain() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 4)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
        try await SimulatorHarness.withSimulator(Self.configuration()) { simulator in
            _ = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: Self.passwords)
            // Settled: nothing is exported again.
            let settled = PipelineHarness.EventLog()
            let quiet = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: Self.passwords, log: settled)
            #expect(quiet.summary.reused == 3)
            #expect(settled.count(.submitted) == 0)
            // With a settle period longer than the time since the window ended, every chunk may have late data.
            let late = PipelineHarness.EventLog()
            let again = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: Self.passwords, settleSeconds: 100 * 365 * 86_400, log: late)
            #expect(late.count(.replanned) == 3)
            #expect(late.count(.submitted) == 3)
            #expect(again.summary.failed.isEmpty)
        }
    }

    @Test func boundaryRowsOfAnInclusiveEndTimeAreWrittenOnceInTheExportsOwnOrder() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 5)),
            exports: [
                SpecBuilders.export(
                    "closed", .conversation, chunk: .fixed(CalendarDuration(6, .hour)), conversationReportType: .closed)
            ])
        var configuration = Self.configuration()
        configuration.inclusiveEndTime = true
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: Self.passwords)
            #expect(outcome.summary.failed.isEmpty)
            let export = outcome.plan.exports[0]
            var whole = export.chunks[0].request
            whole.startTime = export.windowStartMillis
            whole.endTime = export.windowEndMillis
            let expected = try ExportDataGenerator(seed: 7).csv(for: whole, inclusiveEndTime: true)
            #expect(try Self.bytes(directory + "/out/closed.csv") == expected)
        }
    }

    @Test func backgroundLoadIsAbsorbedWithoutFailures() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var faults = FaultConfiguration.none
        faults.background = 2
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 5)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))],
            users: 2)
        // Two other users keep 10 jobs queued in a company whose queue holds 11: our four outstanding jobs
        // do not fit, so most submissions are closed with "too many exports" and must be absorbed.
        var configuration = Self.configuration(users: 2, faults: faults)
        configuration.limits.queuedPerCompany = 11
        // Slow enough that our jobs overlap in API time even on a busy machine.
        configuration.timeScale = 100
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            // The other users' jobs are in the queue before ours come (on a quiet machine our run could otherwise
            // be over before they fill it): a bounded wait for their submissions.
            let waitUntil = Date().addingTimeInterval(60)
            while await simulator.stats().background.submissions < 10, Date() < waitUntil {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: 100,
                passwords: Self.passwords)
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            // Other users filled the company's queue: their load shows as rejections of ours, which were absorbed.
            #expect(stats.background.submissions > 0)
            #expect(stats.users.rejections > 0, "the company queue was full at times: \(stats)")
            #expect(outcome.summary.rejections == stats.users.rejections)
            #expect(stats.maxQueuedCompany <= 11)
            for user in ["user1", "user2"] { #expect((stats.maxQueuedPerUser[user] ?? 0) <= 2) }
            #expect(try Self.bytes(directory + "/out/posts.csv") == PipelineHarness.wholeExport(of: outcome))
        }
    }

    /// The server says so in a FAILED reason, or (a workflow engine's own close status) as detail TIMED_OUT with
    /// no reason: either way the chunk is split, not retried whole.
    @Test(arguments: [false, true])
    func aChunkThatTimesOutOnTheServerIsSplitAndCompletes(closeStatus: Bool) async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 5)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(4, .day)))])
        let generator = ExportDataGenerator(seed: 7)
        let dayRows = generator.rowCount(
            for: ExportRequest(type: .incomingPost, startTime: 1_738_368_000_000, endTime: 1_738_454_400_000))
        // A job over ~1.5 days of rows times out: the 4-day chunk must be split twice.
        var configuration = Self.configuration(maxExportRows: dayRows * 3 / 2)
        configuration.timeoutsAsCloseStatus = closeStatus
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: Self.passwords, log: log)
            #expect(outcome.summary.failed.isEmpty, "\(outcome.summary.failed.map(\.error))")
            #expect(outcome.summary.splits >= 3)
            #expect(log.count(.split) == outcome.summary.splits)
            let said = closeStatus ? "closed TIMED_OUT" : "timed out after"
            #expect(log.events.filter { $0.kind == .split }.allSatisfy { ($0.message ?? "").contains(said) })
            let whole = ExportRequest(
                type: .incomingPost, startTime: 1_738_368_000_000, endTime: 1_738_713_600_000,
                selection: outcome.plan.chunks[0].request.selection, locale: "en", timezone: "UTC")
            #expect(try Self.bytes(directory + "/out/posts.csv") == Self.single(whole, seed: 7))
        }
    }

    @Test func aResumedRunReattachesAndSubmitsNothingTwice() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 7)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
        try await SimulatorHarness.withSimulator(Self.configuration()) { simulator in
            // First run: stop it as soon as two chunks are verified.
            let log = PipelineHarness.EventLog()
            let first = Task {
                try await PipelineHarness.run(
                    spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                    passwords: Self.passwords, log: log)
            }
            while log.count(.verified) < 2 { try await Task.sleep(nanoseconds: 1_000_000) }
            first.cancel()
            let interrupted = try await first.value
            #expect(interrupted.summary.interrupted)
            let submittedBefore = await simulator.stats().users.submissions
            let journal = try Journal(path: directory + "/state/journal.sqlite")
            let verifiedBefore = try journal.records().filter { $0.state == .verified }.count
            let inFlightBefore = try journal.records().filter { $0.state == .submitted || $0.state == .completed }
                .count

            let second = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: Self.passwords)
            #expect(second.summary.failed.isEmpty)
            #expect(second.summary.reused == verifiedBefore)
            let submittedAfter = await simulator.stats().users.submissions
            // Only chunks never submitted (or whose submit answer was lost) are submitted again.
            #expect(submittedAfter - submittedBefore <= 6 - verifiedBefore - inFlightBefore)
            let whole = ExportRequest(
                type: .incomingPost, startTime: 1_738_368_000_000, endTime: 1_738_886_400_000,
                selection: second.plan.chunks[0].request.selection, locale: "en", timezone: "UTC")
            #expect(try Self.bytes(directory + "/out/posts.csv") == Self.single(whole, seed: 7))
            // The journal is private.
            let mode =
                try FileManager.default.attributesOfItem(atPath: directory + "/state/journal.sqlite")[
                    .posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func secretsNeverAppearInEventsOrTheJournalReport() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var faults = FaultConfiguration.none
        faults.fail = 0.3
        faults.http5xx = 0.1
        faults.expire = 0.3
        let spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 5)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
        var configuration = Self.configuration(faults: faults)
        configuration.companyKey = "company-secret-key"
        configuration.users = ["user1": "very-secret-password"]
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let log = PipelineHarness.EventLog()
            _ = try await PipelineHarness.run(
                spec, on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                companyKey: "company-secret-key", passwords: ["user1": "very-secret-password"], attempts: 10, log: log)
            let journal = try Journal(path: directory + "/state/journal.sqlite")
            let report = JournalReport(records: try journal.records())
            let encoder = JSONEncoder()
            let texts =
                log.events.map { String(decoding: try! encoder.encode($0), as: UTF8.self) } + [report.text]
            for text in texts {
                #expect(!text.contains("very-secret-password"))
                #expect(!text.contains("company-secret-key"))
                #expect(!text.contains("analyticsAccessToken="), "no status or download URL is printed")
            }
        }
    }
}
