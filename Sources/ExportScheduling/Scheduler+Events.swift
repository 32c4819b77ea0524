import AnalyticsAPI

extension Scheduler {
    /// Applies one event at `now`; returns the effects to perform, in order.
    public mutating func handle(_ event: SchedulerEvent, now: Double) -> [SchedulerEffect] {
        guard stopped == nil else { return [] }
        var now = now
        var effects: [SchedulerEffect] = []
        switch event {
        case .tick: break
        case .timerFired(let id):
            guard let armed = timer, armed.id == id else { break }  // cancelled, or superseded
            timer = nil
            now = max(now, armed.at)
        case .interrupt: interrupted = true
        case .lease(let answer): effects += leaseAnswered(answer, now: now)
        case .submitAnswered(let id, let job): effects += submitAnswered(id, job: job, now: now)
        case .submitFailed(let id, let failure): effects += submitFailed(id, failure, now: now)
        case .statusAnswered(let id, let outcome, let progress, let url, let running, let queued):
            effects += statusAnswered(
                id, outcome: outcome, progress: progress, downloadURL: url, running: running, queued: queued,
                now: now)
        case .statusFailed(let id, let failure): effects += statusFailed(id, failure, now: now)
        case .downloaded(let id, let rows, let bytes, let sha256, let file):
            effects += downloaded(id, rows: rows, bytes: bytes, sha256: sha256, file: file)
        case .downloadFailed(let id, let failure): effects += downloadFailed(id, failure, now: now)
        }
        return settle(effects, now: now)
    }

    // MARK: - Submit

    mutating func submitAnswered(_ id: String, job: SubmittedJob, now: Double) -> [SchedulerEffect] {
        guard let entry = entries[id], case .submitting(let slot) = entry.phase else { return [] }
        submittingUsers.remove(slot.user)
        let following = follow(job, now: now, item: entry.item, resumed: false)
        entries[id]?.phase = .following(slot, following)
        // Journaled first: a run killed before the record lands leaves a job its journal knows.
        return [
            .journal(.submitted(chunk: id, job: job)),
            .lease(.record(slot, job: job.withoutDownloadURL)),
            .notify(ProgressEvent(.submitted, chunk: id, export: entry.item.exportName, user: slot.user)),
        ]
    }

    mutating func submitFailed(_ id: String, _ failure: Failure, now: Double) -> [SchedulerEffect] {
        guard let entry = entries[id], case .submitting(let slot) = entry.phase else { return [] }
        submittingUsers.remove(slot.user)
        if failure.failureClass == .outcomeUnknown {
            // A job may exist: keep its slot for as long as it would run, so the limits stay true, then resubmit.
            let hold = holdSeconds(of: entry.item)
            entries[id]?.phase = .holding(slot, until: now + hold)
            counters.unknownOutcomes += 1
            return [
                .notify(
                    ProgressEvent(
                        .held, chunk: id, export: entry.item.exportName, user: slot.user,
                        message: "\(entry.item.windowDescription): \(failure.message); a job may exist, so its slot "
                            + "stays held for \(Int(hold.rounded())) s, then the chunk is submitted again"))
            ]
        }
        return [free(slot)] + failed(id, failure, now: now)
    }

    // MARK: - Status

