import AnalyticsAPI
import ExportTestSupport
import Foundation
import Testing

@testable import ExportCoordination

/// The contract every `Coordinator` keeps, run against each implementation (PostgreSQL when
/// `EXPORTPIPE_TEST_POSTGRES_URL` is set, and always under CI).
@Suite("Coordinator contract")
struct CoordinatorContractTests {
    @Test("acquire takes a slot, release frees it for the next waiter", arguments: Backend.tested)
    func acquireRelease(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let coordinator = try await fixture.make()
        defer { Task { await fixture.tearDown([coordinator]) } }
        let request = fixture.request("alice", limits: try limits(2))
        let first = try await coordinator.acquire(request)
        let second = try await coordinator.acquire(request)
        var snapshot = try await coordinator.snapshot(CoordinatorFixture.scope)
        #expect(snapshot.leases.map(\.id) == [first.id, second.id])
        #expect(snapshot.leases.allSatisfy { $0.state == .held && $0.holder == request.holder })
        #expect(snapshot.outstandingByUser == ["alice": 2])

        let third = Task { try await coordinator.acquire(request) }
        try await eventually("the third request waits") {
            try await coordinator.snapshot(CoordinatorFixture.scope).waiters.count == 1
        }
        try await coordinator.release(first)
        let granted = try await third.value
        snapshot = try await coordinator.snapshot(CoordinatorFixture.scope)
        #expect(Set(snapshot.leases.map(\.id)) == [second.id, granted.id])
        #expect(snapshot.waiters.isEmpty)

        try await coordinator.release(second)
        try await coordinator.release(granted)
        try await coordinator.release(granted)  // idempotent
        #expect(try await coordinator.snapshot(CoordinatorFixture.scope).leases.isEmpty)
    }

    @Test("waiters of one user are served in request order", arguments: Backend.tested)
    func fifoPerUser(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let coordinator = try await fixture.make()
        defer { Task { await fixture.tearDown([coordinator]) } }
        let scope = CoordinatorFixture.scope
        let held = try await coordinator.acquire(fixture.request("alice", limits: try limits(1)))
        let order = Log<(Int, Lease)>()
        var tasks: [Task<Void, any Error>] = []
        for index in 1...5 {
            let request = fixture.request("alice", limits: try limits(1), pipeline: "p\(index)")
            tasks.append(
                Task {
                    let lease = try await coordinator.acquire(request)
                    await order.append((index, lease))
                })
            // The next request is made only once this one has its place.
            try await eventually("waiter \(index) is queued") {
                try await coordinator.snapshot(scope).waiters.count == index
            }
        }
        try await coordinator.release(held)
        for served in 1...5 {
            try await eventually("\(served) served") { await order.entries.count == served }
            try await coordinator.release(await order.entries[served - 1].1)
        }
        for task in tasks { try await task.value }
        #expect(await order.entries.map(\.0) == [1, 2, 3, 4, 5])
    }

    @Test("a full company serves its waiters in request order, whichever user asked", arguments: Backend.tested)
    func fifoAcrossUsers(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let coordinator = try await fixture.make()
        defer { Task { await fixture.tearDown([coordinator]) } }
        let scope = CoordinatorFixture.scope
        let twoOfTwo = try limits(2, company: 2)
        let a1 = try await coordinator.acquire(fixture.request("alice", limits: twoOfTwo))
        let a2 = try await coordinator.acquire(fixture.request("alice", limits: twoOfTwo))
        // Bob asks first, then Alice: Bob's user slot is free but the company is full.
        let bob = Task { try await coordinator.acquire(fixture.request("bob", limits: twoOfTwo)) }
        try await eventually("bob queued") { try await coordinator.snapshot(scope).waiters.count == 1 }
        let alice = Task { try await coordinator.acquire(fixture.request("alice", limits: twoOfTwo)) }
        try await eventually("alice queued") { try await coordinator.snapshot(scope).waiters.count == 2 }

        try await coordinator.release(a1)
        let bobsLease = try await bob.value
        var snapshot = try await coordinator.snapshot(scope)
        #expect(snapshot.outstandingByUser == ["alice": 1, "bob": 1])
        #expect(snapshot.waiters.map(\.user) == ["alice"])

        try await coordinator.release(a2)
        let alicesLease = try await alice.value
        snapshot = try await coordinator.snapshot(scope)
        #expect(Set(snapshot.leases.map(\.id)) == [bobsLease.id, alicesLease.id])
    }

