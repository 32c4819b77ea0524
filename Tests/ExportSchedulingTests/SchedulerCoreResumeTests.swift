import AnalyticsAPI
import ExportScheduling
import Testing

/// The core alone, on a manual clock, with no HTTP: queue rejections backing off a user and the company, a split
/// down to `min_chunk` with its lineage, a resumed job adopted before anything new is submitted, and the same plan
/// and events replaying the same effects.
@Suite("Scheduler core: backoff, splits, resumed jobs, replay")
struct SchedulerCoreResumeTests {
    static let item = SchedulerCoreTests.item
    static let job = SchedulerCoreTests.job

    /// Two users with one slot each, both busy with c1 (u1) and c2 (u2) submitted at 0 and answered at 1; both
    /// asked first at 6.
    static func twoBusyUsers() -> CoreDriver {
        var driver = CoreDriver(
            SchedulerConfiguration(
                users: ["u1", "u2"], outstandingPerUser: 1, backoff: QueueBackoff(base: 30, cap: 600)))
        _ = driver.start([
            ChunkStart(item("c1", "posts", 300, 0)), ChunkStart(item("c2", "posts", 200, 1)),
            ChunkStart(item("c3", "posts", 100, 2)),
        ])
        driver.now = 1
        _ = driver.send(.submitAnswered(chunk: "c1", job: job("r1")))
        _ = driver.send(.submitAnswered(chunk: "c2", job: job("r2")))
        #expect(CoreDriver.polled(driver.advance(to: 6)).sorted() == ["c1", "c2"])
        return driver
    }

    static func sharedBackoff(_ effects: [SchedulerEffect]) -> Double? {
        CoreDriver.leaseSteps(effects).compactMap { if case .noteRejection(let until) = $0 { until } else { nil } }
            .first
    }

    @Test func aRejectionBacksOffItsUserAloneAndTellsTheCompanysOtherRunners() throws {
        var driver = Self.twoBusyUsers()
        let rejected = driver.send(
            .statusAnswered(chunk: "c1", outcome: .rejectedByQueue, progress: "CLOSED", downloadURL: nil))
        let until = try #require(Self.sharedBackoff(rejected))
        #expect(until >= 6 + 24 && until <= 6 + 36, "30 s ± 20%")
        #expect(CoreDriver.released(rejected).count == 1)
        #expect(CoreDriver.told(.rejected, in: rejected).first?.message?.contains("u1 submits again in") == true)
        #expect(driver.core.counters.rejections == 1 && driver.core.counters.submissions == 2)
        #expect(driver.core.backoff.readyAt(user: "u2") == 0, "one user's rejection does not stop the company")
        _ = driver.send(.statusAnswered(chunk: "c2", outcome: .inFlight, progress: "R", downloadURL: nil))

        #expect(CoreDriver.submitted(driver.advance(to: until - 0.01)).isEmpty, "u1 waits out its backoff")
        #expect(CoreDriver.submitted(driver.advance(to: until)) == ["c1"], "then submits the heaviest again")
        #expect(driver.log.contains { if case .submit(let item, "u1") = $0 { item.id == "c1" } else { false } })
    }

    @Test func rejectionsOfTwoUsersBackOffTheWholeCompany() throws {
        var driver = Self.twoBusyUsers()
        let first = driver.send(
            .statusAnswered(chunk: "c1", outcome: .rejectedByQueue, progress: "CLOSED", downloadURL: nil))
        let userOnly = try #require(Self.sharedBackoff(first))
        driver.now = 7
        let second = driver.send(
            .statusAnswered(chunk: "c2", outcome: .rejectedByQueue, progress: "CLOSED", downloadURL: nil))
        let company = driver.core.backoff.companyReadyAt
        #expect(company >= 7 + 24 && company <= 7 + 36, "the company waits out the second user's delay")
        #expect(try #require(Self.sharedBackoff(second)) == company)
        let opens = max(company, userOnly)
        #expect(driver.core.backoff.readyAt(user: "u1") == opens && driver.core.backoff.readyAt(user: "u2") == company)
        #expect(CoreDriver.submitted(driver.advance(to: min(opens, company) - 0.01)).isEmpty, "nobody submits")
        #expect(CoreDriver.submitted(driver.advance(to: opens)).count >= 1)
    }

