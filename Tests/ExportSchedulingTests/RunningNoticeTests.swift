import AnalyticsAPI
import ExportScheduling
import Testing

/// The `running` notice: a job's status first showing it running (not only queued) is told once, so the run
/// report can tell "queued at the server" from "running".
@Suite("Scheduler: the running notice")
struct RunningNoticeTests {
    static let item = WorkItem(
        id: "c1", exportName: "posts",
        request: ExportRequest(type: .incomingPost, startTime: 1_738_368_000_000, endTime: 1_738_454_400_000),
        expectedRows: 1000, expectedSeconds: 120)

    static func notices(_ effects: [SchedulerEffect]) -> [ProgressEvent] {
        effects.compactMap { if case .notify(let notice) = $0 { notice } else { nil } }
    }

    @Test func aJobSeenRunningIsToldOnceAndAQueuedOneNever() throws {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"]))
        let first = driver.start([ChunkStart(Self.item)])
        #expect(first.contains { if case .submit = $0 { true } else { false } })
        let job = SubmittedJob(workflowId: "w", runId: "r", statusURL: "s", downloadURL: "d")
        driver.now = 1
        _ = driver.send(.submitAnswered(chunk: "c1", job: job))
        var core = driver.core

        // Queued: RUNNING with nothing that says it runs.
        let queued = core.handle(
            .statusAnswered(chunk: "c1", outcome: .inFlight, progress: "RUNNING//-1", downloadURL: nil), now: 10)
        #expect(!Self.notices(queued).contains { $0.kind == .running })

        let running = core.handle(
            .statusAnswered(
                chunk: "c1", outcome: .inFlight, progress: "RUNNING//10", downloadURL: nil, running: true), now: 30)
        let told = Self.notices(running).filter { $0.kind == .running }
        #expect(told.count == 1)
        #expect(told.first?.chunk == "c1" && told.first?.export == "posts" && told.first?.user == "u1")

        let again = core.handle(
            .statusAnswered(
                chunk: "c1", outcome: .inFlight, progress: "RUNNING//20", downloadURL: nil, running: true), now: 60)
        #expect(!Self.notices(again).contains { $0.kind == .running }, "told once")
        let completed = core.handle(
            .statusAnswered(chunk: "c1", outcome: .completed, progress: "CLOSED/COMPLETED/-1", downloadURL: "d"),
            now: 120)
        #expect(Self.notices(completed).contains { $0.kind == .completed })
    }

    @Test func aJobTheServerNamesQueuedIsToldQueuedOnceThenRunningWhenItNoLongerIs() throws {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"]))
        _ = driver.start([ChunkStart(Self.item)])
        driver.now = 1
        _ = driver.send(
            .submitAnswered(chunk: "c1", job: SubmittedJob(workflowId: "w", runId: "r", statusURL: "s")))
        var core = driver.core

        let queued = core.handle(
            .statusAnswered(
                chunk: "c1", outcome: .inFlight, progress: "QUEUED//-1", downloadURL: nil, queued: true), now: 10)
        let told = Self.notices(queued).filter { $0.kind == .queued }
        #expect(told.count == 1 && told.first?.chunk == "c1" && told.first?.user == "u1")
        #expect(!Self.notices(queued).contains { $0.kind == .running })
        let still = core.handle(
            .statusAnswered(
                chunk: "c1", outcome: .inFlight, progress: "QUEUED//-1", downloadURL: nil, queued: true), now: 20)
        #expect(Self.notices(still).isEmpty, "told once")

        // RUNNING with no counter: from a service that names the queued state, not queued means running.
        let running = core.handle(
            .statusAnswered(chunk: "c1", outcome: .inFlight, progress: "RUNNING//-1", downloadURL: nil), now: 30)
        #expect(Self.notices(running).map(\.kind) == [.running])
    }

    @Test func theStatusShowsQueuedOnlyWhenItNamesTheState() {
        #expect(JobResult(runnerState: RunnerState(rawValue: "QUEUED"), reason: nil, detail: "").showsQueued)
        #expect(JobResult(runnerState: RunnerState(rawValue: "waiting"), reason: nil, detail: "").showsQueued)
        #expect(JobResult(runnerState: RunnerState(rawValue: "Pending"), reason: nil, detail: "").showsQueued)
        #expect(!JobResult(runnerState: .running, reason: nil, detail: "").showsQueued)
        #expect(!JobResult(runnerState: .closed, reason: nil, detail: "COMPLETED").showsQueued)
    }

    @Test func theStatusShowsRunningOnlyWithEvidence() {
        #expect(!JobResult(runnerState: .running, reason: nil, detail: "").showsRunning)
        #expect(JobResult(runnerState: .running, reason: nil, detail: "", lastAcknowledgeTime: 5).showsRunning)
        #expect(JobResult(runnerState: .running, reason: nil, detail: "", currentCount: 3).showsRunning)
        #expect(!JobResult(runnerState: .running, reason: nil, detail: "", currentCount: 0).showsRunning)
        #expect(!JobResult(runnerState: RunnerState(rawValue: "QUEUED"), reason: nil, detail: "").showsRunning)
        #expect(!JobResult(runnerState: .closed, reason: nil, detail: "COMPLETED", currentCount: 9).showsRunning)
    }
}
