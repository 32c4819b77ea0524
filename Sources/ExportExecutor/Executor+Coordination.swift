import AnalyticsAPI
import AnalyticsClient
import ExportCoordination
import ExportScheduling
import Foundation

// The driver's side of the company's shared slots (docs/coordination.md): it performs the core's `LeaseStep`s and
// keeps which coordinator lease backs which of the core's slots. What to acquire, adopt, claim, record and release,
// and when, is the core's (`Scheduler+Leases.swift`); a submit goes out only once the coordinator granted its lease.

extension Executor {
    static func standaloneCoordination(_ configuration: ExecutorConfiguration) -> ExecutorCoordination {
        let limits =
            (try? SlotLimits(
                outstandingPerUser: min(configuration.outstandingPerUser, QueueLimits.documented.queuedPerUser),
                runningPerCompany: configuration.limits.runningPerCompany,
                queuedPerCompany: configuration.limits.queuedPerCompany)) ?? .standard
        return .inProcess(limits: limits)
    }

    /// Performs one of the core's lease steps: asking the store as a child task whose answer comes back as an
    /// event, or (records, releases, rejections) in order behind the previous ones, off the run's group so the end
    /// of the run does not cancel them half-way (`run` awaits the last).
    func perform(_ step: LeaseStep, in group: inout TaskGroup<Report>) {
        let c = coordination
        switch step {
        case .reclaim:
            group.addTask {
                await self.asking {
                    _ = try await c.coordinator.backoffUntil(c.scope)  // the store answers, or the run stops here
                    let reclaimed = try await c.coordinator.reclaim(abandonedBy: c.holder, in: c.scope)
                    return .reclaimed(freed: reclaimed.freed, orphaned: reclaimed.orphaned)
                }
            }
        case .acquire(let slot, let chunk, let grace):
            let request = slotRequest(slot.user, noJobGrace: grace)
            group.addTask {
                await self.asking {
                    let lease = try await c.coordinator.acquire(request)
                    await self.hold(lease, slot: slot)
                    return .granted(chunk: chunk)
                }
            }
        case .adopt(let slot, let chunk, let job):
            group.addTask {
                await self.asking {
                    let lease = try await c.coordinator.adopt(runId: job.runId, in: c.scope, holder: c.holder)
                    if let lease { await self.hold(lease, slot: slot) }
                    return .adopted(chunk: chunk, found: lease != nil)
                }
            }
        case .claim(let slot, let chunk, let job, let grace):
            let request = slotRequest(slot.user, noJobGrace: grace)
            group.addTask {
                await self.asking {
                    let lease = try await c.coordinator.claim(request, job: job)
                    await self.hold(lease, slot: slot)
                    return .claimed(chunk: chunk)
                }
            }
        case .record(let slot, let job):
            guard let lease = leases[slot.id] else { return }
            let logger = logger
            let recorded = job
            afterBookkeeping {
                do { try await c.coordinator.record(job: recorded, on: lease) } catch {
                    logger.warning("could not record \(recorded) on its lease: \(error)")
                }
            }
        case .release(let slot):
            guard let lease = leases.removeValue(forKey: slot.id) else { return }
            afterBookkeeping { [keeper] in
                await keeper.forget(lease)
                try? await c.coordinator.release(lease)
            }
        case .noteRejection(let until):
            // Told in real time to every runner of the company (a clock with no real-time pace tells nothing).
            guard let seconds = clock.realSeconds(max(0, until - clock.now())) else { return }
            let date = Date().addingTimeInterval(seconds)
            afterBookkeeping { try? await c.coordinator.noteRejection(scope: c.scope, until: date) }
        case .probeOrphans:
            afterBookkeeping { [keeper] in await keeper.tick() }
        }
    }

    /// Asks the store; its answer is an event for the core, its failure stops the run (nothing is submitted
    /// without the coordinator), a cancelled wait is nothing.
    nonisolated func asking(_ ask: @Sendable () async throws -> LeaseAnswer) async -> Report {
        do {
            return .event(.lease(try await ask()))
        } catch is CancellationError {
            return .none
        } catch {
            return .fatal(.coordination(await coordinationProblem(error)))
        }
    }

    func afterBookkeeping(_ work: @escaping @Sendable () async -> Void) {
        let previous = bookkeeping
        bookkeeping = Task {
            await previous?.value
            await work()
        }
    }

    func hold(_ lease: Lease, slot: Slot) async {
        leases[slot.id] = lease
        await keeper.keep(lease)
    }

    /// A request for a slot of `user` whose job, should this process die before the submit's answer, would be held
    /// for `noJobGrace` API seconds (the core's hold for an unanswered submit) — in real seconds, instead of the
    /// coordinator's own hours (which a clock with no real-time pace keeps).
    func slotRequest(_ user: String, noJobGrace: Double) -> SlotRequest {
        let c = coordination
        return SlotRequest(
            scope: c.scope, user: user, limits: c.limits, holder: c.holder, noJobGrace: clock.realSeconds(noJobGrace))
    }

    func coordinationProblem(_ error: any Error) -> String {
        let store = (coordination.coordinator as? TableCoordinator)?.storeDescription ?? "custom"
        return "the coordinator (\(store)) cannot be used: \(error); nothing was submitted. "
            + "Check run.coordinator / EXPORTPIPE_COORDINATOR / --coordinator (docs/coordination.md)"
    }

    /// The orphan probe: a status poll with the job's own status URL (its token), no account credentials needed.
    /// - Parameter telling: called before each probe (the run says once why it may be waiting for slots).
    static func probe(
        client: AnalyticsClient, credentials: APICredentials, telling: @escaping @Sendable () -> Void = {}
    ) -> @Sendable (SubmittedJob) async -> OrphanProbeResult {
        { job in
            telling()
            do {
                let status = try await client.status(of: job, as: credentials)
                return status.outcome == .inFlight ? .running : .closed
            } catch let error as AnalyticsClientError {
                return error.isJobLevel && [404, 410].contains(error.httpStatus ?? 0) ? .closed : .running
            } catch {
                return .running
            }
        }
    }
}

extension Executor {
    /// Tells, once per run, that the company's slots are held by jobs a run that ended left at the server: while
    /// they run, this run's chunks wait for a slot with nothing else to show.
    static func orphanNotice(every interval: Double, events: @escaping @Sendable (ProgressEvent) -> Void)
        -> @Sendable () -> Void
    {
        let told = OnceFlag()
        return {
            guard told.first() else { return }
            events(
                ProgressEvent(
                    .warning,
                    message: "a run of this company that ended left jobs at the server holding queue slots: they are "
                        + "polled every \(Int(interval.rounded())) s and their slots taken once they are CLOSED "
                        + "(chunks may wait for a slot until then)"))
        }
    }
}

/// True the first time it is asked, false after.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    func first() -> Bool {
        lock.withLock {
            defer { done = true }
            return !done
        }
    }
}
