import AnalyticsAPI
import Foundation

/// The coordinator's policy as a value: one scope's leases, waiters and shared backoff, and every rule that
/// changes them (who is admitted, in which order, when an expired lease is freed).
///
/// Pure: no clock (every input carries `now`), no I/O. The stores keep one table per scope and run each input in
/// one transaction — in memory (`InProcessCoordinator`), in SQLite (`SQLiteCoordinator`) or in PostgreSQL
/// (`PostgresCoordinator`) — so the three implementations share these rules exactly.
///
/// Admission (`admit`): waiters are considered in request order. A waiter is granted when its user holds fewer than
/// its `outstandingPerUser` leases and the company fewer than its `queuedPerCompany`; both slots are taken in one
/// step (a lease is the pair). A waiter whose user is full is passed over — only that user's own earlier waiters
/// compete for its slots, so it keeps its place among them — but when the *company* is full, nobody behind the first
/// such waiter is served: a pipeline with many users cannot overtake one that asked first.
public struct SlotTable: Hashable, Sendable, Codable {
    public struct LeaseEntry: Hashable, Sendable, Codable {
        public var id: LeaseID
        public var user: String
        public var holder: HolderIdentity
        public var grantedAt: Date
        public var expiresAt: Date
        /// Whether the waiter has seen its grant. A grant never picked up (the waiter died) is freed on expiry.
        public var pickedUp: Bool
        public var job: SubmittedJob?
        /// When an orphan's next status probe may be handed out.
        public var nextProbeAt: Date?
        /// The request's own no-job grace (`SlotRequest.noJobGrace`), if it carried one.
        public var noJobGrace: TimeInterval?
    }

    public struct Waiter: Hashable, Sendable, Codable {
        public var ticket: LeaseID
        public var user: String
        public var limits: SlotLimits
        public var holder: HolderIdentity
        public var requestedAt: Date
        /// A waiter that does not show it is alive by then loses its place.
        public var aliveUntil: Date
        public var noJobGrace: TimeInterval?
    }

    public let scope: SlotScope
    public private(set) var leases: [LeaseEntry] = []
    public private(set) var waiters: [Waiter] = []
    public private(set) var backoffUntil: Date?
    /// Grows with every change that can let a waiter in (a grant, a freed slot, a backoff): what waiters watch.
    public private(set) var version: Int = 0

    public init(scope: SlotScope) {
        self.scope = scope
    }

    // MARK: Waiting

    /// Puts a request at the end of the queue under `ticket` (which becomes the lease's id when granted).
    public mutating func enqueue(_ request: SlotRequest, ticket: LeaseID, now: Date, timing: CoordinationTiming) {
        waiters.append(
            Waiter(
                ticket: ticket, user: request.user, limits: request.limits, holder: request.holder,
                requestedAt: now, aliveUntil: now.addingTimeInterval(timing.waiterTimeToLive),
                noJobGrace: request.noJobGrace))
    }

    /// Frees what time has freed, then grants waiters in order. Returns the tickets granted.
    @discardableResult
    public mutating func admit(now: Date, timing: CoordinationTiming) -> [LeaseID] {
        expire(now: now, timing: timing)
        if let backoffUntil {
            guard now >= backoffUntil else { return [] }
            self.backoffUntil = nil
        }
        var granted: [LeaseID] = []
        var index = 0
        while index < waiters.count {
            let waiter = waiters[index]
            guard leases.count < waiter.limits.queuedPerCompany else { break }
            guard outstanding(of: waiter.user) < waiter.limits.outstandingPerUser else {
                index += 1
                continue
            }
            waiters.remove(at: index)
            leases.append(
                LeaseEntry(
                    id: waiter.ticket, user: waiter.user, holder: waiter.holder, grantedAt: now,
                    expiresAt: now.addingTimeInterval(timing.leaseDuration), pickedUp: false, job: nil,
                    nextProbeAt: nil, noJobGrace: waiter.noJobGrace))
            granted.append(waiter.ticket)
        }
        if !granted.isEmpty { version += 1 }
        return granted
    }

