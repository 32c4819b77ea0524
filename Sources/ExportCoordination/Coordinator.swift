import AnalyticsAPI
import Foundation

// The coordinator's contract and its vocabulary. This file, CoordinationTiming.swift, SlotSnapshot.swift,
// CoordinationError.swift and SlotTable.swift import only Foundation and AnalyticsAPI, so they can move to the
// scheduling core unchanged; the stores (in-process, SQLite, PostgreSQL) stay here.

/// Hands out the company's and each user's queue slots to every exportpipe process that shares a store.
///
/// One lease is one job outstanding at the API (queued or running): it holds one slot of its user and one slot of
/// its company — both or neither. Waiters are served in request order within a scope (see `SlotTable.admit`).
///
/// Holder death: a holder renews its leases (every `CoordinationTiming.renewEvery`). A lease that was not renewed
/// in time *expires* but keeps its slots:
/// - with a recorded job, it becomes an *orphan*: the job may still run at the API. Survivors ask `orphansDue(in:)`
///   (each orphan is handed to one caller per `orphanProbeInterval`), poll the orphan's `statusURL`, and call
///   `orphanClosed(_:)` once the job is seen CLOSED (or is gone: 404/410) — only then are the slots freed;
/// - with no recorded job (the submit's answer never arrived), it is freed `noJobGrace` after it expired (or the
///   shorter grace its request carried: `SlotRequest.noJobGrace`);
/// - granted but never picked up by its waiter (the waiter died while waiting), it is freed at once.
/// A restarted holder takes its own jobs back with `adopt(runId:in:holder:)`.
public protocol Coordinator: Sendable {
    /// Waits until a slot of the request's user and of its company are both free, in request order, and takes them.
    /// - Throws: `CancellationError` when the task is cancelled (the place in the queue is given up);
    ///   `CoordinationError.store` when the store cannot be used.
    func acquire(_ request: SlotRequest) async throws -> Lease

    /// Takes a lease at once, over the limits if need be, for a job that already exists or may: a resumed run's job
    /// in flight whose lease is gone, or the hold of a submit whose answer its earlier run lost. Such a job takes a
    /// slot at the API whether or not the table has room, so it is counted rather than queued (a resumed run that
    /// waited for room before following its jobs could wait for ever on slots its own jobs hold). Nothing new may
    /// be submitted under a claimed hold: the driver acquires in the queue before it submits again.
    /// - Throws: `CoordinationError.store` when the store cannot be used.
    func claim(_ request: SlotRequest, job: SubmittedJob?) async throws -> Lease

    /// Stores the job the lease's submit created, as soon as the submit answers (before anything else is done
    /// with the job), so a survivor can follow it if this holder dies.
    /// - Throws: `CoordinationError.leaseLost` when the lease is no longer held.
    func record(job: SubmittedJob, on lease: Lease) async throws

    /// Extends the lease; returns it with its new expiry.
    /// - Throws: `CoordinationError.leaseLost` when the lease was freed (it expired and was reclaimed).
    func renew(_ lease: Lease) async throws -> Lease

    /// Frees the lease's two slots (idempotent: releasing a lease no longer held does nothing).
    func release(_ lease: Lease) async throws

    /// Remembers a queue rejection ("too many exports"): nothing in the scope is granted before `until`.
    /// Rejections caused by exports outside exportpipe (the web app's) reach every runner of the company this way.
    func noteRejection(scope: SlotScope, until: Date) async throws

    /// The end of the scope's shared backoff, if one is in force.
    func backoffUntil(_ scope: SlotScope) async throws -> Date?

    /// Expired leases with a recorded job whose probe is due. Each is handed out to one caller per probe interval;
    /// the caller polls `job.statusUrl` and calls `orphanClosed(_:)` when the job is CLOSED.
    func orphansDue(in scope: SlotScope) async throws -> [Orphan]

    /// Frees an orphan's slots: its job was seen CLOSED (or no longer exists).
    func orphanClosed(_ orphan: Orphan) async throws
    /// Takes back what an earlier run of `holder`'s state directory (same `instance`, another pid) left: frees its
    /// leases without a recorded job and makes its leases with one orphans due for a probe at once. Called by a run
    /// holding its state directory's lock, before it takes leases of its own: the earlier run has ended, the submits
    /// whose answers it lost are held again by this run's journal (its `submitting` chunks) under leases of its own,
    /// and the jobs the journal knows are adopted next (`adopt(runId:in:holder:)`).
    func reclaim(abandonedBy holder: HolderIdentity, in scope: SlotScope) async throws -> Reclaimed