    @Test func aChunkSplitsDownToMinChunkAndTheCoreKeepsItsLineage() {
        let hour: Int64 = 3_600_000
        // Halves by time while both halves are at least an hour (the spec's min_chunk).
        let splitter: Scheduler.Splitter = { item in
            let (start, end) = (item.request.startTime, item.request.endTime)
            guard end - start >= 2 * hour else { return nil }
            let middle = start + (end - start) / 2
            return [(start, middle, "0"), (middle, end, "1")].map { window in
                var request = item.request
                (request.startTime, request.endTime) = (window.0, window.1)
                return WorkItem(
                    id: item.id + "." + window.2, exportName: item.exportName, request: request,
                    expectedRows: item.expectedRows / 2, expectedSeconds: item.expectedSeconds / 2)
            }
        }
        var driver = CoreDriver(
            SchedulerConfiguration(users: ["u1"], failure: FailurePolicy(cooldownSeconds: 10, failureBudget: 10)),
            splitter: splitter)
        var root = Self.item("root", "posts", 400, 0)
        root.request.endTime = root.request.startTime + 4 * hour
        var effects = driver.start([ChunkStart(root)])
        var steps = 0
        while !driver.core.isFinished && steps < 200 {
            steps += 1
            let submitted = CoreDriver.submitted(effects)
            if submitted.isEmpty {
                guard let wake = driver.timer?.at else { break }
                effects = driver.advance(to: wake)
                continue
            }
            effects = []
            for id in submitted {
                effects += driver.send(
                    .submitFailed(chunk: id, Failure(.sizeRelated, "HTTP 504: the server timed out")))
            }
        }
        #expect(driver.core.isFinished)
        let splits = CoreDriver.journaled(driver.log).compactMap {
            if case .split(let id, _, let children) = $0 { (id, children) } else { nil }
        }
        #expect(splits.map(\.0).sorted() == ["root", "root.0", "root.1"])
        for (id, children) in splits { #expect(children.allSatisfy { $0.parentId == id }) }
        let leaves = ["root.0.0", "root.0.1", "root.1.0", "root.1.1"]
        #expect(driver.core.counters.failed.map(\.id).sorted() == leaves, "an hour cannot split: 3 tries, then failed")
        #expect(driver.core.counters.splits == 3 && driver.core.counters.retries == 8)
        #expect(driver.core.totalChunks == leaves.count, "a split chunk stands for its halves, as the table counts")
        for leaf in leaves {
            #expect(driver.core.plannedAncestor(of: leaf) == "root")
            let failed = driver.core.counters.failed.first { $0.id == leaf }
            #expect(failed.map { $0.windowEnd - $0.windowStart } == hour)
        }
        #expect(driver.leases.isEmpty, "every lease released")
    }

    @Test func aResumedJobIsAdoptedBeforeAnythingIsPolledOrSubmitted() {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"], outstandingPerUser: 2))
        driver.reclaims = false
        driver.adoptable = ["r1"]
        let started = driver.start([
            ChunkStart(Self.item("c1", "posts", 300, 0), attempts: 1, .submitted, user: "u1", job: Self.job("r1")),
            ChunkStart(Self.item("c2", "posts", 100, 1)),
        ])
        #expect(CoreDriver.told(.reattached, in: started).map(\.chunk) == ["c1"])
        #expect(CoreDriver.leaseSteps(started) == [.reclaim])
        #expect(CoreDriver.polled(started).isEmpty && CoreDriver.submitted(started).isEmpty)

        let attached = driver.answer(.reclaimed(freed: 0))
        let steps = CoreDriver.leaseSteps(attached)
        let adopt = steps.firstIndex { if case .adopt(_, "c1", let job) = $0 { job.runId == "r1" } else { false } }
        let acquire = steps.firstIndex { if case .acquire(_, "c2", _) = $0 { true } else { false } }
        #expect(adopt != nil && acquire != nil && adopt! < acquire!, "the job's lease is adopted first")
        #expect(!steps.contains { if case .claim = $0 { true } else { false } }, "its lease was found")
        #expect(CoreDriver.polled(attached) == ["c1"] && CoreDriver.submitted(attached) == ["c2"])
        #expect(driver.leases.count == 2)
    }

    @Test func aResumedJobWhoseLeaseIsGoneIsClaimedWithItsJob() {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1"], outstandingPerUser: 1))
        let started = driver.start([
            ChunkStart(Self.item("c1", "posts", 300, 0), .submitted, user: "u1", job: Self.job("r1")),
            ChunkStart(Self.item("c2", "posts", 100, 1)),
        ])
        let steps = CoreDriver.leaseSteps(started)
        #expect(steps.contains { if case .claim(_, "c1", let job, _) = $0 { job?.runId == "r1" } else { false } })
        #expect(CoreDriver.submitted(started).isEmpty, "the claimed job fills u1's only slot")
        #expect(CoreDriver.polled(started) == ["c1"])
    }

    @Test func anInterruptStartsNothingNewButJournalsTheAnswersStillComing() {
        var driver = CoreDriver(SchedulerConfiguration(users: ["u1", "u2"]))
        driver.grants = false
        _ = driver.start([ChunkStart(Self.item("c1", "posts", 300, 0)), ChunkStart(Self.item("c2", "posts", 200, 1))])
        #expect(driver.waiting == ["c1", "c2"])
        #expect(CoreDriver.submitted(driver.grant("c1")) == ["c1"])
        let interrupted = driver.send(.interrupt)
        #expect(interrupted.allSatisfy { if case .cancelTimer = $0 { true } else { false } })
        driver.now = 1
        let answered = driver.send(.submitAnswered(chunk: "c1", job: Self.job("r1")))
        #expect(CoreDriver.journaled(answered).contains(.submitted(chunk: "c1", job: Self.job("r1"))))
        #expect(CoreDriver.leaseSteps(answered).contains { if case .record = $0 { true } else { false } })
        #expect(CoreDriver.polled(answered).isEmpty && driver.timer == nil, "nothing is asked or woken for")
        let late = driver.grant("c2")
        #expect(CoreDriver.submitted(late).isEmpty && CoreDriver.released(late).count == 1, "its lease goes back")
        #expect(driver.advance(to: 10_000).isEmpty)
    }

    @Test func theSamePlanAndEventsReplayTheSameEffects() {
        func run() -> [SchedulerEffect] {
            var driver = Self.twoBusyUsers()
            _ = driver.send(
                .statusAnswered(chunk: "c1", outcome: .rejectedByQueue, progress: "CLOSED", downloadURL: nil))
            _ = driver.send(.statusAnswered(chunk: "c2", outcome: .inFlight, progress: "R", downloadURL: nil))
            _ = driver.advance(to: 400)
            return driver.log
        }
        let first = run()
        #expect(first == run())
        #expect(first.contains { if case .armTimer = $0 { true } else { false } })
    }
}
