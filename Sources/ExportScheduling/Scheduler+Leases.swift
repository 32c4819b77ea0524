import AnalyticsAPI

extension Scheduler {
    /// The coordinator answered a `LeaseStep`: after the reclaim, the resumed jobs and holds take their leases
    /// back (adopted by run id when the journal knows the job, else claimed at once); a granted lease lets its
    /// chunk's submit go out.
    mutating func leaseAnswered(_ answer: LeaseAnswer, now: Double) -> [SchedulerEffect] {
        switch answer {
        case .reclaimed(let freed, let orphaned):
            guard !reclaimed else { return [] }
            reclaimed = true
            orphansToProbe = orphaned > 0
            guard !interrupted else { return [] }
            var effects: [SchedulerEffect] = []
            if freed > 0 {
                effects.append(
                    .notify(
                        ProgressEvent(
                            .warning,
                            message: "reclaimed \(freed) queue slot\(freed == 1 ? "" : "s") an earlier run of this "
                                + "state directory held when it ended; its unanswered submits are held again by this run"
                        )))
            }
            for id in resumedSlots {
                guard let entry = entries[id], let slot = slot(of: id) else { continue }
                attaching.insert(id)
                if case .following(_, let follow) = entry.phase, !follow.job.runId.isEmpty {
                    effects.append(.lease(.adopt(slot, chunk: id, job: follow.job)))
                } else {
                    effects.append(claim(id, slot: slot))
                }
            }
            resumedSlots = []
            return effects + attached()
        case .adopted(let id, let found):
            guard attaching.contains(id) else { return [] }
            if found {
                attaching.remove(id)
                return attached()
            }
            // No lease holds the job (its lease was freed, or the store is new): it takes its slot at the API
            // anyway, so it is counted at once rather than queued for.
            guard let slot = slot(of: id), !interrupted else {
                attaching.remove(id)
                return attached()
            }
            return [claim(id, slot: slot)]
        case .claimed(let id):
            attaching.remove(id)
            return attached()
        case .granted(let id):
            guard let entry = entries[id], case .acquiring(let slot) = entry.phase else { return [] }
            guard !interrupted else {
                // Too late to submit: the lease goes back at once.
                submittingUsers.remove(slot.user)
                entries[id]?.phase = .waiting(notBefore: now)
                return [free(slot)]
            }
            entries[id]?.phase = .submitting(slot)
            counters.submissions += 1
            return [.journal(.submitting(chunk: id, user: slot.user)), .submit(entry.item, user: slot.user)]
        }
    }

    /// Once every resumed job holds its lease again, the orphans the reclaim left are probed at once (not at the
    /// keeper's next round, which may come after the run).
    mutating func attached() -> [SchedulerEffect] {
        guard isAttached, orphansToProbe else { return [] }
        orphansToProbe = false
        return [.lease(.probeOrphans)]
    }

    /// Claims a lease for a resumed job or hold: counted at once, over the limits if need be. A hold's claim ends
    /// with the hold, so the chunk's next submit queues for a lease of its own like any other.
    func claim(_ id: String, slot: Slot) -> SchedulerEffect {
        var job: SubmittedJob?
        if case .following(_, let follow)? = entries[id]?.phase { job = follow.job.withoutDownloadURL }
        let grace = entries[id].map { holdSeconds(of: $0.item) } ?? 0
        return .lease(.claim(slot, chunk: id, job: job, noJobGrace: grace))
    }
}