    /// The waiter `ticket` looks for its grant: returns the lease (now picked up) if granted, `nil` while it waits
    /// (its place is kept alive). Throws `leaseLost` when the ticket is neither waiting nor granted (it timed out).
    public mutating func pickUp(ticket: LeaseID, now: Date, timing: CoordinationTiming) throws -> Lease? {
        if let index = leases.firstIndex(where: { $0.id == ticket }) {
            if !leases[index].pickedUp {
                leases[index].pickedUp = true
                leases[index].expiresAt = now.addingTimeInterval(timing.leaseDuration)
            }
            return lease(leases[index])
        }
        guard let index = waiters.firstIndex(where: { $0.ticket == ticket }) else {
            throw CoordinationError.leaseLost("the request for a slot of \(scope) lost its place in the queue")
        }
        // Refresh only past half the time to live, so a waiter's heartbeat is not a write on every wake-up.
        if waiters[index].aliveUntil.timeIntervalSince(now) < timing.waiterTimeToLive / 2 {
            waiters[index].aliveUntil = now.addingTimeInterval(timing.waiterTimeToLive)
        }
        return nil
    }

    /// Takes a lease at once, over the limits if need be, for a job that exists already or may (see
    /// `Coordinator.claim`): no waiter is passed over, since nothing new is submitted under it; the limits count it
    /// from now on, so waiters wait for it like for any lease.
    public mutating func claim(
        _ request: SlotRequest, ticket: LeaseID, job: SubmittedJob?, now: Date, timing: CoordinationTiming
    ) -> Lease {
        let entry = LeaseEntry(
            id: ticket, user: request.user, holder: request.holder, grantedAt: now,
            expiresAt: now.addingTimeInterval(timing.leaseDuration), pickedUp: true, job: job, nextProbeAt: nil,
            noJobGrace: request.noJobGrace)
        leases.append(entry)
        version += 1
        return lease(entry)
    }

    /// Gives up a place in the queue, or a grant not yet picked up.
    public mutating func cancel(ticket: LeaseID) {
        let before = (waiters.count, leases.count)
        waiters.removeAll { $0.ticket == ticket }
        leases.removeAll { $0.id == ticket && !$0.pickedUp }
        if before != (waiters.count, leases.count) { version += 1 }
    }

    // MARK: Holding

    /// Stores the job on the lease. Throws `leaseLost` when the lease is gone.
    public mutating func record(job: SubmittedJob, on id: LeaseID) throws {
        let index = try indexOfLease(id)
        leases[index].job = job
    }

    /// Extends a held lease (an expired one too, while it still exists: its holder was only slow).
    public mutating func renew(_ id: LeaseID, now: Date, timing: CoordinationTiming) throws -> Lease {
        let index = try indexOfLease(id)
        leases[index].expiresAt = now.addingTimeInterval(timing.leaseDuration)
        leases[index].nextProbeAt = nil
        return lease(leases[index])
    }

    /// Frees the lease's slots; `false` when it was not held.
    @discardableResult
    public mutating func release(_ id: LeaseID) -> Bool {
        guard let index = leases.firstIndex(where: { $0.id == id }) else { return false }
        leases.remove(at: index)
        version += 1
        return true
    }

    /// Nothing is granted before `until` (the later of this and any backoff already in force).
    public mutating func noteRejection(until: Date) {
        guard backoffUntil.map({ until > $0 }) ?? true else { return }
        backoffUntil = until
        version += 1
    }

    // MARK: Holder death

    /// Expired leases with a job whose probe is due; each is not handed out again for `orphanProbeInterval`.
    public mutating func orphansDue(now: Date, timing: CoordinationTiming) -> [Orphan] {
        var due: [Orphan] = []
        for index in leases.indices {
            let entry = leases[index]
            guard entry.pickedUp, entry.expiresAt <= now, let job = entry.job else { continue }
            guard entry.nextProbeAt.map({ $0 <= now }) ?? true else { continue }
            leases[index].nextProbeAt = now.addingTimeInterval(timing.orphanProbeInterval)
            due.append(
                Orphan(
                    lease: entry.id, scope: scope, user: entry.user, holder: entry.holder, job: job,
                    expiredAt: entry.expiresAt))
        }
        return due
    }

    /// Frees an orphan whose job was seen CLOSED; a lease that since holds another job is kept.
    @discardableResult
    public mutating func orphanClosed(_ orphan: Orphan) -> Bool {
        guard let entry = leases.first(where: { $0.id == orphan.lease }), entry.job?.runId == orphan.job.runId else {
            return false
        }
        return release(orphan.lease)
    }

