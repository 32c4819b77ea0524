import AnalyticsAPI
import Foundation
import Testing

@testable import ExportCoordination

/// The policy without any store: inputs in, table out.
@Suite("SlotTable")
struct SlotTableTests {
    let timing = CoordinatorFixture.testTiming
    let start = Date(timeIntervalSince1970: 1_000)
    let holder = HolderIdentity(pipeline: "p", host: "h", pid: 1)

    func request(_ user: String, _ perUser: Int, company: Int = 50) throws -> SlotRequest {
        SlotRequest(
            scope: CoordinatorFixture.scope, user: user, limits: try limits(perUser, company: company), holder: holder)
    }

    @Test func grantsInOrderPassingOverFullUsers() throws {
        var table = SlotTable(scope: CoordinatorFixture.scope)
        let tickets = (0..<4).map { _ in LeaseID.make() }
        table.enqueue(try request("a", 1), ticket: tickets[0], now: start, timing: timing)
        table.enqueue(try request("a", 1), ticket: tickets[1], now: start, timing: timing)
        table.enqueue(try request("b", 1), ticket: tickets[2], now: start, timing: timing)
        table.enqueue(try request("b", 1), ticket: tickets[3], now: start, timing: timing)
        #expect(table.admit(now: start, timing: timing) == [tickets[0], tickets[2]])
        #expect(table.waiters.map(\.ticket) == [tickets[1], tickets[3]])
        table.release(tickets[2])
        #expect(table.admit(now: start, timing: timing) == [tickets[3]])
    }