    @Test("a lease is a user slot and a company slot, both or neither", arguments: Backend.tested)
    func bothOrNeither(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let coordinator = try await fixture.make()
        defer { Task { await fixture.tearDown([coordinator]) } }
        let scope = CoordinatorFixture.scope
        let limits = try limits(2, company: 3)
        let a1 = try await coordinator.acquire(fixture.request("alice", limits: limits))
        _ = try await coordinator.acquire(fixture.request("alice", limits: limits))
        _ = try await coordinator.acquire(fixture.request("bob", limits: limits))
        // Bob has a user slot left, the company has none: Bob waits and takes nothing.
        let bob = Task { try await coordinator.acquire(fixture.request("bob", limits: limits)) }
        try await eventually("bob waits") { try await coordinator.snapshot(scope).waiters.count == 1 }
        // Alice's user is full while the company is full too: she waits behind Bob.
        let alice = Task { try await coordinator.acquire(fixture.request("alice", limits: limits)) }
        try await eventually("alice waits") { try await coordinator.snapshot(scope).waiters.count == 2 }
        var snapshot = try await coordinator.snapshot(scope)
        #expect(snapshot.leases.count == 3)
        #expect(snapshot.outstandingByUser == ["alice": 2, "bob": 1])

        // Freeing Alice's slot frees a company slot: Bob, first in line, takes it with his own user slot.
        try await coordinator.release(a1)
        _ = try await bob.value
        snapshot = try await coordinator.snapshot(scope)
        #expect(snapshot.outstandingByUser == ["alice": 1, "bob": 2])
        #expect(snapshot.waiters.map(\.user) == ["alice"])
        alice.cancel()
        _ = await alice.result
        #expect(try await coordinator.snapshot(scope).waiters.isEmpty)
    }