    /// Takes over the lease holding the job `runId` (a restarted holder re-attaching a job its journal knows),
    /// renewed for `holder`. Returns `nil` when no lease holds that job.
    func adopt(runId: String, in scope: SlotScope, holder: HolderIdentity) async throws -> Lease?

    /// Who holds which slot, who waits, and the shared backoff — for `exportpipe status`.
    func snapshot(_ scope: SlotScope) async throws -> SlotSnapshot

    /// Closes the coordinator's connections. Leases still held stay in the store until they expire.
    func close() async
}

extension Coordinator {
    public func close() async {}
}

/// Which limits a slot counts against: one API origin and one company.
///
/// Two regions, or two in-process simulators on different ports, never share slots. Only a SHA-256 of the company
/// key is kept (`SlotScope(origin:companyKey:)` computes it); the key itself is a secret.
public struct SlotScope: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `scheme://host:port`, lowercased, with the scheme's default port made explicit.
    public let origin: String
    /// Lowercase hex SHA-256 of the company key.
    public let companyDigest: String

    public init(origin: String, companyDigest: String) {
        self.origin = origin
        self.companyDigest = companyDigest
    }

    /// The key a store files the scope under.
    public var key: String { "\(origin) \(companyDigest)" }

    /// The origin and the digest's first 12 digits: enough to tell companies apart, nothing to reuse.
    public var description: String { "\(origin) company \(companyDigest.prefix(12))" }
}

/// What `Coordinator.reclaim(abandonedBy:in:)` did with the leases an earlier run of a state directory left.
public struct Reclaimed: Hashable, Sendable {
    /// Leases without a job, freed.
    public var freed: Int
    /// Leases with a job, made orphans due for a status probe now.
    public var orphaned: Int

    public init(freed: Int = 0, orphaned: Int = 0) {
        self.freed = freed
        self.orphaned = orphaned
    }
}

/// Who holds a lease: shown by `exportpipe status`, and how a restarted runner recognises its own.
public struct HolderIdentity: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The pipeline's name (the spec's file name without extension, or its `name`).
    public var pipeline: String
    public var host: String
    public var pid: Int32
    /// The run's state directory on its host (a digest), when the holder is a run: one run holds a state directory
    /// at a time (its lock), so a lease of the same instance under another pid belongs to a run that has ended —
    /// killed, perhaps, between a submit and its answer — and the next run of that state directory may reclaim it.
    public var instance: String?

    public init(pipeline: String, host: String, pid: Int32, instance: String? = nil) {
        self.pipeline = pipeline
        self.host = host
        self.pid = pid
        self.instance = instance
    }

    /// This process, running `pipeline`.
    public static func current(pipeline: String) -> HolderIdentity {
        HolderIdentity(
            pipeline: pipeline, host: ProcessInfo.processInfo.hostName,
            pid: ProcessInfo.processInfo.processIdentifier)
    }

    public var description: String { "\(pipeline) on \(host) pid \(pid)" }
}

/// The slot limits one request is admitted under.
///
/// `outstandingPerUser` jobs per user (queued or running) and `queuedPerCompany` for the whole company are the
/// slots a lease takes. `runningPerCompany` is carried for the driver and `status` (the company bound of a run's
/// estimate): the API runs at most that many and queues the rest in order, and a client cannot tell a queued job
/// from a running one (both are RUNNING), so it is not a slot.
public struct SlotLimits: Hashable, Sendable, Codable, CustomStringConvertible {
    public let outstandingPerUser: Int
    public let runningPerCompany: Int
    public let queuedPerCompany: Int

    /// The documented best practice (2 outstanding per user) and the documented company limits (4 running, 50 queued).
    public static let standard = SlotLimits(
        checked: APILimits.bestPracticeOutstandingPerUser, QueueLimits.documented.runningPerCompany,
        QueueLimits.documented.queuedPerCompany)

