import AnalyticsAPI
import Foundation
import Testing

@testable import ExportCoordination

@Suite("LeaseKeeper")
struct LeaseKeeperTests {
    @Test("keeps its leases alive and frees a dead runner's slot once the probe sees CLOSED", arguments: Backend.tested)
    func renewsAndReaps(_ backend: Backend) async throws {
        let fixture = CoordinatorFixture(backend)
        let dead = try await fixture.make()
        let survivor = try await fixture.make()
        defer { Task { await fixture.tearDown([dead, survivor]) } }
        let scope = CoordinatorFixture.scope
        let job = SubmittedJob(workflowId: "w", runId: "r", statusURL: "http://x/status?analyticsAccessToken=T")
        let deadLease = try await dead.acquire(fixture.request("alice", pipeline: "dead"))
        try await dead.record(job: job, on: deadLease)

        let closed = Log<SubmittedJob>()
        let isClosed = Flag()
        let keeper = LeaseKeeper(coordinator: survivor, timing: fixture.timing) { probed in
            await closed.append(probed)
            return await isClosed.value ? .closed : .running
        }
        let mine = try await survivor.acquire(fixture.request("alice", pipeline: "survivor"))
        await keeper.keep(mine)
        for _ in 0..<4 {
            fixture.clock.advance(fixture.timing.renewEvery + 0.1)
            await keeper.tick()
        }
        // Ours was renewed all along; the dead runner's expired and is an orphan, probed but still running.
        var states = try await survivor.snapshot(scope).leases.map { ($0.holder.pipeline, $0.state) }
        #expect(states.count == 2)
        #expect(states.contains { $0 == ("survivor", .held) })
        #expect(states.contains { $0 == ("dead", .orphaned) })
        #expect(await closed.entries.contains(job))

        await isClosed.set()
        fixture.clock.advance(fixture.timing.orphanProbeInterval)
        #expect(await keeper.tick() == 1)
        states = try await survivor.snapshot(scope).leases.map { ($0.holder.pipeline, $0.state) }
        #expect(states.count == 1)
        #expect(states.first?.0 == "survivor")
    }
}

actor Flag {
    private(set) var value = false
    func set() { value = true }
}
