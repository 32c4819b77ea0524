import AnalyticsAPI

/// One of the core's slots: one outstanding job of a user in a company's queue, from the decision to submit until
/// the job is seen CLOSED (or, when the outcome is unknown, until the hold runs out). The coordinator's `Lease`
/// backs each one across processes: the core says when to acquire, claim, adopt, record and release it
/// (`SchedulerEffect.lease`), the driver only performs that.
public struct Slot: Sendable, Hashable {
    public var id: Int
    public var company: String
    public var user: String

    public init(id: Int, company: String, user: String) {
        self.id = id
        self.company = company
        self.user = user
    }
}

/// Slot allocation in one process: at most `perUser` jobs outstanding per user and `perCompany` per company,
/// holds included (a hold is a slot whose job may exist). Pure: the caps hold for any number of users, with no
/// worker count to get wrong. The company's other runners are counted by the coordinator, which the core's
/// `acquire` effect waits on before a submit goes out.
public struct SlotAllocation: Sendable, Hashable {
    /// Jobs outstanding (running + queued) per user: `min(outstanding_per_user, documented queued per user)`.
    public let perUser: Int
    /// Jobs outstanding per company: the documented queued-per-company cap (running ones are a subset).
    public let perCompany: Int
    public private(set) var slots: [Int: Slot] = [:]
    private var nextId = 1

    public init(outstandingPerUser: Int, limits: QueueLimits) {
        perUser = max(1, min(outstandingPerUser, limits.queuedPerUser))
        perCompany = max(1, limits.queuedPerCompany)
    }

    /// Slots held for `user` in `company`.
    public func outstanding(user: String, company: String) -> Int {
        slots.values.filter { $0.user == user && $0.company == company }.count
    }

    public func outstanding(company: String) -> Int { slots.values.filter { $0.company == company }.count }

    /// A slot when `user` may have one more job outstanding in `company`, or nil.
    public mutating func acquire(company: String, user: String) -> Slot? {
        guard outstanding(user: user, company: company) < perUser, outstanding(company: company) < perCompany
        else { return nil }
        return adopt(company: company, user: user)
    }

    /// A slot for a job that exists already (re-attached from the journal), granted even over the caps: it is
    /// counted, so nothing new is submitted until the caps hold again.
    public mutating func adopt(company: String, user: String) -> Slot {
        let slot = Slot(id: nextId, company: company, user: user)
        nextId += 1
        slots[slot.id] = slot
        return slot
    }

    /// Frees the slot.
    public mutating func release(_ slot: Slot) {
        slots.removeValue(forKey: slot.id)
    }
}
