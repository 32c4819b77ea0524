import AnalyticsAPI

/// A claim on one outstanding job of a user in a company's queue, from submit until the job is seen CLOSED (or,
/// when the outcome is unknown, until the hold runs out).
public struct Lease: Sendable, Hashable {
    public var id: Int
    public var company: String
    public var user: String
}

/// The seam through which slots are allocated: acquire a slot for (company, user), record the job it holds,
/// release it. `SlotAllocation` is the in-process value; issue 16's coordinators (SQLite, PostgreSQL) share the
/// same three steps across processes.
public protocol SlotAllocating: Sendable {
    /// A lease when `user` may have one more job outstanding in `company`, or nil.
    mutating func acquire(company: String, user: String) -> Lease?
    /// A lease for a job that exists already (re-attached from the journal), granted even over the caps: it is
    /// counted, so nothing new is submitted until the caps hold again.
    mutating func adopt(company: String, user: String) -> Lease
    /// The job a lease now stands for (journaled first), or nil while it is only a possible job (a hold).
    mutating func record(job: String?, on lease: Lease)
    /// Frees the lease's slot.
    mutating func release(_ lease: Lease)
    /// Leases held for `user` in `company`.
    func outstanding(user: String, company: String) -> Int
}

/// Slot allocation in one process: at most `perUser` jobs outstanding per user and `perCompany` per company,
/// holds included (a hold is a lease whose job may exist). Pure: the caps hold for any number of users, with no
/// worker count to get wrong.
public struct SlotAllocation: SlotAllocating, Hashable {
    /// Jobs outstanding (running + queued) per user: `min(outstanding_per_user, documented queued per user)`.
    public let perUser: Int
    /// Jobs outstanding per company: the documented queued-per-company cap (running ones are a subset).
    public let perCompany: Int
    public private(set) var leases: [Int: Lease] = [:]
    /// What each lease holds: a job id, or nil for a hold.
    public private(set) var jobs: [Int: String] = [:]
    private var nextId = 1

    public init(outstandingPerUser: Int, limits: QueueLimits) {
        perUser = max(1, min(outstandingPerUser, limits.queuedPerUser))
        perCompany = max(1, limits.queuedPerCompany)
    }

    public func outstanding(user: String, company: String) -> Int {
        leases.values.filter { $0.user == user && $0.company == company }.count
    }

    public func outstanding(company: String) -> Int { leases.values.filter { $0.company == company }.count }

    public mutating func acquire(company: String, user: String) -> Lease? {
        guard outstanding(user: user, company: company) < perUser, outstanding(company: company) < perCompany
        else { return nil }
        let lease = Lease(id: nextId, company: company, user: user)
        nextId += 1
        leases[lease.id] = lease
        return lease
    }

    public mutating func adopt(company: String, user: String) -> Lease {
        let lease = Lease(id: nextId, company: company, user: user)
        nextId += 1
        leases[lease.id] = lease
        return lease
    }

    public mutating func record(job: String?, on lease: Lease) {
        guard leases[lease.id] != nil else { return }
        jobs[lease.id] = job
    }

    public mutating func release(_ lease: Lease) {
        leases.removeValue(forKey: lease.id)
        jobs.removeValue(forKey: lease.id)
    }
}