    @Test func theNextRunOfAStateDirectoryReclaimsWhatAKilledRunLeftWithoutAJob() throws {
        var table = SlotTable(scope: CoordinatorFixture.scope)
        let killed = HolderIdentity(pipeline: "p", host: "h", pid: 7, instance: "state-1")
        let other = HolderIdentity(pipeline: "q", host: "h", pid: 8, instance: "state-2")
        let tickets = (0..<3).map { _ in LeaseID.make() }
        for (ticket, holder) in zip(tickets, [killed, killed, other]) {
            table.enqueue(
                SlotRequest(
                    scope: CoordinatorFixture.scope, user: "a", limits: try limits(5), holder: holder),
                ticket: ticket, now: start, timing: timing)
        }
        table.admit(now: start, timing: timing)
        for ticket in tickets { _ = try table.pickUp(ticket: ticket, now: start, timing: timing) }
        // The killed run's first submit was answered (a job may be running: kept until seen CLOSED); its second
        // was not (the answer was lost with the process).
        try table.record(job: SubmittedJob(workflowId: "w", runId: "r", statusURL: "u"), on: tickets[0])

        let next = HolderIdentity(pipeline: "p", host: "h", pid: 9, instance: "state-1")
        #expect(table.orphansDue(now: start, timing: timing).isEmpty, "renewed a moment ago: not an orphan yet")
        #expect(table.reclaim(abandonedBy: next, now: start) == Reclaimed(freed: 1, orphaned: 1))
        #expect(table.leases.map(\.id) == [tickets[0], tickets[2]], "the job's lease and another run's stay")
        // The killed run's job is an orphan at once (its holder has ended), not a lease's life later: a probe that
        // sees it CLOSED frees its slot, and a successor that knows the job adopts it first.
        #expect(table.orphansDue(now: start, timing: timing).map(\.lease) == [tickets[0]])
        #expect(
            table.reclaim(abandonedBy: HolderIdentity(pipeline: "p", host: "h", pid: 9), now: start) == Reclaimed(),
            "no instance")
        #expect(table.reclaim(abandonedBy: other, now: start) == Reclaimed(), "a run never reclaims its own leases")
    }

    @Test func aFullCompanyStopsTheQueue() throws {
        var table = SlotTable(scope: CoordinatorFixture.scope)
        let tickets = (0..<3).map { _ in LeaseID.make() }
        table.enqueue(try request("a", 2, company: 2), ticket: tickets[0], now: start, timing: timing)
        table.enqueue(try request("a", 2, company: 2), ticket: tickets[1], now: start, timing: timing)
        table.enqueue(try request("b", 2, company: 2), ticket: tickets[2], now: start, timing: timing)
        #expect(table.admit(now: start, timing: timing) == [tickets[0], tickets[1]])
        #expect(table.admit(now: start, timing: timing) == [])
        #expect(table.outstanding(of: "b") == 0)
    }

    @Test func expiryRules() throws {
        var table = SlotTable(scope: CoordinatorFixture.scope)
        let withJob = LeaseID.make()
        let withoutJob = LeaseID.make()
        let neverSeen = LeaseID.make()
        for ticket in [withJob, withoutJob, neverSeen] {
            table.enqueue(try request("a", 5), ticket: ticket, now: start, timing: timing)
        }
        table.admit(now: start, timing: timing)
        _ = try table.pickUp(ticket: withJob, now: start, timing: timing)
        _ = try table.pickUp(ticket: withoutJob, now: start, timing: timing)
        try table.record(job: SubmittedJob(workflowId: "w", runId: "r", statusURL: "u"), on: withJob)

        let expired = start.addingTimeInterval(timing.leaseDuration)
        table.admit(now: expired, timing: timing)
        #expect(table.leases.map(\.id) == [withJob, withoutJob])  // the grant nobody saw is gone at once
        #expect(table.nextDeadline(timing: timing) == expired.addingTimeInterval(timing.noJobGrace))

        table.admit(now: expired.addingTimeInterval(timing.noJobGrace), timing: timing)
        #expect(table.leases.map(\.id) == [withJob])
        table.admit(now: expired.addingTimeInterval(1e9), timing: timing)
        #expect(table.leases.map(\.id) == [withJob])
        let orphans = table.orphansDue(now: expired, timing: timing)
        #expect(orphans.count == 1)
        let freed = table.orphanClosed(orphans[0])
        #expect(freed)
        #expect(table.leases.isEmpty)
    }

    @Test func aRequestsOwnNoJobGraceIsKeptNeverPastTheCoordinators() throws {
        var table = SlotTable(scope: CoordinatorFixture.scope)
        let short = LeaseID.make()
        let long = LeaseID.make()
        for (ticket, grace) in [(short, timing.noJobGrace / 4), (long, timing.noJobGrace * 10)] {
            var request = try request("a", 5)
            request.noJobGrace = grace
            table.enqueue(request, ticket: ticket, now: start, timing: timing)
        }
        table.admit(now: start, timing: timing)
        for ticket in [short, long] { _ = try table.pickUp(ticket: ticket, now: start, timing: timing) }
        let expired = start.addingTimeInterval(timing.leaseDuration)
        #expect(table.nextDeadline(timing: timing) == expired.addingTimeInterval(timing.noJobGrace / 4))
        table.admit(now: expired.addingTimeInterval(timing.noJobGrace / 4), timing: timing)
        #expect(table.leases.map(\.id) == [long], "the short grace ran out: its holder's hold would have")
        table.admit(now: expired.addingTimeInterval(timing.noJobGrace), timing: timing)
        #expect(table.leases.isEmpty, "a longer grace than the coordinator's is cut to it")
    }

    @Test func aWaiterThatStopsLookingLosesItsPlace() throws {
        let timing = CoordinationTiming(leaseDuration: 10, noJobGrace: 100, waiterTimeToLive: 4)
        var table = SlotTable(scope: CoordinatorFixture.scope)
        let ticket = LeaseID.make()
        table.enqueue(try request("a", 1), ticket: LeaseID.make(), now: start, timing: timing)
        table.admit(now: start, timing: timing)
        table.enqueue(try request("a", 1), ticket: ticket, now: start, timing: timing)
        _ = try table.pickUp(ticket: ticket, now: start.addingTimeInterval(3), timing: timing)  // alive
        table.admit(now: start.addingTimeInterval(6), timing: timing)
        #expect(table.waiters.count == 1)
        table.admit(now: start.addingTimeInterval(7), timing: timing)
        #expect(table.waiters.isEmpty)
        #expect(throws: CoordinationError.self) {
            _ = try table.pickUp(ticket: ticket, now: start.addingTimeInterval(7), timing: timing)
        }
    }

    /// Random inputs from a fixed seed: the limits hold after every step, and each user's waiters are granted in
    /// the order they asked.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func limitsHoldUnderRandomInputs(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var table = SlotTable(scope: CoordinatorFixture.scope)
        var now = start
        let users = ["a", "b", "c"]
        let limits = try ExportCoordinationTests.limits(2, company: 4)
        var requestOrder: [String: [LeaseID]] = [:]
        var grantOrder: [String: [LeaseID]] = [:]
        for _ in 0..<2_000 {
            switch random.next() % 6 {
            case 0, 1:
                let user = users[Int(random.next() % 3)]
                let ticket = LeaseID.make()
                table.enqueue(
                    SlotRequest(scope: CoordinatorFixture.scope, user: user, limits: limits, holder: holder),
                    ticket: ticket, now: now, timing: timing)
                requestOrder[user, default: []].append(ticket)
            case 2:
                if let lease = table.leases.randomElement(using: &random) { table.release(lease.id) }
            case 3:
                if let lease = table.leases.randomElement(using: &random) {
                    try table.record(
                        job: SubmittedJob(workflowId: "w", runId: lease.id.rawValue, statusURL: "u"), on: lease.id)
                }
            case 4:
                for orphan in table.orphansDue(now: now, timing: timing) where random.next() % 2 == 0 {
                    table.orphanClosed(orphan)
                }
            default:
                now = now.addingTimeInterval(Double(random.next() % 30))
            }
            for ticket in table.admit(now: now, timing: timing) {
                let user = table.leases.first { $0.id == ticket }!.user
                grantOrder[user, default: []].append(ticket)
                _ = try table.pickUp(ticket: ticket, now: now, timing: timing)
            }
            #expect(table.leases.count <= 4)
            for user in users { #expect(table.outstanding(of: user) <= 2) }
        }
        for user in users {
            // Waiters can time out (and are then skipped), never be overtaken by a later one of their user.
            let requested = requestOrder[user] ?? []
            let granted = grantOrder[user] ?? []
            #expect(granted == requested.filter { granted.contains($0) })
        }
    }
}
