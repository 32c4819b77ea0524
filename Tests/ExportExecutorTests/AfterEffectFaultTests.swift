import AnalyticsAPI
import AnalyticsSimulator
import ExportExecutor
import ExportRun
import ExportSpec
import ExportTestSupport
import Foundation
import Testing

/// Faults that happen after the request had its effect, as a gateway in front of the real API makes them: the
/// executor must keep the limits, go on and keep credentials on the API's origin.
@Suite("Executor against after-effect faults")
struct AfterEffectFaultTests {
    static let scale = 10_000.0
    static let now = Date(timeIntervalSince1970: 1_741_000_000)

    static func spec(outstanding: Int = 2) -> PipelineSpec {
        var spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 9)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
        spec.run.outstandingPerUser = outstanding
        return spec
    }

    static func configuration(_ faults: String) throws -> SimulatorConfiguration {
        var configuration = SimulatorHarness.fastConfiguration(seed: 7, faults: try FaultConfiguration(parsing: faults))
        configuration.users = ["user1": "pw1"]
        configuration.foreignBaseURL = "http://localhost"
        return configuration
    }

    static func expected(_ outcome: PipelineHarness.Outcome) throws -> [UInt8] {
        try PipelineHarness.wholeExport(of: outcome)
    }

    @Test func lostSubmitAnswersHoldTheirSlotSoTheQueueNeverOverflows() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await SimulatorHarness.withSimulator(try Self.configuration("accepted5xx=0.3")) { simulator in
            let log = PipelineHarness.EventLog()
            let outcome = try await PipelineHarness.run(
                Self.spec(outstanding: 5), on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"], attempts: 10, log: log)
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            #expect((stats.faults["accepted5xx"] ?? 0) > 0)
            #expect(stats.users.rejections == 0, "no rejection: every possible job kept its slot")
            #expect((stats.maxQueuedPerUser["user1"] ?? 0) <= 5)
            #expect(outcome.summary.unknownOutcomes == stats.faults["accepted5xx"])
            #expect(log.count(.held) == outcome.summary.unknownOutcomes)
            #expect(
                try ExecutorSimulatorTests.bytes(directory + "/out/posts.csv")
                    == Self.expected(outcome))
        }
    }

    @Test func aRefusedJobTokenIsThatJobsProblemAndTheRunGoesOn() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await SimulatorHarness.withSimulator(try Self.configuration("jobToken403=0.3,acceptedReset=0.1")) {
            simulator in
            let outcome = try await PipelineHarness.run(
                Self.spec(), on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"], attempts: 20)  // 40% of jobs refused or lost: budget is not the point
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            #expect((stats.faults["jobToken403"] ?? 0) > 0)
            #expect((stats.maxQueuedPerUser["user1"] ?? 0) <= 2)
            #expect(
                try ExecutorSimulatorTests.bytes(directory + "/out/posts.csv")
                    == Self.expected(outcome))
        }
    }

    /// A job store that knows a new job only a while after its submit answered (404 until then): the jobs are
    /// asked again, not taken as gone, so nothing runs twice.
    @Test func aNewJobNotYetVisibleIsAskedAgainNotSubmittedTwice() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Each job's first two status requests answer 404: within the grace of three polls, however late a busy
        // machine answers them. Without the grace every job is taken as gone: 12 submissions for 8 chunks, the
        // export stopped.
        var configuration = try Self.configuration("")
        configuration.statusNotFoundFirst = 2
        // Signed links that outlast a loaded machine's slowest download (900 API s is 90 ms here): an expired link
        // costs a retry and a resubmit that this test, about the status endpoint, does not count on.
        configuration.signedURLLifetime = 900 * 1_000
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let outcome = try await PipelineHarness.run(
                Self.spec(), on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"])
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            #expect(stats.notYetVisible == 2 * outcome.plan.chunks.count, "every job's first two polls met the 404")
            #expect(stats.users.submissions == outcome.plan.chunks.count, "no chunk submitted twice")
            #expect(outcome.summary.retries == 0)
            #expect(
                try ExecutorSimulatorTests.bytes(directory + "/out/posts.csv")
                    == Self.expected(outcome))
        }
    }

    @Test func aStatusURLOnAnotherOriginGetsNoCredentials() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await SimulatorHarness.withSimulator(try Self.configuration("foreignStatus=1")) { simulator in
            let outcome = try await PipelineHarness.run(
                Self.spec(), on: simulator, directory: directory, now: Self.now, timeScale: Self.scale,
                passwords: ["user1": "pw1"])
            #expect(outcome.summary.failed.isEmpty)
            let stats = await simulator.stats()
            #expect(stats.foreignRequests >= outcome.plan.chunkCount, "the status URLs named the other origin")
            #expect(stats.foreignRequestsWithAuthorization == 0)
        }
    }
}