    mutating func statusAnswered(
        _ id: String, outcome: JobOutcome, progress: String, downloadURL: String?, running: Bool = false,
        queued: Bool = false, now: Double
    ) -> [SchedulerEffect] {
        guard let entry = entries[id], case .following(let slot, var follow) = entry.phase else { return [] }
        counters.statusRequests += 1
        follow.polls += 1
        follow.polling = false
        follow.unreadable = 0
        let item = entry.item
        switch outcome {
        case .inFlight:
            if !follow.accepted {
                follow.accepted = true
                backoff.accepted(user: slot.user)
            }
            if progress != follow.lastProgress {
                follow.lastProgress = progress
                follow.lastChange = now
            }
            let elapsed = now - follow.started
            let observed = now - (follow.firstAnswer ?? now)
            if follow.firstAnswer == nil { follow.firstAnswer = now }
            follow.lastInFlight = now
            if now - follow.lastChange >= configuration.stuckAfterSeconds {
                counters.stuck += 1
                let freed = abandon(slot, follow: follow, item: entry.item, now: now)
                let text =
                    "the job's status has not changed for \(Int(now - follow.lastChange)) s (stuck_after is "
                    + "\(Int(configuration.stuckAfterSeconds)) s)"
                return freed
                    + [
                        .notify(
                            ProgressEvent(.stuck, chunk: id, export: item.exportName, user: slot.user, message: text))
                    ]
                    + (entry.orphan ? retire(id) : failed(id, Failure(.transient, text), now: now))
            }
            let policy = configuration.failure
            if observed > follow.expected * policy.overrunFactor && observed > policy.sizeRelatedMinimumSeconds
                && !entry.orphan
            {
                return abandon(slot, follow: follow, item: entry.item, now: now)
                    + failed(
                        id,
                        Failure(
                            .sizeRelated,
                            "the job has run \(Int(elapsed)) s, \(Int(policy.overrunFactor))× its expected "
                                + "\(Int(follow.expected)) s"), now: now)
            }
            follow.nextPoll = nextPoll(follow, now: now)
            var effects: [SchedulerEffect] = []
            if queued && !follow.queued && !follow.running {
                // The server names the job waiting for a slot of its own: the progress board counts it queued.
                follow.queued = true
                effects.append(.notify(ProgressEvent(.queued, chunk: id, export: item.exportName, user: slot.user)))
            }
            // Evidence that it runs, or in flight and not queued at a service that names the queued state.
            if queued { serverNamesQueued = true }
            if (running || (serverNamesQueued && !queued)) && !follow.running {
                // Queued at the server until now: the report's timeline starts the job's running phase here.
                follow.running = true
                effects.append(.notify(ProgressEvent(.running, chunk: id, export: item.exportName, user: slot.user)))
            }
            entries[id]?.phase = .following(slot, follow)
            return effects
        case .completed:
            let freed = free(slot)
            backoff.accepted(user: slot.user)
            let seconds = Self.jobSeconds(follow, closedSeenAt: now)
            let closedSeconds = now - follow.started
            if !follow.resumed {
                learned.observe(
                    export: item.exportName, estimate: item.expectedSeconds, seconds: seconds,
                    closedSeconds: closedSeconds)
                replanPolls(now: now)
            }
            let url = downloadURL ?? follow.job.downloadURL
            var effects: [SchedulerEffect] = [
                .journal(
                    .completed(chunk: id, downloadURL: url, jobSeconds: seconds, closedSeconds: closedSeconds)),
                freed,
            ]
            if entry.orphan { return effects + retire(id) }
            guard let url else {
                return effects + failed(id, Failure(.transient, "the completed job has no download link"), now: now)
            }
            entries[id]?.phase = .toDownload(url: url, user: slot.user)
            effects.append(.notify(ProgressEvent(.completed, chunk: id, export: item.exportName, user: slot.user)))
            return effects
        case .rejectedByQueue:
            let freed = free(slot)
            counters.rejections += 1
            let delay = backoff.rejected(user: slot.user, now: now, jitter: 0.8 + 0.4 * random.unit())
            // Every runner of the company waits too: the queue, not this run, was full.
            let shared = SchedulerEffect.lease(.noteRejection(until: backoff.readyAt(user: slot.user)))
            if entry.orphan { return [freed, shared] + retire(id) }
            entries[id]?.phase = .waiting(notBefore: now)
            return [
                .journal(.rejected(chunk: id)), freed, shared,
                .notify(
                    ProgressEvent(
                        .rejected, chunk: id, export: item.exportName, user: slot.user,
                        message: "\(APILimits.tooManyExportsReason) \(slot.user) submits again in \(Int(delay)) s "
                            + "(backoff per user, doubling, at most \(Int(backoff.cap)) s)")),
            ]
        case .failed(let reason, let detail):
            let freed = free(slot)
            if entry.orphan { return [freed] + retire(id) }
            let text = "the job closed \(detail ?? "FAILED"): \(reason ?? "no reason given")"
            let sizeRelated = FailurePolicy.isSizeRelated(reason) || FailurePolicy.isSizeRelated(detail)
            let failureClass: FailureClass = sizeRelated ? .sizeRelated : .permanent
            return [freed] + failed(id, Failure(failureClass, text), now: now)
        }
    }

