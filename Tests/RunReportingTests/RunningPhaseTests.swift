import AnalyticsSimulator
import ExportExecutor
import ExportSpec
import ExportTestSupport
import Foundation
import RunReporting
import Testing

/// A run against a simulator whose statuses tell running from queued: the executor reports `running`, and the
/// report's timeline draws both phases with a legend that names them.
@Suite("the running phase of a simulator run")
struct RunningPhaseTests {
    static func spec() -> PipelineSpec {
        var spec = SpecBuilders.spec(
            window: SpecBuilders.window(from: SpecBuilders.date(2025, 2, 1), to: SpecBuilders.date(2025, 2, 5)),
            exports: [SpecBuilders.export("posts", .incomingPost, chunk: .fixed(CalendarDuration(1, .day)))])
        // More outstanding than the 2 running per user: some jobs wait at the server before they run.
        spec.run.outstandingPerUser = 4
        return spec
    }

    @Test func jobsAreQueuedThenRunningOnTheTimeline() async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The simulator's time moves only when this test moves it: the first jobs stay running at the server
        // until the executor has seen them running, however slow the machine is.
        let serverClock = ManualClock()
        var configuration = SimulatorHarness.fastConfiguration(seed: 5, clock: .manual(serverClock))
        configuration.users = ["user1": "pw1"]
        configuration.timeScale = 1
        configuration.reportsRunning = true
        let log = PipelineHarness.EventLog()
        let started = Date().timeIntervalSince1970
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let run = Task {
                try await PipelineHarness.run(
                    Self.spec(), on: simulator, directory: directory,
                    now: Date(timeIntervalSince1970: 1_741_000_000), timeScale: 20, passwords: ["user1": "pw1"],
                    log: log)
            }
            // Wait for the first running notice (bounded, so a broken build fails rather than hangs), then let
            // server time pass in steps until the run ends.
            for _ in 0..<2_400 where !log.events.contains(where: { $0.kind == .running }) {
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            for _ in 0..<20_000 where !log.events.contains(where: { $0.kind == .finished }) {
                serverClock.advance(by: 5)
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            let outcome = try await run.value
            #expect(outcome.summary.failed.isEmpty)
        }
        let running = log.events.filter { $0.kind == .running }
        #expect(!running.isEmpty, "the statuses showed jobs running")
        #expect(Set(running.compactMap(\.chunk)).count == running.count, "once per job")

        let events = log.timed.map { at, event in
            RunEventLog.Event(
                at: at, kind: event.kind.rawValue, chunk: event.chunk, export: event.export, user: event.user,
                message: event.message)
        }
        let end = Date().timeIntervalSince1970
        let timeline = RunTimeline(events: events, users: ["user1"], start: started, end: end, slotsPerUser: 4)
        #expect(timeline.segments.contains { $0.phase == .running })
        let run = RunEventLog.Run(
            number: 1, command: "run", pipeline: "test", startedAt: started, finishedAt: end, timeScale: 1,
            slots: 2, lowerBoundSeconds: 1, users: ["user1"], exports: ["posts"])
        let html = RunReport(
            snapshot: JournalSnapshot(records: [], run: run, events: events), manifest: nil, specPath: "p.yaml",
            now: end
        ).html()
        #expect(html.contains("<rect class=\"running\""))
        #expect(html.contains("queued at the server</span>"))
        #expect(!html.contains("did not tell queued from running"))
    }

    @Test func withoutEvidenceTheLegendSaysTheAPIDidNotTell() {
        let events = [
            RunEventLog.Event(at: 100, kind: "submitted", chunk: "a", export: "posts", user: "u1", message: nil),
            RunEventLog.Event(at: 104, kind: "completed", chunk: "a", export: "posts", user: "u1", message: nil),
        ]
        let run = RunEventLog.Run(
            number: 1, command: "run", pipeline: "test", startedAt: 100, finishedAt: 110, timeScale: 1,
            slots: 2, lowerBoundSeconds: 1, users: ["u1"], exports: ["posts"])
        let html = RunReport(
            snapshot: JournalSnapshot(records: [], run: run, events: events), manifest: nil, specPath: "p.yaml",
            now: 110
        ).html()
        #expect(html.contains("did not tell queued from running"))
        #expect(!html.contains("<rect class=\"running\""))
    }
}
