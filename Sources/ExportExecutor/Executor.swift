import AnalyticsAPI
import AnalyticsClient
import Crypto
import Foundation
import Logging

/// Checks a downloaded chunk file and returns its number of data rows.
/// - Throws: when the file is not a well-formed CSV to its last record.
public typealias ChunkVerifier = @Sendable (_ path: String) throws -> Int64

/// Halves a failing chunk, or returns nil when it cannot be split further.
public typealias ChunkSplitter = @Sendable (_ item: WorkItem) -> [WorkItem]?

/// What a run achieved.
public struct ExecutionSummary: Sendable, Hashable {
    public struct FailedChunk: Sendable, Hashable {
        public var id: String
        public var exportName: String
        public var windowStart: Int64
        public var windowEnd: Int64
        public var error: String
    }
    /// Chunks verified in this run or earlier ones.
    public var verified: Int = 0
    /// Chunks verified by an earlier run and skipped.
    public var reused: Int = 0
    public var failed: [FailedChunk] = []
    public var rows: Int64 = 0
    public var bytes: Int64 = 0
    public var submissions: Int = 0
    public var rejections: Int = 0
    public var statusRequests: Int = 0
    public var splits: Int = 0
    public var retries: Int = 0
    /// Jobs abandoned because their status did not change for `stuckAfterSeconds`.
    public var stuck: Int = 0
    /// The run stopped early (interrupt): the journal holds what is in flight.
    public var interrupted: Bool = false
}