    mutating func statusFailed(_ id: String, _ failure: Failure, now: Double) -> [SchedulerEffect] {
        guard let entry = entries[id], case .following(let slot, var follow) = entry.phase else { return [] }
        counters.statusRequests += 1
        follow.polls += 1
        follow.polling = false
        switch failure.failureClass {
        case .credentials:
            return stop(id, failure)
        case .jobToken, .permanent:
            // A job the status endpoint has never answered for, refused within its grace, is asked again: a job
            // store that is not consistent yet is likelier than a job gone seconds after it was accepted, and a
            // resubmit would run it twice.
            let neverAnswered = follow.firstAnswer == nil && !follow.resumed
            if !neverAnswered
                || !configuration.failure.isWithinNewJobGrace(polls: follow.polls, seconds: now - follow.started)
            {
                // This job's token or URL no longer works: that job's problem. Its slot stays held for as long as
                // it might still run; the chunk is submitted again.
                let freed = abandon(slot, follow: follow, item: entry.item, now: now)
                if entry.orphan { return freed + retire(id) }
                return freed + failed(id, Failure(.jobToken, failure.message), now: now)
            }
        default:
            follow.unreadable += 1
            if follow.unreadable >= configuration.failure.undecodableStatusLimit {
                let freed = abandon(slot, follow: follow, item: entry.item, now: now)
                if entry.orphan { return freed + retire(id) }
                let text =
                    "the job's status could not be read \(follow.unreadable) times in a row (last: \(failure.message))"
                return freed + failed(id, Failure(.transient, text), now: now)
            }
        }
        follow.nextPoll = nextPoll(follow, now: now)
        entries[id]?.phase = .following(slot, follow)
        return []
    }

    /// How long a job took: it ended between the last answer that showed it in flight and the one that showed it
    /// CLOSED, so the midpoint is off by at most half that gap either way. (The CLOSED answer's own time would
    /// count the whole gap, and learning from it would inflate every estimate by the schedule's own latency: an
    /// estimate 10% long starts the close polls after the job ends, whose latency inflates the next estimate.)
    static func jobSeconds(_ follow: Follow, closedSeenAt now: Double) -> Double {
        let last = follow.lastInFlight ?? follow.started
        return max(0, (last + now) / 2 - follow.started)
    }

    /// What jobs take has just been learned better: every job in flight takes its new belief (its own export's,
    /// or all exports' for an export with no job seen yet), and one that is now due (its estimate was too long)
    /// is asked sooner than the old schedule said.
    mutating func replanPolls(now: Double) {
        for id in order {
            guard let entry = entries[id], case .following(let slot, var follow) = entry.phase, !follow.resumed
            else { continue }
            let belief = belief(of: entry.item)
            guard belief != follow.belief else { continue }
            follow.belief = belief
            if !follow.polling { follow.nextPoll = min(follow.nextPoll, nextPoll(follow, now: now)) }
            entries[id]?.phase = .following(slot, follow)
        }
    }

    /// When to ask about `follow`'s job next, after an answer (or a new belief) at `now`: the poll schedule's next
    /// offset from the job's start, for its belief.
    mutating func nextPoll(_ follow: Follow, now: Double) -> Double {
        follow.started
            + configuration.poll.nextOffset(
                polls: follow.polls, elapsed: now - follow.started, belief: follow.belief, jitter: jitter())
    }

    /// Stops following a job that may still run: its slot stays held until it would have ended.
    mutating func abandon(_ slot: Slot, follow: Follow, item: WorkItem, now: Double) -> [SchedulerEffect] {
        let end = follow.started + holdSeconds(of: item)
        if end > now {
            abandoned.append((slot, end))
            return []
        }
        return [free(slot)]
    }

    // MARK: - Download

    mutating func downloaded(_ id: String, rows: Int64, bytes: Int64, sha256: String, file: String)
        -> [SchedulerEffect]
    {
        guard let entry = entries[id], case .downloading = entry.phase else { return [] }
        activeDownloads -= 1
        entries[id]?.phase = .done
        counters.verified += 1
        counters.rows += rows
        counters.bytes += bytes
        failureStreaks[entry.item.exportName] = nil
        return [
            .journal(.verified(chunk: id, rows: rows, bytes: bytes, sha256: sha256, file: file)),
            .notify(ProgressEvent(.verified, chunk: id, export: entry.item.exportName, rows: rows, bytes: bytes)),
        ]
    }

    mutating func downloadFailed(_ id: String, _ failure: Failure, now: Double) -> [SchedulerEffect] {
        guard let entry = entries[id], case .downloading(let url, let user) = entry.phase else { return [] }
        activeDownloads -= 1
        if failure.failureClass == .credentials { return stop(id, failure) }
        if entry.downloadTries < 3 {
            // Ask the download endpoint again (a fresh link, a whole file) before giving the job up.
            entries[id]?.downloadTries = entry.downloadTries + 1
            entries[id]?.phase = .toDownload(url: url, user: user)
            return []
        }
        entries[id]?.downloadTries = 0
        return failed(id, failure, now: now)
    }
}