    /// - Throws: `CoordinationError.invalidLimits` when a value is below 1, or `outstandingPerUser` exceeds the
    ///   documented 5 per user or the company's queue.
    public init(
        outstandingPerUser: Int = APILimits.bestPracticeOutstandingPerUser,
        runningPerCompany: Int = QueueLimits.documented.runningPerCompany,
        queuedPerCompany: Int = QueueLimits.documented.queuedPerCompany
    ) throws {
        let perUserMax = QueueLimits.documented.queuedPerUser
        guard outstandingPerUser >= 1, outstandingPerUser <= perUserMax else {
            throw CoordinationError.invalidLimits(
                "outstanding per user must be 1…\(perUserMax) (the API queues at most \(perUserMax) per user); "
                    + "got \(outstandingPerUser)")
        }
        guard runningPerCompany >= 1, queuedPerCompany >= 1 else {
            throw CoordinationError.invalidLimits(
                "company limits must be at least 1; got running \(runningPerCompany), queued \(queuedPerCompany)")
        }
        guard outstandingPerUser <= queuedPerCompany else {
            throw CoordinationError.invalidLimits(
                "outstanding per user (\(outstandingPerUser)) cannot exceed the company's queue (\(queuedPerCompany))")
        }
        self.init(checked: outstandingPerUser, runningPerCompany, queuedPerCompany)
    }

    private init(checked outstandingPerUser: Int, _ runningPerCompany: Int, _ queuedPerCompany: Int) {
        self.outstandingPerUser = outstandingPerUser
        self.runningPerCompany = runningPerCompany
        self.queuedPerCompany = queuedPerCompany
    }

    public var description: String {
        "\(outstandingPerUser) per user, company \(runningPerCompany) running / \(queuedPerCompany) queued"
    }
}

/// One request for a slot.
public struct SlotRequest: Hashable, Sendable, Codable {
    public var scope: SlotScope
    /// The API user (login name) whose slot is taken.
    public var user: String
    public var limits: SlotLimits
    public var holder: HolderIdentity
    /// How long the lease keeps its slots once expired with no job recorded (its holder died between the submit
    /// and its answer), when the holder knows better than the coordinator's `noJobGrace`: the job's expected time ×
    /// the hold factor, the same hold a live holder keeps for an unanswered submit. Never longer than `noJobGrace`.
    public var noJobGrace: TimeInterval?

    public init(
        scope: SlotScope, user: String, limits: SlotLimits = .standard, holder: HolderIdentity,
        noJobGrace: TimeInterval? = nil
    ) {
        self.scope = scope
        self.user = user
        self.limits = limits
        self.holder = holder
        self.noJobGrace = noJobGrace
    }
}

/// A lease's identity, unique across processes and machines.
public struct LeaseID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static func make() -> LeaseID { LeaseID(rawValue: UUID().uuidString.lowercased()) }
    public var description: String { rawValue }
}

/// One user slot and one company slot, held until released (or until the job is seen CLOSED after the holder died).
public struct Lease: Hashable, Sendable, Codable {
    public let id: LeaseID
    public let scope: SlotScope
    public let user: String
    public let holder: HolderIdentity
    public let grantedAt: Date
    /// Renew before this instant, or the lease expires (see `Coordinator`).
    public let expiresAt: Date

    public init(id: LeaseID, scope: SlotScope, user: String, holder: HolderIdentity, grantedAt: Date, expiresAt: Date) {
        self.id = id
        self.scope = scope
        self.user = user
        self.holder = holder
        self.grantedAt = grantedAt
        self.expiresAt = expiresAt
    }
}

/// An expired lease whose job may still run at the API: its slots stay held until the job is seen CLOSED.
public struct Orphan: Hashable, Sendable, Codable, CustomStringConvertible {
    public let lease: LeaseID
    public let scope: SlotScope
    public let user: String
    /// The holder that stopped renewing.
    public let holder: HolderIdentity
    public let job: SubmittedJob
    public let expiredAt: Date

    public init(
        lease: LeaseID, scope: SlotScope, user: String, holder: HolderIdentity, job: SubmittedJob, expiredAt: Date
    ) {
        self.lease = lease
        self.scope = scope
        self.user = user
        self.holder = holder
        self.job = job
        self.expiredAt = expiredAt
    }

    public var description: String { "\(job) of \(user), held by \(holder) until it stopped renewing" }
}