/// Runs chunks against the API under the queue limits: submits into free slots (heaviest first), polls with
/// an adaptive schedule, downloads while other jobs run, retries, splits failing chunks, and journals each step
/// before acting on it.
///
/// Each API user has `slotsPerUser` workers; a worker holds at most one outstanding job at a time, so the
/// per-user limit holds by construction, and the number of workers respects the company's queue cap.
public actor Executor {
    private let configuration: ExecutorConfiguration
    private let client: AnalyticsClient
    private let journal: Journal
    private let splitter: ChunkSplitter
    private let verifier: ChunkVerifier
    private let emit: @Sendable (ProgressEvent) -> Void
    private let logger: Logger

    private struct Pending {
        var item: WorkItem
        var notBefore: ContinuousClock.Instant
        var rejections: Int
    }
    private enum Work {
        case fresh(Pending)
        /// Re-attach to a job submitted by an earlier run.
        case attach(ChunkRecord, WorkItem)
        /// A submit whose answer was lost may have created a job: keep its slot until it would have finished.
        case hold(Pending, until: ContinuousClock.Instant)
    }
    private struct Download {
        var item: WorkItem
        var user: String
        var downloadURL: String
    }

    // The scheduling state. Every change wakes the tasks waiting in `waitForChange` (workers without work,
    // downloaders without downloads, submissions waiting for their turn), which then look again.
    private var pending: [Pending] = [] { didSet { stateChanged() } }
    private var userWork: [String: [Work]] = [:] { didSet { stateChanged() } }
    private var busyWorkers = 0 { didSet { stateChanged() } }
    /// Per user: the next submission ticket handed out, and the ticket whose turn it is to submit.
    private var submitTickets: [String: Int] = [:]
    private var submitTurn: [String: Int] = [:] { didSet { stateChanged() } }
    private var downloads: [Download] = [] { didSet { stateChanged() } }
    private var activeDownloads = 0 { didSet { stateChanged() } }
    private var fatal: ExecutorError? { didSet { stateChanged() } }
    private var summary = ExecutionSummary()
    private let clock = ContinuousClock()
    /// Tasks suspended in `waitForChange`, by waiter number, with the timer that wakes each at its deadline.
    private var waiters: [Int: (continuation: CheckedContinuation<Void, Never>, timer: Task<Void, Never>?)] = [:]
    private var nextWaiter = 0
    /// The longest a waiter sleeps without news: a safety net only (every state change wakes waiters at once).
    private static let longestWait: Duration = .seconds(1)

    public init(
        configuration: ExecutorConfiguration, client: AnalyticsClient, journal: Journal,
        splitter: @escaping ChunkSplitter, verifier: @escaping ChunkVerifier,
        logger: Logger = Logger(label: "exportpipe.executor"),
        events: @escaping @Sendable (ProgressEvent) -> Void
    ) {
        self.configuration = configuration
        self.client = client
        self.journal = journal
        self.splitter = splitter
        self.verifier = verifier
        self.logger = logger
        self.emit = events
    }

    /// Runs `items` to completion (or until cancelled), resuming whatever the journal holds for them.
    /// - Throws: `ExecutorError` when the journal fails or the API refuses the credentials.
    public func run(_ items: [WorkItem]) async throws -> ExecutionSummary {
        try FileManager.default.createDirectory(
            atPath: chunksDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try journal.register(items)
        try prepare(items)
        emit(ProgressEvent(.started, total: summary.verified + pending.count + inFlightCount, done: summary.verified))

        await withTaskGroup(of: Void.self) { group in
            for user in configuration.users.prefix(max(1, configuration.totalSlots)) {
                for _ in 0..<min(configuration.slotsPerUser, configuration.totalSlots) {
                    group.addTask { await self.worker(user) }
                }
            }
            for _ in 0..<max(1, configuration.downloadConcurrency) {
                group.addTask { await self.downloader() }
            }
        }
        if let fatal { throw fatal }
        summary.interrupted = Task.isCancelled
        emit(ProgressEvent(.finished, total: summary.verified + summary.failed.count, done: summary.verified))
        return summary
    }

    private var inFlightCount: Int { userWork.values.reduce(0) { $0 + $1.count } + downloads.count }

    // MARK: - Resuming

    /// Sorts the journal's chunks for these items into done, to download, to re-attach, and to submit.
    private func prepare(_ items: [WorkItem]) throws {
        let records = try journal.records()
        let byId = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let children = Dictionary(grouping: records.filter { $0.parentId != nil }, by: { $0.parentId! })
        let now = clock.now
        var seen = Set<String>()

        func visit(_ id: String) throws {
            guard seen.insert(id).inserted, let record = byId[id] else { return }
            let item = try record.workItem()
            switch record.state {
            case .split:
                for child in children[id] ?? [] { try visit(child.id) }
            case .verified:
                if let problem = staleness(of: record) {
                    try journal.replan(id, reason: problem)
                    emit(ProgressEvent(.replanned, chunk: id, export: record.exportName, message: problem))
                    pending.append(Pending(item: item, notBefore: now, rejections: 0))
                } else {
                    summary.verified += 1
                    summary.reused += 1
                    summary.rows += record.rows ?? 0
                    summary.bytes += record.bytes ?? 0
                }
            case .completed:
                if let url = record.downloadUrl, let user = record.user {
                    downloads.append(Download(item: item, user: user, downloadURL: url))
                } else {
                    try journal.replan(id, reason: "completed without a download link")
                    pending.append(Pending(item: item, notBefore: now, rejections: 0))
                }
            case .submitted:
                let user = owner(of: record)
                userWork[user, default: []].append(.attach(record, item))
            case .submitting:
                // The answer to this submit was lost in a crash: a job may exist. Keep a slot of that user
                // busy for as long as the job would run, then submit again.
                let user = owner(of: record)
                let hold = now + realDuration(apiSeconds: item.expectedSeconds * 1.5)
                userWork[user, default: []].append(
                    .hold(Pending(item: item, notBefore: now, rejections: 0), until: hold))
            case .planned, .failed:
                if record.state == .failed { try journal.replan(id, reason: "retrying a chunk that failed before") }
                pending.append(Pending(item: item, notBefore: now, rejections: 0))
            }
        }
        for item in items { try visit(item.id) }
    }

    /// Why a verified chunk must be exported again, or nil when it still stands.
    private func staleness(of record: ChunkRecord) -> String? {
        guard let file = record.file, let sha = record.sha256 else { return "the journal has no file for it" }
        let path = configuration.stateDirectory + "/" + file
        guard let actual = try? Self.sha256(ofFileAt: path) else { return "its file \(file) is missing" }
        guard actual == sha else { return "its file \(file) has changed since it was verified" }
        if let verifiedAt = record.verifiedAt,
            verifiedAt < Double(record.windowEnd) / 1000 + configuration.settleSeconds
        {
            return "its window ended within the settle period when it was exported (late data)"
        }
        return nil
    }

    private func owner(of record: ChunkRecord) -> String {
        if let user = record.user, configuration.users.contains(where: { $0.username == user }) { return user }
        return configuration.users[0].username
    }

    // MARK: - Workers

    private func worker(_ user: APICredentials) async {
        while let work = await takeWork(for: user.username) {
            switch work {
            case .fresh(let pending):
                await submitAndFollow(pending, as: user)
            case .attach(let record, let item):
                emit(ProgressEvent(.reattached, chunk: item.id, export: item.exportName, user: user.username))
                let job = SubmittedJob(
                    workflowId: record.workflowId ?? "", runId: record.runId ?? "", statusURL: record.statusUrl ?? "",
                    downloadURL: record.downloadUrl)
                await follow(Pending(item: item, notBefore: clock.now, rejections: 0), job: job, as: user)
            case .hold(let pending, let until):
                try? await clock.sleep(until: until)
                requeue(pending, after: 0)
            }
            busyWorkers -= 1
        }
    }

    /// The next piece of work for a worker of `user`, or nil when everything is done (or the run stops).
    private func takeWork(for user: String) async -> Work? {
        while true {
            if fatal != nil || Task.isCancelled { return nil }
            if var queue = userWork[user], !queue.isEmpty {
                let work = queue.removeFirst()
                userWork[user] = queue
                busyWorkers += 1
                return work
            }
            let now = clock.now
            // Heaviest first: long jobs start early so the run does not end waiting on one of them.
            if let index = pending.indices.filter({ pending[$0].notBefore <= now }).max(by: { a, b in
                (pending[a].item.expectedSeconds, pending[b].item.id) < (
                    pending[b].item.expectedSeconds, pending[a].item.id
                )
            }) {
                busyWorkers += 1
                return .fresh(pending.remove(at: index))
            }
            let othersBusy =
                busyWorkers > 0 || !downloads.isEmpty || activeDownloads > 0
                || userWork.values.contains { !$0.isEmpty }
            if pending.isEmpty && !othersBusy { return nil }
            // Nothing to take yet: wait for a change, or for the first cooled-down chunk to become due.
            await waitForChange(until: pending.map(\.notBefore).min() ?? now + Self.longestWait)
        }
    }

    private func submitAndFollow(_ work: Pending, as user: APICredentials) async {
        let item = work.item
        // A user's submissions reach the server one at a time, in the order the work was taken (heaviest first):
        // the server queues a user's jobs FIFO, and concurrent submits could arrive in any order, so with more
        // outstanding jobs than running slots the longest job could wait behind shorter ones (measured by
        // scripts/bench at outstanding_per_user 3: the month-long job queued third, the run took 1.3× longer).
        do {
            try journal.markSubmitting(item.id, user: user.username)
            // Taken with no suspension since `takeWork`, so tickets follow the order work was taken; every ticket
            // is released by the `defer` below, whatever happens, so no later submission waits forever.
            let ticket = submitTickets[user.username, default: 0]
            submitTickets[user.username] = ticket + 1
            let job: SubmittedJob
            do {
                defer { submitTurn[user.username] = max(submitTurn[user.username, default: 0], ticket + 1) }
                while submitTurn[user.username, default: 0] < ticket {
                    try Task.checkCancellation()
                    await waitForChange(until: clock.now + Self.longestWait)
                }
                job = try await client.submit(item.request, as: user)
            } catch let error as AnalyticsClientError {
                summary.submissions += 1
                if error.mayHaveCreatedJob {
                    // Keep this slot busy while the possible job runs, so the limits stay true, then retry.
                    try await sleep(apiSeconds: item.expectedSeconds * 1.5)
                }
                try await handleFailure(
                    work, error: error.description, retriable: error.isTransient || error.mayHaveCreatedJob,
                    sizeRelated: false, stopsRun: error.stopsRun)
                return
            }
            summary.submissions += 1
            try journal.markSubmitted(item.id, job: job)
            emit(ProgressEvent(.submitted, chunk: item.id, export: item.exportName, user: user.username))
            await follow(work, job: job, as: user)
        } catch is CancellationError {
            return
        } catch {
            fail(with: error)
        }
    }

    /// Polls a job until it closes, then hands it to the downloaders (the slot frees at once).
    private func follow(_ work: Pending, job: SubmittedJob, as user: APICredentials) async {
        let item = work.item
        let started = clock.now
        var polls = 0
        // Stuck detection: the last state seen and when it was first seen.
        var lastState: String?
        var lastChange = started
        do {
            while true {
                try await clock.sleep(until: nextPoll(after: polls, started: started, expected: item.expectedSeconds))
                polls += 1
                let status: JobStatus
                do {
                    status = try await client.status(of: job, as: user)
                    summary.statusRequests += 1
                } catch let error as AnalyticsClientError {
                    summary.statusRequests += 1
                    if error.stopsRun || !error.isTransient {
                        try await handleFailure(
                            work, error: error.description, retriable: !error.stopsRun, sizeRelated: false,
                            stopsRun: error.stopsRun)
                        return
                    }
                    continue  // the client already retried; keep following the job
                }
                // Progress counters, when the server sends them, count as a change.
                let result = status.result
                let key = "\(result.runnerState.rawValue)/\(result.detail ?? "")/\(result.currentCount ?? -1)"
                let state = result.runnerState.rawValue
                if key != lastState {
                    lastState = key
                    lastChange = clock.now
                }
                switch status.outcome {
                case .inFlight:
                    let unchanged = apiSeconds(since: lastChange)
                    if unchanged >= configuration.stuckAfterSeconds {
                        summary.stuck += 1
                        let text =
                            "the job's status has stayed \(state) for \(Int(unchanged)) s (stuck_after is "
                            + "\(Int(configuration.stuckAfterSeconds)) s); abandoning it and submitting the chunk again"
                        emit(
                            ProgressEvent(
                                .stuck, chunk: item.id, export: item.exportName, user: user.username, message: text))
                        logger.warning("\(item.id): \(text)")
                        try await handleFailure(
                            work, error: "the job was stuck", retriable: true, sizeRelated: false, stopsRun: false)
                        return
                    }
                    continue
                case .completed:
                    let url = nonEmpty(status.jobInfo.downloadUrl) ?? job.downloadURL
                    try journal.markCompleted(item.id, downloadURL: url)
                    emit(ProgressEvent(.completed, chunk: item.id, export: item.exportName, user: user.username))
                    if let url {
                        downloads.append(Download(item: item, user: user.username, downloadURL: url))
                    } else {
                        try await handleFailure(
                            work, error: "the completed job has no download link", retriable: true, sizeRelated: false,
                            stopsRun: false)
                    }
                    return
                case .rejectedByQueue:
                    summary.rejections += 1
                    try journal.markRejected(item.id)
                    let rejections = work.rejections + 1
                    let delay = configuration.rejectionBackoff.delay(
                        afterAttempt: rejections, retryAfter: nil, random: Double.random(in: 0..<1))
                    emit(
                        ProgressEvent(
                            .rejected, chunk: item.id, export: item.exportName, user: user.username,
                            message: "\(APILimits.tooManyExportsReason) Resubmitting in \(Int(delay)) s."))
                    pending.append(
                        Pending(
                            item: item, notBefore: clock.now + realDuration(apiSeconds: delay), rejections: rejections))
                    return
                case .failed(let reason, let detail):
                    let text = Redaction.redact("the job closed \(detail ?? "FAILED"): \(reason ?? "no reason given")")
                    try await handleFailure(
                        work, error: text, retriable: true, sizeRelated: Self.isSizeRelated(reason), stopsRun: false)
                    return
                }
            }
        } catch is CancellationError {
            return
        } catch {
            fail(with: error)
        }
    }

    /// Growth of the probing polls between a job's base cost and its expected end.
    static let earlyPollGrowth = 1.25

    /// When to poll next: soon after submit (queue rejections show at once), then from the cost model's base
    /// seconds on at intervals growing by `earlyPollGrowth` until just before the expected end, then often enough
    /// to notice completion within a few percent of the job's length.
    ///
    /// The early probes are there because an estimate can be far too high: a fanned-out chunk is priced at an
    /// equal share of the export's volume, and a small team's share is a fraction of that. Without them a job that
    /// ends early held its slot idle until 0.9 × the estimate (measured by scripts/bench: 26–29 API s on each
    /// 21–23 s team chunk, 10% of the run's slot time). With them an early end is noticed within ~25% of the
    /// job's length, at the price of about ln(0.9 × expected ÷ 20 s) ÷ ln 1.25 more status requests (≈ 10 for
    /// a 3-minute job): the vendor's fixed 30 s polling asks about as often. Past 0.9 × the estimate the step is
    /// 2.5% of it (was 4%: scripts/bench measured 2.1% of a one-user run's slot time lost between a job's end
    /// and its notice, the largest part of the gap to the lower bound).
    private func nextPoll(after polls: Int, started: ContinuousClock.Instant, expected: Double)
        -> ContinuousClock.Instant
    {
        let minimum = configuration.minimumPollSeconds
        let maximum = configuration.maximumPollSeconds
        let jitter = Double.random(in: 0.9...1.1)
        let nearEnd = expected * 0.9
        let offset: Double
        switch polls {
        case 0:
            offset = minimum
        case _ where apiSeconds(since: started) < nearEnd:
            let elapsed = apiSeconds(since: started)
            let probe = max(CostModel.baseSeconds, elapsed * Self.earlyPollGrowth, elapsed + minimum)
            offset = probe < nearEnd ? probe : max(nearEnd, elapsed + minimum)
        default:
            let elapsed = apiSeconds(since: started)
            var interval = min(max(expected * 0.025, minimum), maximum)
            if elapsed > expected * 2 {
                // Far past the estimate (a queue ahead of us, or a bad estimate): back off towards the cap.
                interval = min(maximum, interval * pow(1.5, Double(min(polls - 2, 10))))
            }
            offset = elapsed + interval * jitter
        }
        return started + realDuration(apiSeconds: offset)
    }

    private func handleFailure(_ work: Pending, error: String, retriable: Bool, sizeRelated: Bool, stopsRun: Bool)
        async throws
    {
        let item = work.item
        if stopsRun {
            try journal.markAttemptFailed(item.id, error: error, final: false)
            fatal = .unauthorized(error)
            return
        }
        let spent = (try journal.record(item.id)?.attempts ?? 0) + 1
        let outOfAttempts = !retriable || spent >= configuration.attempts
        if sizeRelated || outOfAttempts {
            if let children = splitter(item), children.count > 1 {
                try journal.markSplit(item.id, error: error, into: children)
                summary.splits += 1
                emit(
                    ProgressEvent(
                        .split, chunk: item.id, export: item.exportName,
                        message: "\(error); split into \(children.map(\.id).joined(separator: ", "))"))
                for child in children { pending.append(Pending(item: child, notBefore: clock.now, rejections: 0)) }
                return
            }
            if outOfAttempts {
                try journal.markAttemptFailed(item.id, error: error, final: true)
                summary.failed.append(
                    .init(
                        id: item.id, exportName: item.exportName, windowStart: item.request.startTime,
                        windowEnd: item.request.endTime, error: error))
                emit(ProgressEvent(.failed, chunk: item.id, export: item.exportName, message: error))
                return
            }
        }
        try journal.markAttemptFailed(item.id, error: error, final: false)
        summary.retries += 1
        let cooldown = configuration.cooldownSeconds * Double(spent)
        emit(
            ProgressEvent(
                .retrying, chunk: item.id, export: item.exportName,
                message: "\(error); try \(spent + 1) of \(configuration.attempts) in \(Int(cooldown)) s"))
        requeue(work, after: cooldown)
    }

    private func requeue(_ work: Pending, after apiSeconds: Double) {
        var work = work
        work.notBefore = clock.now + realDuration(apiSeconds: apiSeconds)
        pending.append(work)
    }

    // MARK: - Downloads

    private func downloader() async {
        while let download = await takeDownload() {
            await perform(download)
            activeDownloads -= 1
        }
    }

    private func takeDownload() async -> Download? {
        while true {
            if fatal != nil || Task.isCancelled { return nil }
            if !downloads.isEmpty {
                activeDownloads += 1
                return downloads.removeFirst()
            }
            let othersBusy =
                busyWorkers > 0 || activeDownloads > 0 || !pending.isEmpty
                || userWork.values.contains { !$0.isEmpty }
            if !othersBusy { return nil }
            await waitForChange(until: clock.now + Self.longestWait)
        }
    }

    private func perform(_ download: Download) async {
        let item = download.item
        let file = "chunks/\(item.id).csv"
        let finalPath = configuration.stateDirectory + "/" + file
        let partPath = finalPath + ".part"
        guard let user = configuration.users.first(where: { $0.username == download.user }) ?? configuration.users.first
        else { return }
        do {
            let result = try await client.download(from: download.downloadURL, to: partPath, as: user)
            // Checking a large file is CPU work: keep it off the actor so polling goes on meanwhile.
            let verifier = self.verifier
            let rows = try await Task.detached { try verifier(partPath) }.value
            if FileManager.default.fileExists(atPath: finalPath) {
                try FileManager.default.removeItem(atPath: finalPath)
            }
            try FileManager.default.moveItem(atPath: partPath, toPath: finalPath)
            try journal.markVerified(item.id, rows: rows, bytes: result.bytes, sha256: result.sha256, file: file)
            summary.verified += 1
            summary.rows += rows
            summary.bytes += result.bytes
            emit(ProgressEvent(.verified, chunk: item.id, export: item.exportName, rows: rows, bytes: result.bytes))
        } catch is CancellationError {
            try? FileManager.default.removeItem(atPath: partPath)
        } catch _ where stateDirectoryProblem() != nil {
            // A local problem no retry, split or resubmission can fix: stop instead of exporting everything again.
            fail(with: ExecutorError.stateDirectory(stateDirectoryProblem() ?? ""))
        } catch let error as AnalyticsClientError {
            try? FileManager.default.removeItem(atPath: partPath)
            do {
                try await handleFailure(
                    Pending(item: item, notBefore: clock.now, rejections: 0), error: error.description,
                    retriable: !error.stopsRun, sizeRelated: false, stopsRun: error.stopsRun)
            } catch { fail(with: error) }
        } catch let error as ExecutorError {
            try? FileManager.default.removeItem(atPath: partPath)
            fail(with: error)
        } catch {
            // The file did not verify (cut short, malformed): export the chunk again.
            try? FileManager.default.removeItem(atPath: partPath)
            do {
                try await handleFailure(
                    Pending(item: item, notBefore: clock.now, rejections: 0),
                    error: "the downloaded file did not verify: \(error)", retriable: true, sizeRelated: false,
                    stopsRun: false)
            } catch { fail(with: error) }
        }
    }

    // MARK: - Waiting for a change

    /// Suspends until the scheduling state changes, `deadline` passes or the task is cancelled (at most
    /// `longestWait`), without polling: an idle executor over a multi-hour backfill costs no CPU.
    private func waitForChange(until deadline: ContinuousClock.Instant) async {
        guard !Task.isCancelled else { return }
        let id = nextWaiter
        nextWaiter += 1
        let wakeAt = min(deadline, clock.now + Self.longestWait)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let timer = Task { [clock] in
                    try? await clock.sleep(until: wakeAt)
                    self.wake(id)
                }
                waiters[id] = (continuation, timer)
            }
        } onCancel: {
            Task { await self.wake(id) }
        }
    }

    /// Resumes waiter `id` (no-op when it was already resumed).
    private func wake(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume()
    }

    /// Resumes every waiter: they look at the new state themselves.
    private func stateChanged() {
        guard !waiters.isEmpty else { return }
        let woken = waiters
        waiters.removeAll()
        for waiter in woken.values {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }

    // MARK: - Helpers

    private func fail(with error: any Error) {
        if fatal == nil {
            // A journal that cannot be written because its directory was removed: say that, not SQLite's words.
            if let problem = stateDirectoryProblem() {
                fatal = .stateDirectory(problem)
                return
            }
            fatal = (error as? ExecutorError) ?? .journal(String(describing: error))
        }
    }

    private var chunksDirectory: String { configuration.stateDirectory + "/chunks" }

    /// Why the state directory cannot hold chunk files any more (removed or made read-only during the run), or
    /// nil when it is fine.
    private nonisolated func stateDirectoryProblem() -> String? {
        let directory = configuration.stateDirectory
        let chunks = directory + "/chunks"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: chunks, isDirectory: &isDirectory), isDirectory.boolValue,
            journal.path == ":memory:" || FileManager.default.fileExists(atPath: journal.path)
        else {
            return "the state directory \(directory) (its journal or chunks folder) disappeared during the run; "
                + "the run stops. Check what removed it, then run again: without its journal the run starts over."
        }
        guard FileManager.default.isWritableFile(atPath: chunks) else {
            return "the state directory \(chunks) is no longer writable; the run stops. Fix its permissions, then "
                + "run again to resume."
        }
        return nil
    }

    private func realDuration(apiSeconds: Double) -> Duration {
        .nanoseconds(Int64(max(0, apiSeconds / configuration.timeScale) * 1e9))
    }

    private func apiSeconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds * configuration.timeScale
    }

    private func sleep(apiSeconds: Double) async throws {
        try await clock.sleep(for: realDuration(apiSeconds: apiSeconds))
    }

    private nonisolated func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// Whether a server's failure reason says the job was too big (split it rather than retry it).
    static func isSizeRelated(_ reason: String?) -> Bool {
        guard let reason = reason?.lowercased() else { return false }
        return ["timed out", "timeout", "too large", "too many rows", "exceeded"].contains { reason.contains($0) }
    }

    /// SHA-256 of a file, hex, read in 1 MiB pieces.
    static func sha256(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ExecutorError.stateDirectory("cannot read \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { hasher.update(data: data) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
