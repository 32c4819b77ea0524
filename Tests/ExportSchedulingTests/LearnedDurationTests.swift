import AnalyticsAPI
import ExportScheduling
import Foundation
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
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"]))
        _ = driver.start([ChunkStart(item("c1")), ChunkStart(second)])
        driver.now = 1
        for id in ["c1", "c2"] {
            let job = SubmittedJob(workflowId: "w-\(id)", runId: "r", statusURL: "s-\(id)", downloadURL: "d-\(id)")
            _ = driver.send(.submitAnswered(chunk: id, job: job))
        }
        return driver.core
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
        #expect(
            closed.contains(
                .journal(.completed(chunk: "c1", downloadURL: "d-c1", jobSeconds: 100, closedSeconds: 120))))
        // A job that may still run is held for the submit-to-CLOSED time (120 s), never the shorter midpoint.
        #expect(abs(core.holdSeconds(of: Self.item("c3")) - 120 * 1.5) < 1e-9)
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

    @Test func anExportWithNoJobSeenTakesEveryExportsRatioAndThenItsOwn() {
        var core = Self.twoJobs(second: Self.item("c2", export: "responses"))
        Self.inFlight(&core, "c2", at: 95)
        Self.inFlight(&core, "c1", at: 96)
        let before = core.nextWakeup(after: 96) ?? 0
        _ = core.handle(.tick, now: 104)
        _ = core.handle(
            .statusAnswered(chunk: "c1", outcome: .completed, progress: "CLOSED/COMPLETED", downloadURL: "d-c1"),
            now: 104)
        // The cost model's error is first common to all exports: c2 (responses) is re-planned too.
        let responses = core.belief(of: Self.item("c3", export: "responses"))
        #expect(abs(responses.expected - 99) < 1e-9 && responses.spread == nil)
        #expect((core.nextWakeup(after: 104) ?? 0) < before)

        var learned = LearnedDurations()
        learned.observe(export: "posts", estimate: 300, seconds: 100)
        let other = learned.belief(export: "responses", estimate: 300)
        #expect(abs(other.expected - 100) < 1e-9 && other.spread == nil)
        let own = learned.belief(export: "posts", estimate: 300)
        // One job: the prior's spread, shrunk by nothing (that job's own deviation is not a spread yet).
        #expect(abs(own.expected - 100) < 1e-9 && abs((own.spread ?? 0) - 0.2 * (3.0 / 4).squareRoot()) < 1e-9)
        learned.observe(export: "posts", estimate: 300, seconds: 150)
        // Two jobs: their standard deviation (log(1/3), log(1/2): log(1.5) ÷ 2) weighed against the prior's 3 jobs.
        let spread = learned.belief(export: "posts", estimate: 300).spread ?? 0
        let observed = log(1.5) / 2
        #expect(abs(spread - ((2 * observed * observed + 3 * 0.04) / 5).squareRoot()) < 1e-9)
        learned.observe(export: "responses", estimate: 300, seconds: 300)
        #expect(abs(learned.belief(export: "responses", estimate: 300).expected - 300) < 1e-9)
    }

    @Test func pollsCrowdWhereTheEndIsLikelyAndThinOutWhereItIsNot() {
        let schedule = PollSchedule()
        func gaps(_ belief: DurationBelief, until end: Double) -> [(at: Double, gap: Double)] {
            var result: [(Double, Double)] = []
            var t = schedule.nextOffset(polls: 0, elapsed: 0, belief: belief, jitter: 1)
            var polls = 1
            while t < end {
                let next = schedule.nextOffset(polls: polls, elapsed: t, belief: belief, jitter: 1)
                result.append((t, next - t))
                t = next
                polls += 1
            }
            return result
        }
        let trusted = gaps(DurationBelief(expected: 600, spread: 0.1), until: 700)
        let near = trusted.filter { abs($0.at - 600) < 60 }.map(\.gap)
        let early = trusted.filter { $0.at > 100 && $0.at < 300 }.map(\.gap)
        #expect(!near.isEmpty && !early.isEmpty)
        #expect(near.max()! < 0.05 * 600, "within 10% of the expected end the gaps stay under 5% of the job")
        #expect(early.min()! > near.max()!, "far from it they are wider")
        #expect(trusted.allSatisfy { $0.gap >= schedule.minimum && $0.gap <= 2 * $0.at + 1e-9 })
        // Nothing known: probes stay close enough to notice a job 3× shorter than expected within ~35% of it.
        let untrusted = gaps(DurationBelief(expected: 600, spread: nil), until: 600)
        let around200 = untrusted.first { $0.at <= 200 && $0.at + $0.gap > 200 }
        #expect(around200.map { $0.at + $0.gap - 200 < 70 } == true)
        #expect(untrusted.count < trusted.count + 10)
        // Far past the estimate the gaps grow towards the maximum.
        let late = schedule.nextOffset(
            polls: 40, elapsed: 6000, belief: DurationBelief(expected: 600, spread: 0.1), jitter: 1)
        #expect(late - 6000 > 60 && late - 6000 <= schedule.maximum)
    }
}
