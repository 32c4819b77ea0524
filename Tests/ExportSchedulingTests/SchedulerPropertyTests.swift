import AnalyticsAPI
import ExportScheduling
import ExportTestSupport
import Testing

/// The core driven by a random world: random users and caps, jobs that end, fail, are rejected, lose their submit
/// answer, refuse their token or cannot be read. Seeded, so a failure replays from its seed.
@Suite("Scheduler properties over random event sequences")
struct SchedulerPropertyTests {
    struct WorldJob {
        var chunk: String
        var user: String
        var end: Double
        var rejected: Bool
    }

    static func item(_ index: Int) -> WorkItem {
        let start = Int64(1_738_368_000_000) + Int64(index) * 86_400_000
        return WorkItem(
            id: "c\(index)", exportName: index % 3 == 0 ? "a" : "b",
            request: ExportRequest(type: .incomingPost, startTime: start, endTime: start + 86_400_000),
            expectedRows: 1000, expectedSeconds: Double(60 + (index * 37) % 600))
    }

    @Test(arguments: Array(UInt64(1)...UInt64(60)))
    func invariantsHold(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let users = (1...Int.random(in: 1...12, using: &random)).map { "u\($0)" }
        var limits = QueueLimits.documented
        limits.queuedPerCompany = Int.random(in: 1...8, using: &random)
        let perUser = Int.random(in: 1...5, using: &random)
        let ratio = Double.random(in: 0.3...1, using: &random)
        let configuration = SchedulerConfiguration(
            users: users, outstandingPerUser: perUser, limits: limits,
            failure: FailurePolicy(attempts: 3, cooldownSeconds: 10, failureBudget: 4),
            backoff: QueueBackoff(base: 10, cap: 120), stuckAfterSeconds: 100_000, downloadConcurrency: 2, seed: seed)
        let splitter: Scheduler.Splitter = { item in
            guard item.request.endTime - item.request.startTime > 3_600_000 else { return nil }
            let middle = (item.request.startTime + item.request.endTime) / 2
            return [(item.request.startTime, middle), (middle, item.request.endTime)].map { window in
                var request = item.request
                request.startTime = window.0
                request.endTime = window.1
                return WorkItem(
                    id: "\(item.id).\(window.0 == item.request.startTime ? 0 : 1)", exportName: item.exportName,
                    request: request, expectedRows: item.expectedRows / 2, expectedSeconds: item.expectedSeconds / 2,
                    parentId: item.id)
            }
        }
        var core = Scheduler(configuration: configuration, splitter: splitter)
        let items = (0..<Int.random(in: 1...25, using: &random)).map(Self.item)
        var estimates = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0.expectedSeconds) })
        var now = 0.0
        var pending: [SchedulerEffect] = []
        var jobs: [String: WorldJob] = [:]  // live job of a chunk in the world (may outlive the core's view)
        var phantoms: [WorldJob] = []  // jobs whose submit answer was lost
        var journaled: [String: JournalStep] = [:]
        var lastEventWasSize = false
        var lastSettled: [String: Bool] = [:]  // the chunk's previous job is known settled
        var unreadable: [String: Int] = [:]
        var leases: [Int: String] = [:]  // the coordinator's leases the core holds: slot id → user

        func check(_ effects: [SchedulerEffect]) {
            for effect in effects {
                switch effect {
                case .journal(let step):
                    if case .split = step { #expect(lastEventWasSize, "seed \(seed): split for a non-size failure") }
                    if case .split(_, _, let children) = step {
                        for child in children { estimates[child.id] = child.expectedSeconds }
                    }
                    journaled[step.chunk] = step
                case .submit(let item, _):
                    guard case .submitting? = journaled[item.id] else {
                        Issue.record("seed \(seed): \(item.id) submitted before it was journaled")
                        continue
                    }
                    #expect(lastSettled[item.id] ?? true, "seed \(seed): \(item.id) submitted again too early")
                    lastSettled[item.id] = false
                    pending.append(effect)
                case .poll(let id, _, _):
                    guard case .submitted? = journaled[id] else {
                        Issue.record("seed \(seed): \(id) polled before its job was journaled")
                        continue
                    }
                    pending.append(effect)
                case .download(let item, _, _):
                    guard case .completed? = journaled[item.id] else {
                        Issue.record("seed \(seed): \(item.id) downloaded before completion was journaled")
                        continue
                    }
                    pending.append(effect)
                case .lease(.reclaim), .lease(.acquire):
                    if case .lease(.acquire(let slot, _, _)) = effect { leases[slot.id] = slot.user }
                    pending.append(effect)
                case .lease(.release(let slot)):
                    #expect(leases.removeValue(forKey: slot.id) != nil, "seed \(seed): released a lease not held")
                case .lease, .notify, .stop, .armTimer, .cancelTimer: break
                }
            }
            // The coordinator's leases (acquired, not yet released) stay within the caps too.
            #expect(leases.count <= limits.queuedPerCompany, "seed \(seed): company leases exceeded at \(now)")
            #expect(
                Dictionary(grouping: leases.values, by: { $0 }).values.allSatisfy { $0.count <= min(perUser, 5) },
                "seed \(seed): user leases exceeded")
            // Limits, counted in the world: every job that may be live, phantoms included.
            let live = jobs.values.filter { !$0.rejected && $0.end > now } + phantoms.filter { $0.end > now }
            var perUserCount: [String: Int] = [:]
            for job in live { perUserCount[job.user, default: 0] += 1 }
            #expect(live.count <= limits.queuedPerCompany, "seed \(seed): company cap exceeded at \(now)")
            #expect(perUserCount.values.allSatisfy { $0 <= min(perUser, 5) }, "seed \(seed): user cap exceeded")
        }

        check(core.start(items.map { ChunkStart($0) }, now: now))
        var steps = 0
        while !core.isFinished && steps < 20_000 {
            steps += 1
            lastEventWasSize = false
            if pending.isEmpty || Int.random(in: 0..<4, using: &random) == 0 {
                guard let wake = core.nextWakeup(after: now) else {
                    if pending.isEmpty {
                        Issue.record("seed \(seed): stalled with work left")
                        break
                    }
                    continue
                }
                now = max(now, wake)
                check(core.handle(.tick, now: now))
                continue
            }
            let effect = pending.remove(at: Int.random(in: 0..<pending.count, using: &random))
            now += Double.random(in: 0...5, using: &random)
            let u = Double.random(in: 0..<1, using: &random)
            var event: SchedulerEvent
            switch effect {
            case .lease(.reclaim):
                event = .lease(.reclaimed(freed: 0))
            case .lease(.acquire(_, let chunk, _)):
                event = .lease(.granted(chunk: chunk))
            case .submit(let item, let user):
                let duration = (estimates[item.id] ?? 60) * ratio * Double.random(in: 0.9...1, using: &random)
                let job = WorldJob(chunk: item.id, user: user, end: now + duration, rejected: u < 0.1)
                if u < 0.2 && u >= 0.1 {
                    phantoms.append(job)
                    event = .submitFailed(chunk: item.id, Failure(.outcomeUnknown, "HTTP 502: bad gateway"))
                    // Settled once the hold (expected × 1.5 ≥ the job's life) has run out: checked by the caps.
                    lastSettled[item.id] = true
                } else if u < 0.25 {
                    event = .submitFailed(chunk: item.id, Failure(.permanent, "HTTP 400: refused"))
                    lastSettled[item.id] = true
                } else {
                    if let old = jobs[item.id] { phantoms.append(old) }
                    jobs[item.id] = job
                    unreadable[item.id] = 0
                    event = .submitAnswered(
                        chunk: item.id,
                        job: SubmittedJob(workflowId: "w", runId: item.id, statusURL: "s", downloadURL: nil))
                }
            case .poll(let id, _, _):
                guard let job = jobs[id] else { continue }
                if u < 0.03 {
                    event = .statusFailed(chunk: id, Failure(.jobToken, "HTTP 403"))
                    lastSettled[id] = true  // abandoned: its slot is held by the core until it would have ended
                } else if u < 0.08 {
                    event = .statusFailed(chunk: id, Failure(.transient, "not the documented envelope"))
                    unreadable[id, default: 0] += 1
                    if unreadable[id, default: 0] >= 5 { lastSettled[id] = true }
                } else if job.rejected {
                    unreadable[id] = 0
                    event = .statusAnswered(chunk: id, outcome: .rejectedByQueue, progress: "C", downloadURL: nil)
                    lastSettled[id] = true
                } else if now < job.end {
                    event = .statusAnswered(chunk: id, outcome: .inFlight, progress: "R", downloadURL: nil)
                } else if u < 0.2 {
                    let reason = u < 0.14 ? "Export timed out" : "Internal error"
                    lastEventWasSize = reason.contains("timed out")
                    event = .statusAnswered(
                        chunk: id, outcome: .failed(reason: reason, detail: "FAILED"), progress: "C", downloadURL: nil)
                    lastSettled[id] = true
                } else {
                    event = .statusAnswered(chunk: id, outcome: .completed, progress: "C", downloadURL: "d")
                    lastSettled[id] = true
                }
            case .download(let item, _, _):
                let id = item.id
                event =
                    u < 0.1
                    ? .downloadFailed(chunk: id, Failure(.permanent, "did not verify"))
                    : .downloaded(chunk: id, rows: 10, bytes: 100, sha256: "x", file: "f")
            default: continue
            }
            check(core.handle(event, now: now))
        }
        #expect(core.isFinished, "seed \(seed): finished")
        // Every chunk ends verified, failed for good or split into children.
        for (id, step) in journaled {
            switch step {
            case .verified, .split: break
            case .attemptFailed(_, _, let final): #expect(final, "seed \(seed): \(id) ended without a verdict")
            default: Issue.record("seed \(seed): \(id) ended as \(step)")
            }
        }
    }
}
