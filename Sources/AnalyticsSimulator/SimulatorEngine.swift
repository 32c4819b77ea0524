import AnalyticsAPI
import Foundation

/// The simulator's state: jobs, the queue under the documented limits, API time, signed links, faults, stats.
///
/// States are computed lazily and deterministically: every request first advances the event queue to the
/// current API time (jobs finish at start + duration, finished jobs free slots, FIFO-waiting jobs start at that
/// instant, background users top their queues up), so the result never depends on when requests arrive
/// between two events.
actor SimulatorEngine {
    enum Phase: Sendable, Equatable {
        case waiting
        case running(finishAt: Int64)
        case closed(detail: String, reason: String?, at: Int64)
    }

    struct Job: Sendable {
        let workflowId: String
        let runId: String
        let token: String
        let user: String
        let background: Bool
        let seq: Int
        let submission: ParsedSubmission?
        let rows: Int
        let durationMillis: Int64
        /// Set when the job will end FAILED at its finish time (fault or row limit).
        let failReason: String?
        let submittedAt: Int64
        /// Set when the job's status never closes (the stuck fault); it still runs and frees its slot.
        var stuck = false
        /// The close status a failing job shows instead of FAILED + its reason (`TIMED_OUT`, reason null: the
        /// workflow engine's own word for a job over the row limit, `--timeouts-as-close-status`).
        var closeDetail: String?
        var startedAt: Int64?
        var phase: Phase
    }

    struct Link: Sendable {
        let workflowId: String
        let signature: String
        let expiresAt: Int64
    }

    enum RequestFault: Sendable, Equatable {
        case http5xx(status: Int)
        case http429
        case reset
        case garbage
        case envelope
    }

    let configuration: SimulatorConfiguration
    let epochMillis: Int64
    /// The clock's reading when the engine was made: API time starts at `epochMillis` there.
    private let clockOrigin: Double
    private var simNow: Int64
    /// How far `POST /_sim/clock` has moved API time on, on top of the clock's own reading.
    private var clockShiftMillis: Int64 = 0
    private var jobs: [String: Job] = [:]
    private var submissionOrder: [String] = []
    private var waiting: [String] = []
    private var running: [String] = []
    private var seq = 0
    var stats = SimulatorStats()
    private var links: [String: Link] = [:]
    /// Draws so far of each fault's own deterministic sequence, by its name (`SimulatorEngine+Faults.swift`).
    var faultDraws: [String: UInt64] = [:]
    /// Draws so far of the after-effect faults, one sequence for all of them.
    var afterEffectDraws: UInt64 = 0
    private var backgroundDraws: UInt64 = 0
    /// Jobs whose status requests the `jobToken403` fault refuses.
    var tokenRefusedJobs: Set<String> = []
    /// Status requests answered so far per job (`statusNotFoundFirst`).
    var statusRequestsSeen: [String: Int] = [:]
    private let backgroundUsers: [String]
    private var backgroundStarted = false

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        let epoch = configuration.startEpochMillis ?? Int64(Date().timeIntervalSince1970 * 1000)
        self.epochMillis = epoch
        self.clockOrigin = configuration.clock.elapsedSeconds()
        self.simNow = epoch
        self.backgroundUsers = (0..<configuration.faults.background).map { "background-\($0 + 1)" }
    }

    /// The current API time, epoch milliseconds.
    func now() -> Int64 {
        let elapsed = (configuration.clock.elapsedSeconds() - clockOrigin) * configuration.timeScale * 1000
        return max(simNow, epochMillis + clockShiftMillis + Int64(elapsed.rounded(.down)))
    }

    /// Moves API time on to `target` at once (`POST /_sim/clock`), never back: jobs due before it end in order, as
    /// if the time had passed, and time goes on from there at the time scale. Tests step days between runs so.
    /// - Returns: the API time after the move.
    @discardableResult
    func moveClock(to target: Int64) -> Int64 {
        let current = advance()
        guard target > current else { return current }
        clockShiftMillis += target - current
        return advance()
    }

    /// Advances the event queue to the current API time.
    @discardableResult
    func advance() -> Int64 {
        let t = now()
        advance(to: t)
        return t
    }

    private func advance(to t: Int64) {
        if !backgroundStarted {
            // Background users fill their queues at the simulator's start instant.
            backgroundStarted = true
            topUpBackground(at: epochMillis)
        }
        while true {
            var next: (id: String, at: Int64, seq: Int)?
            for id in running {
                guard let job = jobs[id], case .running(let finishAt) = job.phase, finishAt <= t else { continue }
                if next == nil || (finishAt, job.seq) < (next!.at, next!.seq) { next = (id, finishAt, job.seq) }
            }
            guard let next else { break }
            finish(next.id, at: next.at)
            startWaiting(at: next.at)
            topUpBackground(at: next.at)
        }
        simNow = max(simNow, t)
    }

    private func finish(_ id: String, at time: Int64) {
        guard var job = jobs[id] else { return }
        running.removeAll { $0 == id }
        let detail = job.closeDetail ?? (job.failReason == nil ? JobResult.completed : JobResult.failed)
        job.phase = .closed(detail: detail, reason: job.closeDetail == nil ? job.failReason : nil, at: time)
        jobs[id] = job
        let seconds = Double(job.durationMillis) / 1000
        if job.background {
            stats.background.runSeconds += seconds
            if job.failReason == nil { stats.background.completed += 1 } else { stats.background.failed += 1 }
        } else {
            stats.users.runSeconds += seconds
            if job.failReason == nil { stats.users.completed += 1 } else { stats.users.failed += 1 }
        }
    }

    private func startWaiting(at time: Int64) {
        let limits = configuration.limits
        var index = 0
        while index < waiting.count && running.count < limits.runningPerCompany {
            let id = waiting[index]
            guard var job = jobs[id] else {
                waiting.remove(at: index)
                continue
            }
            if runningCount(of: job.user) < limits.runningPerUser {
                waiting.remove(at: index)
                job.startedAt = time
                job.phase = .running(finishAt: time + job.durationMillis)
                jobs[id] = job
                running.append(id)
                recordMaxima(user: job.user)
            } else {
                index += 1
            }
        }
    }

    private func runningCount(of user: String) -> Int { running.filter { jobs[$0]?.user == user }.count }
    private func queuedCount(of user: String) -> Int {
        runningCount(of: user) + waiting.filter { jobs[$0]?.user == user }.count
    }

    private func recordMaxima(user: String) {
        let userRunning = runningCount(of: user)
        let userQueued = queuedCount(of: user)
        stats.maxRunningPerUser[user] = max(stats.maxRunningPerUser[user] ?? 0, userRunning)
        stats.maxQueuedPerUser[user] = max(stats.maxQueuedPerUser[user] ?? 0, userQueued)
        stats.maxRunningCompany = max(stats.maxRunningCompany, running.count)
        stats.maxQueuedCompany = max(stats.maxQueuedCompany, running.count + waiting.count)
    }

    // MARK: Submitting

    /// Creates a job for one of our users. The caller has parsed the parameters and counted the rows.
    func submit(user: String, submission: ParsedSubmission, rows: Int) -> Job {
        let t = advance()
        var failReason: String?
        var rowsForCost = rows
        let maxRows = configuration.maxExportRows
        let overLimit = maxRows > 0 && rows > maxRows
        if overLimit {
            rowsForCost = maxRows
            let seconds = Int(CostModel.seconds(for: submission.request.type, rows: maxRows).rounded())
            failReason =
                "Export timed out after \(seconds) seconds: \(rows) rows exceed the limit of \(maxRows) rows per "
                + "export. Request a shorter time range or fewer columns."
        } else if drawFault("fail", probability: configuration.faults.fail) {
            failReason = "Export failed: internal error while generating the report. Submit it again."
        }
        let duration = Int64((CostModel.seconds(for: submission.request.type, rows: rowsForCost) * 1000).rounded())
        var stats = self.stats.users
        defer { self.stats.users = stats }
        stats.submissions += 1
        if submission.overRange {
            stats.rejectedOverRange += 1
            return enqueue(
                user: user, background: false, submission: submission, rows: rows, duration: duration,
                failReason: nil, at: t,
                closedReason:
                    "The requested time range exceeds the maximum of \(APILimits.maxRangeMonths) months per export.")
        }
        if queuedCount(of: user) >= configuration.limits.queuedPerUser {
            stats.rejectedUserQueue += 1
            return enqueue(
                user: user, background: false, submission: submission, rows: rows, duration: duration,
                failReason: nil, at: t, closedReason: APILimits.tooManyExportsReason)
        }
        if running.count + waiting.count >= configuration.limits.queuedPerCompany {
            stats.rejectedCompanyQueue += 1
            return enqueue(
                user: user, background: false, submission: submission, rows: rows, duration: duration,
                failReason: nil, at: t, closedReason: APILimits.tooManyExportsReason)
        }
        stats.accepted += 1
        var job = enqueue(
            user: user, background: false, submission: submission, rows: rows, duration: duration,
            failReason: failReason, at: t, closedReason: nil)
        job.stuck = drawFault("stuck", probability: configuration.faults.stuck)
        if overLimit && configuration.timeoutsAsCloseStatus { job.closeDetail = "TIMED_OUT" }
        jobs[job.workflowId] = job
        return job
    }

    private func enqueue(
        user: String, background: Bool, submission: ParsedSubmission?, rows: Int, duration: Int64,
        failReason: String?, at t: Int64, closedReason: String?
    ) -> Job {
        seq += 1
        let ids = JobIdentifiers.make()
        var job = Job(
            workflowId: ids.workflowId, runId: ids.runId, token: ids.token, user: user, background: background,
            seq: seq, submission: submission, rows: rows, durationMillis: max(1, duration), failReason: failReason,
            submittedAt: t, startedAt: nil, phase: .waiting)
        if let closedReason {
            job.phase = .closed(detail: JobResult.failed, reason: closedReason, at: t)
            jobs[job.workflowId] = job
        } else {
            jobs[job.workflowId] = job
            waiting.append(job.workflowId)
            recordMaxima(user: user)
            startWaiting(at: t)
        }
        submissionOrder.append(job.workflowId)
        if background { pruneBackground(before: t - 86_400_000) }
        return jobs[job.workflowId] ?? job
    }

    /// Background users keep their queues full (up to the per-user queue limit) as long as the company queue
    /// has room, so their jobs occupy running and waiting slots.
    private func topUpBackground(at t: Int64) {
        for user in backgroundUsers {
            while queuedCount(of: user) < configuration.limits.queuedPerUser
                && running.count + waiting.count < configuration.limits.queuedPerCompany
            {
                backgroundDraws += 1
                var rng = DeterministicRandom(
                    configuration.seed, DeterministicRandom.tag("background"), backgroundDraws)
                let type = rng.pick(ExportType.allCases)
                let rows = rng.int(500...60_000)
                let duration = Int64((CostModel.seconds(for: type, rows: rows) * 1000).rounded())
                stats.background.submissions += 1
                stats.background.accepted += 1
                _ = enqueue(
                    user: user, background: true, submission: nil, rows: rows, duration: duration, failReason: nil,
                    at: t, closedReason: nil)
            }
        }
    }

    /// Forgets background jobs closed more than a day ago, so long runs keep constant memory.
    private func pruneBackground(before cutoff: Int64) {
        guard submissionOrder.count > 2_000 else { return }
        submissionOrder.removeAll { id in
            guard let job = jobs[id], job.background, case .closed(_, _, let at) = job.phase, at < cutoff else {
                return false
            }
            jobs[id] = nil
            return true
        }
    }

    // MARK: Reading

    func job(workflowId: String) -> Job? {
        advance()
        return jobs[workflowId]
    }

    /// Jobs submitted in the last 24 hours of API time, oldest first.
    func recentJobs() -> [Job] {
        let t = advance()
        return submissionOrder.compactMap { jobs[$0] }.filter { $0.submittedAt >= t - 86_400_000 }
    }

    /// Every job of our users since the start, in submission order (for `/_sim/jobs`).
    func jobRecords() -> [SimulatorJobRecord] {
        advance()
        return submissionOrder.compactMap { jobs[$0] }.filter { !$0.background }.map { job in
            let state: String
            var detail = ""
            switch job.phase {
            case .waiting: state = "WAITING"
            case .running: state = "RUNNING"
            case .closed(let closedDetail, _, _):
                state = "CLOSED"
                detail = closedDetail
            }
            return SimulatorJobRecord(
                user: job.user, export: job.submission?.request.type.rawValue ?? "",
                request: job.submission.map { PercentEncoding.encodeQuery($0.request.queryItems) } ?? "",
                state: state, detail: detail, stuck: job.stuck, submittedAt: job.submittedAt)
        }
    }

    func record(_ update: @Sendable (inout SimulatorStats) -> Void) { update(&stats) }

    func snapshot() -> SimulatorStats {
        let t = advance()
        var copy = stats
        copy.apiTimeMillis = t
        return copy
    }

    // MARK: Signed links

    /// Issues a signed, short-lived link for a completed job's file: `(path, query)`.
    func issueLink(workflowId: String) -> String {
        let t = advance()
        let id = JobIdentifiers.randomHex(bytes: 16)
        let signature = JobIdentifiers.randomHex(bytes: 32)
        // At least one real second, so a client on a busy machine at a large time scale can still follow it.
        let lifetime = max(configuration.signedURLLifetime, configuration.timeScale)
        var expires = t + Int64(lifetime * 1000)
        if drawFault("expire", probability: configuration.faults.expire) { expires = t - 1 }
        links[id] = Link(workflowId: workflowId, signature: signature, expiresAt: expires)
        if links.count > 10_000 { links = links.filter { $0.value.expiresAt > t } }
        return "/files/\(id)?sig=\(signature)&expires=\(expires)"
    }

    enum LinkCheck: Sendable {
        case valid(Job)
        case invalid
        case expired
    }

    func checkLink(id: String, signature: String?) -> LinkCheck {
        let t = advance()
        stats.fileRequests += 1
        guard let link = links[id], link.signature == signature, let job = jobs[link.workflowId] else {
            return .invalid
        }
        return t >= link.expiresAt ? .expired : .valid(job)
    }
}
