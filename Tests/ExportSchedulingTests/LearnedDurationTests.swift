import AnalyticsAPI
import ExportScheduling
import Testing

/// What a run learns about its jobs' durations, and how that changes the polls of jobs already in flight.
@Suite("Scheduler: learned durations")
struct LearnedDurationTests {
    static func item(_ id: String, export: String = "posts") -> WorkItem {
        WorkItem(
            id: id, exportName: export,
            request: ExportRequest(type: .incomingPost, startTime: 1_738_368_000_000, endTime: 1_738_454_400_000),
            expectedRows: 1000, expectedSeconds: 300)
    }

    static func polled(_ effects: [SchedulerEffect]) -> [String] {
        effects.compactMap { if case .poll(let chunk, _, _) = $0 { chunk } else { nil } }
    }

    /// Two jobs of one export, estimated at 300 s each, submitted at 0 and answered at 1.
    static func twoJobs(second: WorkItem = item("c2")) -> Scheduler {
        var core = Scheduler(configuration: SchedulerConfiguration(users: ["u1"]), splitter: { _ in nil })
        _ = core.start([ChunkStart(item("c1")), ChunkStart(second)], now: 0)
        for id in ["c1", "c2"] {
            let job = SubmittedJob(workflowId: "w-\(id)", runId: "r", statusURL: "s-\(id)", downloadURL: "d-\(id)")
            _ = core.handle(.submitAnswered(chunk: id, job: job), now: 1)
        }
        return core
    }

    static func inFlight(_ core: inout Scheduler, _ id: String, at now: Double) {
        _ = core.handle(.tick, now: now)
        _ = core.handle(.statusAnswered(chunk: id, outcome: .inFlight, progress: "RUNNING", downloadURL: nil), now: now)
    }

    @Test func aJobTeachesTheMidpointBetweenItsLastRunningAnswerAndItsClosedOne() {
        var core = Self.twoJobs()
        Self.inFlight(&core, "c1", at: 81)
        _ = core.handle(.tick, now: 121)
        let closed = core.handle(
            .statusAnswered(chunk: "c1", outcome: .completed, progress: "CLOSED/COMPLETED", downloadURL: "d-c1"),
            now: 121)
        // Submitted at 1, last seen running at 81, seen CLOSED at 121: it took about 100 s, not 120.
        #expect(closed.contains(.journal(.completed(chunk: "c1", downloadURL: "d-c1", jobSeconds: 100))))
        #expect(abs(core.expectedSeconds(of: Self.item("c3")) - 100) < 1e-9)
        #expect(core.learned.samples["posts"]?.jobs == 1)
    }

    @Test func aJobInFlightIsAskedSoonerOnceItsExportsEstimateTurnsOutTooLong() {
        var core = Self.twoJobs()
        Self.inFlight(&core, "c2", at: 95)
        // Early probes grow by 1.25: c2's next question would come near 95 × 1.25 ≈ 119.
        Self.inFlight(&core, "c1", at: 96)
        let before = core.nextWakeup(after: 96) ?? 0
        #expect(before >= 110)
        _ = core.handle(.tick, now: 104)
        _ = core.handle(
            .statusAnswered(chunk: "c1", outcome: .completed, progress: "CLOSED/COMPLETED", downloadURL: "d-c1"),
            now: 104)
        // c1 took ~100 s of its 300: c2, at 104 s, is near its new expected end and is asked within 2.5% of it.
        let after = core.nextWakeup(after: 104) ?? 0
        #expect(after < before)
        #expect(after <= 104 + 6)
        #expect(Self.polled(core.handle(.tick, now: after)) == ["c2"])
    }

    @Test func anotherExportsJobsKeepTheirSchedule() {
        var core = Self.twoJobs(second: Self.item("c2", export: "responses"))
        Self.inFlight(&core, "c2", at: 95)
        Self.inFlight(&core, "c1", at: 96)
        let before = core.nextWakeup(after: 96) ?? 0
        _ = core.handle(.tick, now: 104)
        _ = core.handle(
            .statusAnswered(chunk: "c1", outcome: .completed, progress: "CLOSED/COMPLETED", downloadURL: "d-c1"),
            now: 104)
        #expect(core.nextWakeup(after: 104) == before)
        #expect(core.expectedSeconds(of: Self.item("c3", export: "responses")) == 300)
    }
}
