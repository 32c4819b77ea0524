import AnalyticsAPI
import ExportScheduling
import Testing

/// The core alone, on a manual clock, with no HTTP: holds, stuck jobs, the deadline, orphans and the failure
/// budget, each decided by the core and seen in its effects (submits, journal steps, lease steps, timers).
@Suite("Scheduler core: holds, stuck jobs, deadline, orphans, failure budget")
struct SchedulerCoreTests {
    static func item(_ id: String, export: String = "posts", seconds: Double, day: Int64 = 0) -> WorkItem {
        let start = 1_738_368_000_000 + day * 86_400_000
        return WorkItem(
            id: id, exportName: export,
            request: ExportRequest(type: .incomingPost, startTime: start, endTime: start + 86_400_000),
            expectedRows: 1000, expectedSeconds: seconds)
    }

    static func job(_ runId: String) -> SubmittedJob {
        SubmittedJob(
            workflowId: "w-\(runId)", runId: runId, statusURL: "https://api.test/status/\(runId)", downloadURL: nil)
    }

    @Test func aHoldForAnUnknownOutcomeKeepsItsSlotUntilTheJobWouldHaveEndedThenSubmitsAgain() {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"], outstandingPerUser: 1))
        let first = driver.start([ChunkStart(Self.item("c1", seconds: 120)), ChunkStart(Self.item("c2", seconds: 60))])
        #expect(CoreDriver.submitted(first) == ["c1"], "heaviest first")

        driver.now = 5
        let held = driver.send(.submitFailed(chunk: "c1", Failure(.outcomeUnknown, "HTTP 502: bad gateway")))
        let notice = CoreDriver.told(.held, in: held)
        #expect(notice.count == 1 && notice[0].message?.contains("stays held for 180 s") == true)
        #expect(CoreDriver.submitted(held).isEmpty, "the held slot is the user's only one")
        #expect(CoreDriver.released(held).isEmpty, "a job may exist: its lease stays")
        #expect(driver.core.phaseName(of: "c1") == "holding")
        #expect(driver.timer?.at == 185, "the timer is set for the hold's end: 5 + 120 × 1.5")

        #expect(driver.advance(to: 184.9).isEmpty)
        let ended = driver.advance(to: 185)
        #expect(CoreDriver.released(ended).count == 1)
        #expect(
            CoreDriver.journaled(ended).contains(
                .attemptFailed(
                    chunk: "c1", error: "the outcome of a submit was unknown and its hold ran out", final: false)))
        #expect(CoreDriver.submitted(ended) == ["c1"], "submitted again, heaviest first")
        #expect(driver.core.counters.unknownOutcomes == 1 && driver.core.counters.retries == 1)
    }

    @Test func aStuckJobIsAbandonedItsSlotHeldUntilItWouldHaveEndedAndItsChunkSubmittedAgain() {
        var driver = CoreDriver(
            SchedulerConfiguration(
                users: ["u1"], outstandingPerUser: 1, failure: FailurePolicy(cooldownSeconds: 10),
                stuckAfterSeconds: 300))
        _ = driver.start([ChunkStart(Self.item("c1", seconds: 600))])
        _ = driver.send(.submitAnswered(chunk: "c1", job: Self.job("r1")))
        var stuck: [SchedulerEffect] = []
        var firstAnswer: Double?
        while CoreDriver.told(.stuck, in: stuck).isEmpty, let wake = driver.timer?.at, wake < 2_000 {
            let due = driver.advance(to: wake)
            guard CoreDriver.polled(due) == ["c1"] else { continue }
            firstAnswer = firstAnswer ?? driver.now
            // Always the same status: nothing moves.
            stuck = driver.send(
                .statusAnswered(chunk: "c1", outcome: .inFlight, progress: "RUNNING//5", downloadURL: nil))
        }
        let told = CoreDriver.told(.stuck, in: stuck)
        #expect(told.count == 1 && told[0].message?.contains("stuck_after is 300 s") == true)
        #expect(driver.now - (firstAnswer ?? 0) >= 300)
        #expect(driver.core.counters.stuck == 1)
        #expect(
            CoreDriver.journaled(stuck).contains { if case .attemptFailed("c1", _, false) = $0 { true } else { false } }
        )
        #expect(CoreDriver.released(stuck).isEmpty, "the abandoned job may still run: its slot stays held")

        // The job would have ended by its start + 600 × 1.5 = 900: only then is the slot free for the retry.
        let before = driver.advance(to: 899)
        #expect(CoreDriver.submitted(before).isEmpty)
        let after = driver.advance(to: 900)
        #expect(CoreDriver.released(after).count == 1)
        #expect(CoreDriver.submitted(after) == ["c1"])
    }

    @Test func theDeadlineStopsTheRunCancelsItsTimerAndKeepsTheLeasesOfJobsInFlight() {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"], deadline: 100))
        _ = driver.start([ChunkStart(Self.item("c1", seconds: 600)), ChunkStart(Self.item("c2", seconds: 300))])
        driver.now = 1
        _ = driver.send(.submitAnswered(chunk: "c1", job: Self.job("r1")))
        #expect(driver.leases.count == 2, "c1's job and c2's submit hold leases")
        let effects = driver.advance(to: 100)
        let stop = effects.compactMap { if case .stop(let reason) = $0 { reason } else { nil } }
        guard case .deadline(let message)? = stop.first else {
            Issue.record("no deadline stop in \(effects)")
            return
        }
        #expect(message.contains("2 chunks not done"))
        #expect(driver.core.isFinished && driver.timer == nil)
        #expect(CoreDriver.released(effects).isEmpty, "the next run adopts them")
        #expect(driver.send(.statusAnswered(chunk: "c1", outcome: .completed, progress: "C", downloadURL: "d")).isEmpty)
    }

    @Test func orphansAfterAKillAreClaimedFollowedToTheirEndAndRetiredBeforeTheirSlotsAreReused() {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"], outstandingPerUser: 2))
        driver.reclaims = false
        let started = driver.start([
            ChunkStart(Self.item("c1", seconds: 100)),
            .orphan(Self.item("o1", seconds: 60, day: 40), attempts: 1, user: "u1", job: Self.job("r-o1")),
            .orphan(Self.item("o2", seconds: 80, day: 41), attempts: 1, user: "u1", job: nil),
        ])
        #expect(CoreDriver.leaseSteps(started) == [.reclaim], "nothing before the earlier run's leases are taken back")
        #expect(driver.core.totalChunks == 1, "orphans are not chunks of the plan")

        let reclaimed = driver.answer(.reclaimed(freed: 1, orphaned: 1))
        #expect(CoreDriver.told(.warning, in: reclaimed).first?.message?.contains("reclaimed 1 queue slot") == true)
        let steps = CoreDriver.leaseSteps(reclaimed)
        // o1's job is looked for by run id; no lease holds it (its holder died long ago), so it is claimed with its
        // job; o2's possible job is claimed as a hold.
        #expect(steps.contains { if case .adopt(_, "o1", _) = $0 { true } else { false } })
        #expect(steps.contains { if case .claim(_, "o1", let job, _) = $0 { job?.runId == "r-o1" } else { false } })
        #expect(steps.contains { if case .claim(_, "o2", nil, 120) = $0 { true } else { false } })
        #expect(
            steps.filter { $0 == .probeOrphans }.count == 1 && steps.last == .probeOrphans,
            "the earlier run's other orphans are probed once the run's own jobs hold their leases")
        #expect(CoreDriver.polled(reclaimed) == ["o1"], "a re-attached job is asked at once")
        #expect(CoreDriver.submitted(reclaimed).isEmpty, "the orphans hold both of u1's slots")

        driver.now = 10
        let closed = driver.send(.statusAnswered(chunk: "o1", outcome: .completed, progress: "C", downloadURL: "d"))
        #expect(CoreDriver.journaled(closed).contains(.retired(chunk: "o1")))
        #expect(CoreDriver.released(closed).count == 1)
        #expect(CoreDriver.submitted(closed) == ["c1"], "o1's slot is free for the plan")

        let holdEnd = driver.advance(to: 120)
        #expect(CoreDriver.journaled(holdEnd).contains(.retired(chunk: "o2")))
        #expect(CoreDriver.released(holdEnd).count == 1)
        #expect(driver.core.counters.retired == 2)
        #expect(driver.leases.values.map(\.user) == ["u1"], "only c1's lease is left")
    }

    @Test func theFailureBudgetStopsAnExportAfterChunksFailInARowWithOneError() {
        var driver = CoreDriver(
            SchedulerConfiguration(
                users: ["u1"], outstandingPerUser: 1, failure: FailurePolicy(attempts: 1, failureBudget: 2)))
        let first = driver.start([
            ChunkStart(Self.item("a1", export: "a", seconds: 300)),
            ChunkStart(Self.item("a2", export: "a", seconds: 200, day: 1)),
            ChunkStart(Self.item("a3", export: "a", seconds: 100, day: 2)),
        ])
        #expect(CoreDriver.submitted(first) == ["a1"])
        let refused = Failure(.permanent, "HTTP 400: unknown filter")
        let second = driver.send(.submitFailed(chunk: "a1", refused))
        #expect(CoreDriver.told(.failed, in: second).count == 1)
        #expect(CoreDriver.submitted(second) == ["a2"])
        let stopped = driver.send(.submitFailed(chunk: "a2", refused))
        let told = CoreDriver.told(.exportStopped, in: stopped)
        #expect(told.count == 1 && told[0].message?.contains("2 chunks in a row failed for good") == true)
        #expect(CoreDriver.submitted(stopped).isEmpty, "a3 is never submitted")
        #expect(
            CoreDriver.journaled(stopped).contains {
                if case .attemptFailed("a3", let error, true) = $0 { error.contains("export a stopped") } else { false }
            })
        #expect(driver.core.counters.failed.map(\.id) == ["a1", "a2", "a3"])
        #expect(driver.core.counters.stoppedExports == ["a"])
        #expect(driver.core.isFinished && driver.timer == nil)
    }
}
