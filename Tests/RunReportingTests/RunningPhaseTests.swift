import AnalyticsSimulator
import ExportExecutor
import ExportScheduling
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

    /// Runs `spec()` against a simulator (seed 5, one user, time scale 1, as `configure` sets it up further) whose
    /// time stands still until the executor has told `holdUntil` for a job (bounded, so a broken build fails rather
    /// than hangs), then lets server time pass in steps until the run ends.
    static func run(
        log: PipelineHarness.EventLog, holdUntil kind: ProgressEvent.Kind,
        configure: (inout SimulatorConfiguration) -> Void
    ) async throws {
        let directory = try PipelineHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The simulator's time moves only when this helper moves it.
        let serverClock = ManualClock()
        var configuration = SimulatorHarness.fastConfiguration(seed: 5, clock: .manual(serverClock))
        configuration.users = ["user1": "pw1"]
        configuration.timeScale = 1
        configure(&configuration)
        try await SimulatorHarness.withSimulator(configuration) { simulator in
            let run = Task {
                try await PipelineHarness.run(
                    Self.spec(), on: simulator, directory: directory,
                    now: Date(timeIntervalSince1970: 1_741_000_000), timeScale: 20, passwords: ["user1": "pw1"],
                    log: log)
            }
            for _ in 0..<2_400 where !log.events.contains(where: { $0.kind == kind }) {
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            for _ in 0..<20_000 where !log.events.contains(where: { $0.kind == .finished }) {
                serverClock.advance(by: 5)
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            let outcome = try await run.value
            #expect(outcome.summary.failed.isEmpty)
        }
    }

    @Test func jobsAreQueuedThenRunningOnTheTimeline() async throws {
        // The first jobs stay running at the server until the executor has seen them running, however slow the
        // machine is.
        let log = PipelineHarness.EventLog()
        let started = Date().timeIntervalSince1970
        try await Self.run(log: log, holdUntil: .running) { $0.reportsRunning = true }
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

    @Test func aServerThatNamesTheQueuedStateShowsQueuedAndRunningJobsOnTheBoard() async throws {
        // 4 outstanding, 2 running per user at the simulator: 2 jobs wait at the server, and say QUEUED. Server time
        // stands still until the executor has seen them queued.
        let log = PipelineHarness.EventLog()
        try await Self.run(log: log, holdUntil: .queued) { $0.reportsQueued = true }
        let events = log.events
        let queued = events.filter { $0.kind == .queued }.compactMap(\.chunk)
        let running = events.filter { $0.kind == .running }.compactMap(\.chunk)
        #expect(!queued.isEmpty, "the statuses named jobs queued")
        #expect(Set(queued).count == queued.count && Set(running).count == running.count, "each told once")
        #expect(Set(queued).isSubset(of: Set(running)), "every queued job was seen running before it closed")

        // The board, fed the run's events in order, showed queued and running jobs at once at some point.
        var board = ProgressBoard(exports: [("posts", 4, 0, 0)])
        var seen: [String] = []
        for event in events {
            board.apply(event)
            let counts = board.counts("posts")
            if counts.queued > 0 && counts.running > 0 {
                seen = board.lines(width: 160, elapsed: 1) + board.lines(width: 80, elapsed: 1)
                break
            }
        }
        #expect(!seen.isEmpty, "queued and running at the same time")
        #expect(seen.contains { $0.contains("at server:") && $0.contains("queued,") && $0.contains("running") })
        #expect(seen.contains { $0.contains(" q ") && $0.contains(" run ") })
        for line in seen { #expect(line.count < 160) }
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