    @Test("an expired lease with a job keeps its slots until the job is seen CLOSED", arguments: Backend.tested)
    func expiryWithLiveJob(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let dead = try await fixture.make()
        let survivor = try await fixture.make()
        defer { Task { await fixture.tearDown([dead, survivor]) } }
        let scope = CoordinatorFixture.scope
        let lease = try await dead.acquire(fixture.request("alice", limits: try limits(1), pipeline: "dead"))
        let job = SubmittedJob(
            workflowId: "wf-1", runId: "run-1",
            statusURL: "https://api.example/status/wf-1?analyticsAccessToken=SECRET-TOKEN")
        try await dead.record(job: job, on: lease)
        fixture.clock.advance(fixture.timing.leaseDuration + 1)  // the holder stops renewing

        var snapshot = try await survivor.snapshot(scope)
        #expect(snapshot.leases.map(\.state) == [.orphaned])
        #expect(snapshot.leases.first?.job == job)
        #expect(!snapshot.lines.joined().contains("SECRET-TOKEN"))

        let waiting = Task { try await survivor.acquire(fixture.request("alice", limits: try limits(1))) }
        try await eventually("the survivor waits") { try await survivor.snapshot(scope).waiters.count == 1 }
        let orphans = try await survivor.orphansDue(in: scope)
        #expect(orphans.map(\.job) == [job])
        #expect(orphans.first?.holder.pipeline == "dead")
        #expect(try await survivor.orphansDue(in: scope).isEmpty)  // handed out once per probe interval
        fixture.clock.advance(fixture.timing.orphanProbeInterval)
        #expect(try await survivor.orphansDue(in: scope).count == 1)  // the job still runs: probed again

        // Far past the no-job grace: a recorded job still holds the slot.
        fixture.clock.advance(fixture.timing.noJobGrace * 2)
        snapshot = try await survivor.snapshot(scope)
        #expect(snapshot.leases.count == 1)
        #expect(snapshot.waiters.count == 1)

        try await survivor.orphanClosed(orphans[0])  // the probe saw CLOSED
        let granted = try await waiting.value
        #expect(try await survivor.snapshot(scope).leases.map(\.id) == [granted.id])
        let lost = await #expect(throws: CoordinationError.self) { _ = try await dead.renew(lease) }
        #expect(lost?.isLeaseLost == true)
        let notRecorded = await #expect(throws: CoordinationError.self) {
            try await dead.record(job: job, on: lease)
        }
        #expect(notRecorded?.isLeaseLost == true)
    }

    @Test("an expired lease with no job is freed after the grace period", arguments: Backend.tested)
    func expiryWithoutJob(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let dead = try await fixture.make()
        let survivor = try await fixture.make()
        defer { Task { await fixture.tearDown([dead, survivor]) } }
        let scope = CoordinatorFixture.scope
        _ = try await dead.acquire(fixture.request("alice", limits: try limits(1), pipeline: "dead"))
        fixture.clock.advance(fixture.timing.leaseDuration + 1)
        let snapshot = try await survivor.snapshot(scope)
        #expect(snapshot.leases.map(\.state) == [.expired])
        #expect(snapshot.leases.first?.freedAt != nil)
        #expect(try await survivor.orphansDue(in: scope).isEmpty)

        let waiting = Task { try await survivor.acquire(fixture.request("alice", limits: try limits(1))) }
        try await eventually("the survivor waits during the grace") {
            try await survivor.snapshot(scope).waiters.count == 1
        }
        fixture.clock.advance(fixture.timing.noJobGrace)
        let granted = try await waiting.value
        #expect(try await survivor.snapshot(scope).leases.map(\.id) == [granted.id])
    }

    @Test("a lease whose request carried its own no-job grace is freed after that one", arguments: Backend.tested)
    func expiryWithoutJobAfterTheRequestsGrace(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let dead = try await fixture.make()
        let survivor = try await fixture.make()
        defer { Task { await fixture.tearDown([dead, survivor]) } }
        let scope = CoordinatorFixture.scope
        var request = fixture.request("alice", limits: try limits(1), pipeline: "dead")
        request.noJobGrace = fixture.timing.noJobGrace / 10
        _ = try await dead.acquire(request)
        fixture.clock.advance(fixture.timing.leaseDuration + 1)
        let freedAt = try #require(try await survivor.snapshot(scope).leases.first?.freedAt)
        #expect(abs(freedAt.timeIntervalSince(fixture.clock.now) - (fixture.timing.noJobGrace / 10 - 1)) < 0.001)

        let waiting = Task { try await survivor.acquire(fixture.request("alice", limits: try limits(1))) }
        try await eventually("the survivor waits during the grace") {
            try await survivor.snapshot(scope).waiters.count == 1
        }
        fixture.clock.advance(fixture.timing.noJobGrace / 10)
        let granted = try await waiting.value
        #expect(try await survivor.snapshot(scope).leases.map(\.id) == [granted.id])
    }

    @Test("a renewed lease does not expire; a restarted holder adopts its job", arguments: Backend.tested)
    func renewAndAdopt(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let first = try await fixture.make()
        defer { Task { await fixture.tearDown([first]) } }
        let scope = CoordinatorFixture.scope
        var lease = try await first.acquire(fixture.request("alice", pipeline: "nightly"))
        for _ in 1...3 {
            fixture.clock.advance(fixture.timing.renewEvery)
            lease = try await first.renew(lease)
        }
        #expect(try await first.snapshot(scope).leases.map(\.state) == [.held])
        try await first.record(job: SubmittedJob(workflowId: "w", runId: "r-7", statusURL: "http://x/s"), on: lease)
        fixture.clock.advance(fixture.timing.leaseDuration * 2)
        await first.close()

        let restarted = try await fixture.make()
        let holder = HolderIdentity(pipeline: "nightly", host: "test-host", pid: 9999)
        let adopted = try #require(try await restarted.adopt(runId: "r-7", in: scope, holder: holder))
        #expect(adopted.id == lease.id)
        let snapshot = try await restarted.snapshot(scope)
        #expect(snapshot.leases.map(\.state) == [.held])
        #expect(snapshot.leases.first?.holder == holder)
        #expect(try await restarted.adopt(runId: "unknown", in: scope, holder: holder) == nil)
        try await restarted.release(adopted)
        await fixture.tearDown([restarted])
    }

    @Test("a claim is counted at once, over the limits, and a waiter waits for it", arguments: Backend.tested)
    func claimOverTheLimits(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let coordinator = try await fixture.make()
        defer { Task { await fixture.tearDown([coordinator]) } }
        let scope = CoordinatorFixture.scope
        let request = fixture.request("alice", limits: try limits(1))
        let held = try await coordinator.acquire(request)
        // A resumed run's job in flight whose lease is gone: it runs at the API whatever the table says.
        let job = SubmittedJob(workflowId: "w", runId: "r-claimed", statusURL: "http://x/s")
        let claimed = try await coordinator.claim(request, job: job)
        var snapshot = try await coordinator.snapshot(scope)
        #expect(snapshot.leases.map(\.id) == [held.id, claimed.id], "two leases of a user allowed one")
        #expect(snapshot.leases.last?.job == job)
        let waiting = Task { try await coordinator.acquire(request) }
        try await eventually("the waiter is queued") { try await coordinator.snapshot(scope).waiters.count == 1 }
        try await coordinator.release(held)  // admits in the same transaction: a wrong grant would show now
        snapshot = try await coordinator.snapshot(scope)
        #expect(snapshot.leases.map(\.id) == [claimed.id], "the claim still fills the user's one slot")
        #expect(snapshot.waiters.count == 1)
        try await coordinator.release(claimed)
        let granted = try await waiting.value
        #expect(try await coordinator.snapshot(scope).leases.map(\.id) == [granted.id])
        try await coordinator.release(granted)
    }

    @Test("holders racing on two coordinators never exceed the limits", arguments: Backend.tested)
    func racingHolders(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let one = try await fixture.make()
        let two = try await fixture.make()
        defer { Task { await fixture.tearDown([one, two]) } }
        let limits = try limits(2, company: 3)
        let meter = ConcurrencyMeter()
        let rounds = backend == .inProcess ? 20 : 6
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                let coordinator = worker.isMultiple(of: 2) ? one : two
                let user = worker % 4 < 2 ? "alice" : "bob"
                let request = fixture.request(user, limits: limits, pipeline: "w\(worker)")
                group.addTask {
                    for _ in 0..<rounds {
                        let lease = try await coordinator.acquire(request)
                        await meter.enter(user)
                        await Task.yield()
                        await meter.leave(user)
                        try await coordinator.release(lease)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await meter.completed == 8 * rounds)
        #expect(await meter.maximumPerUser.values.allSatisfy { $0 <= 2 })
        #expect(await meter.maximumTotal <= 3)
        #expect(try await one.snapshot(CoordinatorFixture.scope).leases.isEmpty)
    }

    @Test("a queue rejection's backoff is shared by the company", arguments: Backend.tested)
    func sharedBackoff(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let one = try await fixture.make()
        let two = try await fixture.make()
        defer { Task { await fixture.tearDown([one, two]) } }
        let scope = CoordinatorFixture.scope
        let until = fixture.clock.now.addingTimeInterval(30)
        try await one.noteRejection(scope: scope, until: until)
        try await one.noteRejection(scope: scope, until: until.addingTimeInterval(-20))  // never shortens
        #expect(try await two.backoffUntil(scope) == until)

        let waiting = Task { try await two.acquire(fixture.request("bob")) }
        try await eventually("nothing is granted during the backoff") {
            try await two.snapshot(scope).waiters.count == 1
        }
        #expect(try await two.snapshot(scope).leases.isEmpty)
        fixture.clock.advance(31)
        _ = try await waiting.value
        #expect(try await one.backoffUntil(scope) == nil)
    }

    @Test("two coordinators on one store share the limits", arguments: Backend.tested)
    func twoProcessesShare(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let one = try await fixture.make()
        let two = try await fixture.make()
        defer { Task { await fixture.tearDown([one, two]) } }
        let scope = CoordinatorFixture.scope
        let a = try await one.acquire(fixture.request("alice", pipeline: "one"))
        _ = try await one.acquire(fixture.request("alice", pipeline: "one"))
        let other = Task { try await two.acquire(fixture.request("alice", pipeline: "two")) }
        try await eventually("the second process waits") { try await one.snapshot(scope).waiters.count == 1 }
        #expect(try await two.snapshot(scope).leases.map(\.holder.pipeline) == ["one", "one"])
        try await one.release(a)
        let lease = try await other.value
        #expect(lease.holder.pipeline == "two")
        // Another origin or company is another scope: nothing shared.
        let elsewhere = SlotScope(
            origin: "http://127.0.0.1:9090", companyDigest: CoordinatorFixture.scope.companyDigest)
        var request = fixture.request("alice")
        request.scope = elsewhere
        _ = try await two.acquire(request)
        _ = try await two.acquire(request)
        #expect(try await one.snapshot(elsewhere).leases.count == 2)
    }

    @Test("a cancelled acquire gives up its place", arguments: Backend.tested)
    func cancelledAcquire(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let coordinator = try await fixture.make()
        defer { Task { await fixture.tearDown([coordinator]) } }
        let scope = CoordinatorFixture.scope
        let held = try await coordinator.acquire(fixture.request("alice", limits: try limits(1)))
        let waiting = Task { try await coordinator.acquire(fixture.request("alice", limits: try limits(1))) }
        try await eventually("queued") { try await coordinator.snapshot(scope).waiters.count == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(try await coordinator.snapshot(scope).waiters.isEmpty)
        try await coordinator.release(held)
        #expect(try await coordinator.snapshot(scope).leases.isEmpty)
    }
}

/// Counts holders inside their critical section, per user and in total.
actor ConcurrencyMeter {
    private var current: [String: Int] = [:]
    private(set) var maximumPerUser: [String: Int] = [:]
    private(set) var maximumTotal = 0
    private(set) var completed = 0

    func enter(_ user: String) {
        current[user, default: 0] += 1
        maximumPerUser[user] = max(maximumPerUser[user] ?? 0, current[user]!)
        maximumTotal = max(maximumTotal, current.values.reduce(0, +))
    }

    func leave(_ user: String) {
        current[user]! -= 1
        completed += 1
    }
}

@Suite("PostgreSQL test database")
struct PostgresAvailabilityTests {
    @Test(
        "the PostgreSQL contract runs",
        .enabled(
            if: PostgresTestDatabase.isRequired,
            Comment(
                rawValue: "EXPORTPIPE_TEST_POSTGRES_URL is not set: the PostgreSQL coordinator is not tested. Run "
                    + "scripts/postgres-test-server start, then EXPORTPIPE_TEST_POSTGRES_URL=… swift test (README)")))
    func configured() throws {
        #expect(Backend.tested.contains(.postgres))
        _ = try PostgresTestDatabase.settings(schema: "probe")
    }
}
