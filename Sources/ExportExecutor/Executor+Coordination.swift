import AnalyticsAPI
import AnalyticsClient
import ExportCoordination
import ExportScheduling
import Foundation

// The driver's side of the company's shared slots (docs/coordination.md). The core's `SlotAllocation` stays the
// run's own view; a submit goes out only once the coordinator has granted a lease for it too, so the core can never
// put on the wire what the coordinator did not grant. Each coordinator lease mirrors one slot of the core: it is
// released when the core frees that slot (the job CLOSED, the submit refused, a hold or an abandoned job's time
// over), so an unknown submit outcome keeps its lease for the hold.

/// What the driver holds of the coordinator: the lease behind each of the core's slots.
struct CoordinatedLeases: Sendable {
    /// The coordinator's lease for each of the core's slots (by the core's lease id).
    var bySlot: [Int: ExportCoordination.Lease] = [:]
    /// The core's slot of each chunk whose submit is being prepared or is on the wire.
    var slotOfChunk: [String: Int] = [:]
}

extension Executor {
    static func standaloneCoordination(_ configuration: ExecutorConfiguration) -> ExecutorCoordination {
        let limits =
            (try? SlotLimits(
                outstandingPerUser: min(configuration.outstandingPerUser, QueueLimits.documented.queuedPerUser),
                runningPerCompany: configuration.limits.runningPerCompany,
                queuedPerCompany: configuration.limits.queuedPerCompany)) ?? .standard
        return .inProcess(limits: limits)
    }

    /// A request for a slot of `user` whose job, should this process die before the submit's answer, would be held
    /// for `holdSeconds` of API time (the core's hold for an unanswered submit) — the no-job grace the coordinator
    /// gives its lease, in real seconds, instead of its own hours (which a clock with no real-time pace keeps).
    func slotRequest(_ user: String, holdSeconds: Double) -> SlotRequest {
        let c = coordination
        return SlotRequest(
            scope: c.scope, user: user, limits: c.limits, holder: c.holder, noJobGrace: clock.realSeconds(holdSeconds))
    }

