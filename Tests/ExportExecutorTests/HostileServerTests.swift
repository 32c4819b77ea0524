import AnalyticsAPI
import AnalyticsSimulator
import ExportExecutor
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// The executor against hostile servers: statuses that never close, redirects to another host, garbage.
@Suite("Executor against hostile servers")
struct HostileServerTests {
    static let scale = 10_000.0
    static let now = Date(timeIntervalSince1970: 1_741_000_000)

    /// At these fault rates (40% of jobs stuck; 40% of requests answered with garbage, a submit's among them
    /// taking an attempt as an unknown outcome) ten attempts all failing is a draw of about 1 in 10,000 per chunk,
    /// which a full suite run met once; these tests are about how each fault is handled, not the attempt budget.
    static let attempts = 20

    static func spec() -> PipelineSpec {
        SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 7)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
    }

    static func expected(_ outcome: PipelineHarness.Outcome) throws -> [UInt8] {
        try PipelineHarness.wholeExport(of: outcome)
    }

    static func configuration(_ faults: String) throws -> SimulatorConfiguration {
        var configuration = SimulatorHarness.fastConfiguration(seed: 7, faults: try FaultConfiguration(parsing: faults))
        configuration.users = ["user1": "pw1"]
        return configuration
    }

    @Test func aJobWhoseStatusNeverChangesIsAbandonedAndSubmittedAgain() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await SimulatorHarness.withSimulator(try Self.configuration("stuck=0.4")) { simulator in
            let log = PipelineHarness.EventLog()
            // Without stuck detection this run never ends: a stuck job reports RUNNING forever.
            let outcome = try await PipelineHarness.run(
                Self.spec(), on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"], attempts: Self.attempts, stuckAfterSeconds: 600, log: log)
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            let stuck = try #require(stats.faults["stuck"])
            #expect(stuck > 0)
            #expect(outcome.summary.stuck == stuck)
            #expect(log.count(.stuck) == stuck)
            // Each abandoned job spent an attempt and was submitted again (a download that failed on a busy
            // machine may add a resubmission of its own).
            #expect(stats.users.submissions >= outcome.plan.chunkCount + stuck)
            #expect(
                try ExecutorSimulatorTests.bytes(directory + "/out/posts.csv")
                    == Self.expected(outcome))
        }
    }

    @Test func credentialsNeverReachTheHostADownloadRedirectsTo() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // `localhost` names the same server as another host: every file is fetched from there.
        var configuration = try Self.configuration("foreign=1")
        configuration.foreignBaseURL = "http://localhost"
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let outcome = try await PipelineHarness.run(
                Self.spec(), on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"])
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            // At least one redirect per chunk (a link that expired on a busy machine is asked for again).
            #expect((stats.faults["foreign"] ?? 0) >= outcome.plan.chunkCount)
            #expect(stats.fileRequests >= outcome.plan.chunkCount)
            #expect(stats.fileRequestsWithAuthorization == 0)
            #expect(
                try ExecutorSimulatorTests.bytes(directory + "/out/posts.csv")
                    == Self.expected(outcome))
        }
    }

    @Test func garbageAndWrongEnvelopesAreRetriedWithoutLoss() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await SimulatorHarness.withSimulator(try Self.configuration("garbage=0.2,envelope=0.2")) { simulator in
            let outcome = try await PipelineHarness.run(
                Self.spec(), on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"], attempts: Self.attempts)
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            #expect((stats.faults["garbage"] ?? 0) + (stats.faults["envelope"] ?? 0) > 0)
            #expect(
                try ExecutorSimulatorTests.bytes(directory + "/out/posts.csv")
                    == Self.expected(outcome))
        }
    }
}
