import AnalyticsAPI

extension Scheduler {
    /// What time alone makes due: the deadline, ended holds, polls, downloads and submissions into free slots.
    mutating func pass(now: Double) -> [SchedulerEffect] {
        guard stopped == nil, !interrupted else { return [] }
        var effects: [SchedulerEffect] = []
        if let deadline = configuration.deadline, now >= deadline, !isFinished {
            let reason = StopReason.deadline(
                "run.deadline passed with \(entries.values.filter { if case .done = $0.phase { false } else { true } }.count) "
                    + "chunks not done; the journal keeps them: run again to go on")
            stopped = reason
            return [.stop(reason)]
        }
        guard isAttached else { return [] }
        for hold in abandoned where hold.until <= now { effects.append(free(hold.slot)) }
        abandoned.removeAll { $0.until <= now }
        for id in order {
            guard let entry = entries[id] else { continue }
            switch entry.phase {
            case .holding(let slot, let until) where until <= now:
                effects.append(free(slot))
                if entry.orphan {
                    effects += retire(id)
                } else {
                    effects += holdEnded(id, now: now)
                }
            case .following(let slot, var follow) where !follow.polling && follow.nextPoll <= now:
                follow.polling = true
                entries[id]?.phase = .following(slot, follow)
                effects.append(.poll(chunk: id, job: follow.job, user: slot.user))
            case .toDownload(let url, let user) where activeDownloads < configuration.downloadConcurrency:
                activeDownloads += 1
                entries[id]?.phase = .downloading(url: url, user: user)
                effects.append(.download(entry.item, url: url, user: user))
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
                }), let slot = slots.acquire(company: configuration.company, user: user)
            else { break }
            submittingUsers.insert(user)
            entries[id]?.phase = .acquiring(slot)
            // The submit goes out when the coordinator grants the lease (`leaseAnswered`): only then is it
            // journaled, so a run killed while it queues leaves a planned chunk, not a possible job.
            effects.append(.lease(.acquire(slot, chunk: id, noJobGrace: holdSeconds(of: entry.item))))
        }
        return effects
    }

    /// Frees one of the core's slots, and the coordinator's lease behind it.
    mutating func free(_ slot: Slot) -> SchedulerEffect {
        slots.release(slot)
        return .lease(.release(slot))
    }

    /// Whether the coordinator has taken back what an earlier run left and every resumed job or hold holds its
    /// lease again: until then nothing is polled, downloaded, submitted, and no hold ends.
    var isAttached: Bool { reclaimed && attaching.isEmpty }

    /// The end of every `start` and `handle`: what time makes due now, then the timer for what it makes due next
    /// (armed, moved or cancelled).
    mutating func settle(_ effects: [SchedulerEffect], now: Double) -> [SchedulerEffect] {
        var effects = effects + pass(now: now)
        let wake = isFinished ? nil : nextWakeup(after: now)
        guard wake != timer?.at else { return effects }
        if let armed = timer { effects.append(.cancelTimer(armed.id)) }
        timer = wake.map { SchedulerTimer(id: nextTimerId, at: $0) }
        if let timer {
            nextTimerId += 1
            effects.append(.armTimer(timer))
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
                    ProgressEvent(
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
                ProgressEvent(
                    .retired, chunk: id, export: entry.item.exportName,
                    message: "\(entry.item.windowDescription): a job from an earlier run for a chunk no longer in the "
                        + "plan has closed; it was counted against the limits until then and is now forgotten")),
        ]
    }
}