    /// Re-attaches the coordinator's leases of the jobs the journal has in flight, before anything is submitted.
    ///
    /// First what an earlier run of this state directory left is taken back (`Coordinator.reclaim`): this run holds
    /// the state directory's lock, so that run has ended. Its leases without a job (killed between a submit and its
    /// answer) are freed — its lost submits are this run's `unknownOutcome` chunks, whose holds take leases of their
    /// own; without this each would keep a slot for the whole no-job grace, hours, from every runner of the company.
    /// Its leases with a job become orphans due for a probe now: the jobs the journal knows are adopted here by run
    /// id, and the rest (a lease whose release was lost with the process) are freed by the keeper's first probe.
    /// A job or hold with no lease to adopt is *claimed* — counted at once, over the limits if need be — never
    /// queued for: it takes its slot at the API anyway, and a run that waited for room before following its jobs
    /// could wait for ever on slots its own jobs hold (the reliability suite's CI hang: `ResumedLeaseTests`).
    /// - Throws: `ExecutorError.coordination` when the store cannot be used.
    func adoptLeases(_ starts: [ChunkStart], core: Scheduler) async throws {
        let c = coordination
        do {
            _ = try await c.coordinator.backoffUntil(c.scope)  // the store answers, or the run stops here
        } catch {
            throw ExecutorError.coordination(coordinationProblem(error))
        }
        do {
            let reclaimed = try await c.coordinator.reclaim(abandonedBy: c.holder, in: c.scope)
            if reclaimed.freed > 0 {
                let freed = reclaimed.freed
                emit(
                    ProgressEvent(
                        .warning,
                        message: "reclaimed \(freed) queue slot\(freed == 1 ? "" : "s") an earlier run of this state "
                            + "directory held when it ended; its unanswered submits are held again by this run"))
            }
        } catch {
            throw ExecutorError.coordination(coordinationProblem(error))
        }
        for start in starts {
            let user: String
            let job: SubmittedJob?
            switch start.state {
            case .inFlight(let u, let j): (user, job) = (u, j)
            case .orphan(let u, let j?): (user, job) = (u, j)
            case .unknownOutcome(let u), .orphan(let u, nil): (user, job) = (u, nil)
            default: continue
            }
            guard let slot = core.lease(of: start.item.id) else { continue }
            do {
                if let job, !job.runId.isEmpty,
                    let lease = try await c.coordinator.adopt(runId: job.runId, in: c.scope, holder: c.holder)
                {
                    await hold(lease, slot: slot.id)
                } else {
                    // A hold's claim ends with the hold (the core frees its slot), so the chunk's next submit
                    // queues for a lease of its own like any other.
                    let request = slotRequest(user, holdSeconds: core.holdSeconds(of: start.item))
                    let lease = try await c.coordinator.claim(request, job: job.map(recorded))
                    await hold(lease, slot: slot.id)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw ExecutorError.coordination(coordinationProblem(error))
            }
        }
    }

    func hold(_ lease: ExportCoordination.Lease, slot: Int) async {
        leases.bySlot[slot] = lease
        await keeper.keep(lease)
    }

    /// Waits for the coordinator's lease of a submit the core has decided (in request order behind every runner of
    /// the company; `acquire` also waits out the company's shared backoff), then journals the submit as being on
    /// the wire — only then, so a run killed while it waits leaves a planned chunk, not a possible job.
    func prepareSubmit(chunk id: String, user: String, slot: Int?, holdSeconds: Double) async throws {
        let c = coordination
        if let slot {
            leases.slotOfChunk[id] = slot
            if leases.bySlot[slot] == nil {
                let lease = try await c.coordinator.acquire(slotRequest(user, holdSeconds: holdSeconds))
                await hold(lease, slot: slot)
            }
        }
        try journal.markSubmitting(id, user: user)
    }

    /// After the core's effects were performed (journaled): records the job of an answered submit on its lease,
    /// notes queue rejections company-wide, and releases the leases of the slots the core freed. Each is a task of
    /// its own, not of the run's group, so the end of the run does not cancel it half-way; `settleLeases()` awaits
    /// them.
    func syncLeases(_ effects: [SchedulerEffect], core: Scheduler) {
        let c = coordination
        for effect in effects {
            guard case .journal(let step) = effect else { continue }
            switch step {
            case .submitted(let id, let job):
                guard let slot = leases.slotOfChunk.removeValue(forKey: id), let lease = leases.bySlot[slot]
                else { continue }
                let recordedJob = recorded(job)
                let logger = logger
                pending.append(
                    Task {
                        do { try await c.coordinator.record(job: recordedJob, on: lease) } catch {
                            logger.warning("could not record \(recordedJob) on its lease: \(error)")
                        }
                    })
            case .rejected(let id):
                let user = leases.slotOfChunk.removeValue(forKey: id).flatMap { leases.bySlot[$0]?.user }
                guard let user,
                    let seconds = clock.realSeconds(max(0, core.backoff.readyAt(user: user) - clock.now()))
                else { continue }
                let until = Date().addingTimeInterval(seconds)
                pending.append(Task { try? await c.coordinator.noteRejection(scope: c.scope, until: until) })
            default: continue
            }
        }
        guard let allocation = core.slots as? SlotAllocation else { return }
        for (slot, lease) in leases.bySlot where allocation.leases[slot] == nil {
            leases.bySlot[slot] = nil
            let keeper = keeper
            let previous = pending.last
            pending.append(
                Task {
                    await previous?.value  // after the job's record, in order
                    await keeper.forget(lease)
                    try? await c.coordinator.release(lease)
                })
        }
    }

    /// Waits for the records, rejections and releases still on their way to the store.
    func settleLeases() async {
        for task in pending { await task.value }
        pending = []
    }

    func recorded(_ job: SubmittedJob) -> RecordedJob {
        RecordedJob(workflowId: job.workflowId, runId: job.runId, statusUrl: job.statusURL)
    }

    func coordinationProblem(_ error: any Error) -> String {
        "the coordinator (\(storeDescription)) cannot be used: \(error); nothing was submitted. "
            + "Check run.coordinator / EXPORTPIPE_COORDINATOR / --coordinator (docs/coordination.md)"
    }

    var storeDescription: String {
        (coordination.coordinator as? TableCoordinator)?.storeDescription ?? "custom"
    }

    /// The orphan probe: a status poll with the job's own status URL (its token), no account credentials needed.
    static func probe(client: AnalyticsClient, credentials: APICredentials)
        -> @Sendable (RecordedJob) async ->
        OrphanProbeResult
    {
        { job in
            let submitted = SubmittedJob(
                workflowId: job.workflowId, runId: job.runId, statusURL: job.statusUrl, downloadURL: nil)
            do {
                let status = try await client.status(of: submitted, as: credentials)
                return status.outcome == .inFlight ? .running : .closed
            } catch let error as AnalyticsClientError {
                return error.isJobLevel && [404, 410].contains(error.httpStatus ?? 0) ? .closed : .running
            } catch {
                return .running
            }
        }
    }
}
