import AnalyticsAPI
import Foundation

/// A `Coordinator` over a store of `SlotTable`s: every method is one transaction on the scope's table.
///
/// Build one with `TableCoordinator.inProcess()`, `.embedded(stateHome:)` (SQLite, the default) or
/// `.postgres(_:)`. Two instances on one store (two processes, two machines) share the limits.
public final class TableCoordinator: Coordinator {
    let store: any SlotTableStore
    public let timing: CoordinationTiming
    /// What the store is, for logs and `status` ("in-process", a file path, a redacted URL).
    public let storeDescription: String

    init(store: any SlotTableStore, timing: CoordinationTiming, storeDescription: String) {
        self.store = store
        self.timing = timing
        self.storeDescription = storeDescription
    }

    private enum Turn: Sendable {
        case granted(Lease)
        case wait(TimeInterval)
        /// The place timed out (this process stalled past `waiterTimeToLive`): ask again, at the end of the queue.
        case lostPlace
    }

    public func acquire(_ request: SlotRequest) async throws -> Lease {
        try Task.checkCancellation()
        let ticket = LeaseID.make()
        let timing = timing
        let scope = request.scope
        var enqueued = false
        do {
            while true {
                let isFirst = !enqueued
                let (turn, version) = try await store.transact(scope) { table, now -> Turn in
                    if isFirst { table.enqueue(request, ticket: ticket, now: now, timing: timing) }
                    table.admit(now: now, timing: timing)
                    let picked: Lease?
                    do {
                        picked = try table.pickUp(ticket: ticket, now: now, timing: timing)
                    } catch {
                        return .lostPlace
                    }
                    if let picked { return .granted(picked) }
                    // Sleep until time alone could let us in, at most a third of our place's time to live.
                    var wait = timing.waiterTimeToLive / 3
                    if let deadline = table.nextDeadline(timing: timing) {
                        wait = min(wait, deadline.timeIntervalSince(now))
                    }
                    return .wait(max(0.001, min(wait, timing.maximumWait)))
                }
                enqueued = true
                switch turn {
                case .granted(let lease):
                    return lease
                case .lostPlace:
                    enqueued = false
                case .wait(let seconds):
                    try await store.waitForChange(scope, from: version, timeout: seconds)
                }
            }
        } catch {
            // Give up the place (or a grant not yet seen), even when cancelled: a fresh task is not cancelled.
            if enqueued {
                let store = store
                await Task { _ = try? await store.transact(scope) { table, _ in table.cancel(ticket: ticket) } }.value
            }
            throw error
        }
    }

    public func record(job: SubmittedJob, on lease: Lease) async throws {
        _ = try await store.transact(lease.scope) { table, _ in try table.record(job: job, on: lease.id) }
    }

    public func renew(_ lease: Lease) async throws -> Lease {
        let timing = timing
        return try await store.transact(lease.scope) { table, now in
            try table.renew(lease.id, now: now, timing: timing)
        }.0
    }

    public func release(_ lease: Lease) async throws {
        let timing = timing
        _ = try await store.transact(lease.scope) { table, now in
            table.release(lease.id)
            table.admit(now: now, timing: timing)
        }
    }

    public func noteRejection(scope: SlotScope, until: Date) async throws {
        _ = try await store.transact(scope) { table, _ in table.noteRejection(until: until) }
    }

    public func backoffUntil(_ scope: SlotScope) async throws -> Date? {
        try await store.transact(scope) { table, now in table.backoffUntil.flatMap { $0 > now ? $0 : nil } }.0
    }

    public func orphansDue(in scope: SlotScope) async throws -> [Orphan] {
        let timing = timing
        return try await store.transact(scope) { table, now in table.orphansDue(now: now, timing: timing) }.0
    }

    public func orphanClosed(_ orphan: Orphan) async throws {
        let timing = timing
        _ = try await store.transact(orphan.scope) { table, now in
            table.orphanClosed(orphan)
            table.admit(now: now, timing: timing)
        }
    }

    public func claim(_ request: SlotRequest, job: SubmittedJob?) async throws -> Lease {
        let timing = timing
        let ticket = LeaseID.make()
        return try await store.transact(request.scope) { table, now in
            table.claim(request, ticket: ticket, job: job, now: now, timing: timing)
        }.0
    }

    public func reclaim(abandonedBy holder: HolderIdentity, in scope: SlotScope) async throws -> Reclaimed {
        let timing = timing
        return try await store.transact(scope) { table, now in
            let reclaimed = table.reclaim(abandonedBy: holder, now: now)
            table.admit(now: now, timing: timing)
            return reclaimed
        }.0
    }

    public func adopt(runId: String, in scope: SlotScope, holder: HolderIdentity) async throws -> Lease? {
        let timing = timing
        return try await store.transact(scope) { table, now in
            table.adopt(runId: runId, holder: holder, now: now, timing: timing)
        }.0
    }

    public func snapshot(_ scope: SlotScope) async throws -> SlotSnapshot {
        let timing = timing
        return try await store.transact(scope) { table, now in table.snapshot(now: now, timing: timing) }.0
    }

    public func close() async {
        await store.close()
    }
}