    /// Takes back what an earlier process of `holder`'s instance left (see `HolderIdentity.instance`): that process
    /// has ended (its successor holds the state directory's lock), so its leases without a job are freed, and its
    /// leases with a job become orphans now rather than when their last renewal runs out — due for a status probe at
    /// once. The jobs the successor's journal knows are adopted right after (`adopt`); the others (a job whose
    /// lease's release was lost with the process, say) are freed by the first probe that sees them CLOSED.
    public mutating func reclaim(abandonedBy holder: HolderIdentity, now: Date) -> Reclaimed {
        guard let instance = holder.instance else { return Reclaimed() }
        func earlier(_ entry: LeaseEntry) -> Bool {
            entry.holder.instance == instance && entry.holder.host == holder.host && entry.holder.pid != holder.pid
        }
        let before = leases.count
        leases.removeAll { $0.job == nil && earlier($0) }
        var reclaimed = Reclaimed(freed: before - leases.count)
        for index in leases.indices where earlier(leases[index]) {
            leases[index].expiresAt = min(leases[index].expiresAt, now)
            leases[index].nextProbeAt = nil
            reclaimed.orphaned += 1
        }
        if reclaimed.freed > 0 { version += 1 }
        return reclaimed
    }

    /// Hands the lease holding job `runId` to `holder`, renewed. `nil` when no lease holds it.
    public mutating func adopt(runId: String, holder: HolderIdentity, now: Date, timing: CoordinationTiming) -> Lease? {
        guard let index = leases.firstIndex(where: { $0.job?.runId == runId }) else { return nil }
        leases[index].holder = holder
        leases[index].expiresAt = now.addingTimeInterval(timing.leaseDuration)
        leases[index].nextProbeAt = nil
        return lease(leases[index])
    }

    // MARK: Time

    /// The earliest instant at which time alone can change admission (a backoff ending, a lease or waiter
    /// expiring, a grace period ending): how long a waiter may sleep without missing its turn.
    public func nextDeadline(timing: CoordinationTiming) -> Date? {
        var deadlines: [Date] = waiters.map(\.aliveUntil)
        if let backoffUntil { deadlines.append(backoffUntil) }
        for entry in leases where entry.job == nil {
            deadlines.append(Self.freedAt(entry, timing: timing))
        }
        return deadlines.min()
    }

    /// The table as `status` shows it.
    public func snapshot(now: Date, timing: CoordinationTiming) -> SlotSnapshot {
        SlotSnapshot(
            scope: scope,
            leases: leases.map { entry in
                let state: SlotSnapshot.LeaseInfo.State =
                    entry.expiresAt > now ? .held : entry.job != nil ? .orphaned : .expired
                return SlotSnapshot.LeaseInfo(
                    id: entry.id, user: entry.user, holder: entry.holder, since: entry.grantedAt,
                    expiresAt: entry.expiresAt, state: state, job: entry.job,
                    freedAt: state == .expired ? Self.freedAt(entry, timing: timing) : nil)
            },
            waiters: waiters.map { SlotSnapshot.WaiterInfo(user: $0.user, holder: $0.holder, since: $0.requestedAt) },
            backoffUntil: backoffUntil, takenAt: now)
    }

    /// Leases held by `user`.
    public func outstanding(of user: String) -> Int {
        leases.reduce(0) { $0 + ($1.user == user ? 1 : 0) }
    }

    // MARK: Private

    private mutating func expire(now: Date, timing: CoordinationTiming) {
        let before = (waiters.count, leases.count)
        waiters.removeAll { $0.aliveUntil <= now }
        leases.removeAll { entry in
            guard entry.job == nil, entry.expiresAt <= now else { return false }
            return Self.freedAt(entry, timing: timing) <= now
        }
        if before != (waiters.count, leases.count) { version += 1 }
    }

    /// When a lease with no job is freed once expired: at once if its grant was never picked up (nothing was
    /// submitted), else after its no-job grace — the request's own if it carried one, never longer than the
    /// coordinator's.
    private static func freedAt(_ entry: LeaseEntry, timing: CoordinationTiming) -> Date {
        guard entry.pickedUp else { return entry.expiresAt }
        return entry.expiresAt.addingTimeInterval(min(entry.noJobGrace ?? timing.noJobGrace, timing.noJobGrace))
    }

    private func indexOfLease(_ id: LeaseID) throws -> Int {
        guard let index = leases.firstIndex(where: { $0.id == id }) else {
            throw CoordinationError.leaseLost(
                "the lease \(id) on \(scope) is no longer held: it expired and its slots were freed")
        }
        return index
    }

    private func lease(_ entry: LeaseEntry) -> Lease {
        Lease(
            id: entry.id, scope: scope, user: entry.user, holder: entry.holder, grantedAt: entry.grantedAt,
            expiresAt: entry.expiresAt)
    }
}
