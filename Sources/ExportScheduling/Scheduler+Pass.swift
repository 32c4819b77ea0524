import AnalyticsAPI

extension Scheduler {
    /// What time alone makes due: the deadline, ended holds, polls, downloads and submissions into free slots.
    mutating func pass(now: Double) -> [SchedulerEffect] {
        guard stopped == nil else { return [] }
        var effects: [SchedulerEffect] = []
        if let deadline = configuration.deadline, now >= deadline, !isFinished {
            let reason = StopReason.deadline(
                "run.deadline passed with \(entries.values.filter { if case .done = $0.phase { false } else { true } }.count) "
                    + "chunks not done; the journal keeps them: run again to go on")
            stopped = reason
            return [.stop(reason)]
        }
        abandoned.removeAll { hold in
            guard hold.until <= now else { return false }
            slots.release(hold.lease)
            return true
        }
        for id in order {
            guard let entry = entries[id] else { continue }
            switch entry.phase {
            case .holding(let lease, let until) where until <= now:
                slots.release(lease)
                if entry.orphan {
                    effects += retire(id)
                } else {
                    effects += holdEnded(id, now: now)
                }
            case .following(let lease, var follow) where !follow.polling && follow.nextPoll <= now:
                follow.polling = true
                entries[id]?.phase = .following(lease, follow)
                effects.append(.poll(chunk: id, job: follow.job, user: lease.user))
            case .toDownload(let url, let user) where activeDownloads < configuration.downloadConcurrency:
                activeDownloads += 1
                entries[id]?.phase = .downloading(url: url, user: user)
                effects.append(.download(chunk: id, url: url, user: user))
            default: break
            }
        }
        effects += submissions(now: now)
        return effects
    }

    /// Fills free slots: due chunks heaviest first (long jobs start early so the run does not end waiting on one
    /// of them), each to the eligible user with the fewest outstanding jobs.
    mutating func submissions(now: Double) -> [SchedulerEffect] {
        var due: [(expected: Double, id: String)] = []
        for id in order {
            guard let entry = entries[id], case .waiting(let notBefore) = entry.phase, notBefore <= now else {
                continue
            }
            due.append((expectedSeconds(of: entry.item), id))
        }
        guard !due.isEmpty else { return [] }
        due.sort { ($0.expected, $1.id) > ($1.expected, $0.id) }
        var effects: [SchedulerEffect] = []
        for (_, id) in due {
            guard let entry = entries[id] else { continue }
            if stoppedExports.contains(entry.item.exportName) { continue }
            let candidates = configuration.users.filter {
                !submittingUsers.contains($0) && backoff.readyAt(user: $0) <= now
            }
            guard
                let user = candidates.min(by: {
                    outstanding($0) < outstanding($1)
                }), let lease = slots.acquire(company: configuration.company, user: user)
            else { break }
            submittingUsers.insert(user)
            entries[id]?.phase = .submitting(lease)
            counters.submissions += 1
            effects.append(.journal(.submitting(chunk: id, user: user)))
            effects.append(.submit(entry.item, user: user))
        }
        return effects
    }

    func outstanding(_ user: String) -> Int {
        slots.outstanding(user: user, company: configuration.company)
    }

    /// A hold for an unknown outcome ran out: the possible job has had its time. Submit again, counted as an
    /// attempt (or fail, when none is left).
    mutating func holdEnded(_ id: String, now: Double) -> [SchedulerEffect] {
        guard let entry = entries[id] else { return [] }
        let spent = entry.attempts + 1
        let message = "the outcome of a submit was unknown and its hold ran out"
        switch configuration.failure.decide(.outcomeUnknown, spent: spent, canSplit: false) {
        case .retry:
            entries[id]?.attempts = spent
            entries[id]?.phase = .waiting(notBefore: now)
            counters.retries += 1
            return [
                .journal(.attemptFailed(chunk: id, error: message, final: false)),
                .notify(
                    Notice(
                        .retrying, chunk: id, export: entry.item.exportName,
                        message: "\(entry.item.windowDescription): \(message); submitting it again (try \(spent + 1) "
                            + "of \(configuration.failure.attempts))")),
            ]
        default:
            return failForGood(id, error: message, now: now)
        }
    }

    /// An orphan's job closed (or its hold ran out): forget it.
    mutating func retire(_ id: String) -> [SchedulerEffect] {
        guard let entry = entries[id] else { return [] }
        entries[id]?.phase = .done
        counters.retired += 1
        return [
            .journal(.retired(chunk: id)),
            .notify(
                Notice(
                    .retired, chunk: id, export: entry.item.exportName,
                    message: "\(entry.item.windowDescription): a job from an earlier run for a chunk no longer in the "
                        + "plan has closed; it was counted against the limits until then and is now forgotten")),
        ]
    }
}
