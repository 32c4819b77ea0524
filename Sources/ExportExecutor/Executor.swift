import AnalyticsAPI
import AnalyticsClient
import ExportCoordination
import ExportScheduling
import Foundation
import Logging

/// Checks a downloaded chunk file and returns its number of data rows.
/// - Throws: when the file is not a well-formed CSV to its last record.
public typealias ChunkVerifier = @Sendable (_ path: String) throws -> Int64

/// Halves a failing chunk, or returns nil when it cannot be split further.
public typealias ChunkSplitter = @Sendable (_ item: WorkItem) -> [WorkItem]?

/// The planned chunk type, defined by the scheduling core.
public typealias WorkItem = ExportScheduling.WorkItem

/// The thin driver around the pure `Scheduler`: it reads the journal into the core's starting state, performs the
/// core's effects in order (journal writes at once, API calls and downloads as child tasks) and feeds each result
/// back as an event. Every decision (which chunk, which user, when to poll, retry, split, hold, back off, stop)
/// is the core's; see docs/architecture.md § Executor.
public actor Executor {
    let configuration: ExecutorConfiguration
    let client: AnalyticsClient
    let journal: Journal
    let splitter: ChunkSplitter
    let verifier: ChunkVerifier
    let emit: @Sendable (ProgressEvent) -> Void
    let logger: Logger
    var summary = ExecutionSummary()
    var fatal: ExecutorError?
    /// The company's shared slots (the configuration's, or an in-process coordinator of this run alone).
    let coordination: ExecutorCoordination
    /// Renews this run's leases and follows the orphans of dead runners of the company.
    let keeper: LeaseKeeper
    var leases = CoordinatedLeases()
    /// Records, rejections and releases on their way to the coordinator.
    var pending: [Task<Void, Never>] = []

    /// What a child task reports: an event for the core, or a problem that stops the run.
    enum Report: Sendable {
        case event(SchedulerEvent)
        case fatal(ExecutorError)
        case tick
        /// The timer set for this instant fired (a sleep may end a little before its instant reads as passed).
        case timer(Double)
    }

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
        let coordination = configuration.coordination ?? Self.standaloneCoordination(configuration)
        self.coordination = coordination
        keeper = LeaseKeeper(
            coordinator: coordination.coordinator, timing: coordination.timing,
            probe: Self.probe(client: client, credentials: configuration.users[0]))
    }

    var clock: any APIClock { configuration.clock }

    /// Runs `items` to completion (or until cancelled, the deadline or a fatal error), resuming whatever the
    /// journal holds for them and following the jobs it holds for chunks no longer in the plan.
    /// - Throws: `ExecutorError` when the journal fails or the API refuses the credentials.
    public func run(_ items: [WorkItem]) async throws -> ExecutionSummary {
        try FileManager.default.createDirectory(
            atPath: chunksDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try journal.register(items)
        let starts = try prepare(items)
        let started = clock.now()
        var core = Scheduler(
            configuration: schedulerConfiguration(startedAt: started), learned: try journal.learnedDurations(),
            splitter: splitter)
        var effects = core.start(starts, now: started)
        // The jobs the journal has in flight take their leases back before anything is submitted.
        try await adoptLeases(starts, core: core)
        await keeper.watch(coordination.scope)
        emit(ProgressEvent(.started, total: core.totalChunks, done: core.counters.verified))

        await withTaskGroup(of: Void.self) { keeping in
            keeping.addTask { [keeper] in await keeper.run() }
            await loop(&core, &effects)
            keeping.cancelAll()
        }
        await settleLeases()
        summary.counters = core.counters
        return try finish(core)
    }

    /// The driver's loop: performs the core's effects and feeds it what they answer, until it is done.
    private func loop(_ core: inout Scheduler, _ effects: inout [SchedulerEffect]) async {
        await withTaskGroup(of: Report.self) { group in
            var timers: [Double] = []
            while fatal == nil {
                perform(effects, core: core, in: &group)
                // Only after the journal: a submit's job is journaled before its record on the lease can land (that
                // record's task runs beside this one), so a run killed in between leaves a job its journal knows.
                syncLeases(effects, core: core)
                if fatal != nil || core.isFinished || Task.isCancelled { break }
                let now = clock.now()
                // Time passed while the last effects were performed: a cooldown may have ended with a slot free
                // (at a fast time scale, within the same millisecond). A pass at `now` starts what is due.
                let due = core.handle(.tick, now: now)
                if !due.isEmpty {
                    effects = due
                    continue
                }
                if let wake = core.nextWakeup(after: now), wake <= now {
                    effects = core.handle(.tick, now: now)
                    continue
                } else if let wake = core.nextWakeup(after: now), wake < (timers.min() ?? .infinity) {
                    timers.append(wake)
                    group.addTask { [clock] in
                        try? await clock.sleep(until: wake)
                        return .timer(wake)
                    }
                }
                guard let report = await group.next() else {
                    // Nothing in flight and no timer: only time can change something now.
                    guard let wake = core.nextWakeup(after: clock.now()) else { break }
                    try? await clock.sleep(until: wake)
                    effects = core.handle(.tick, now: max(wake, clock.now()))
                    continue
                }
                let at = clock.now()
                switch report {
                case .timer(let wake):
                    // Each timer is forgotten by its own instant, never by the clock's reading, so a timer that
                    // woke a hair early cannot keep later timers from being set.
                    if let index = timers.firstIndex(of: wake) { timers.remove(at: index) }
                    effects = core.handle(.tick, now: max(at, wake))
                case .tick:
                    effects = core.handle(.tick, now: at)
                case .event(let event):
                    effects = core.handle(event, now: at)
                case .fatal(let error):
                    fail(with: error)
                }
            }
            group.cancelAll()
        }
    }

    func finish(_ core: Scheduler) throws -> ExecutionSummary {
        if let fatal { throw fatal }
        if case .credentials(let message) = core.stopped { throw ExecutorError.unauthorized(message) }
        if case .deadline = core.stopped { summary.deadlineReached = true }
        summary.interrupted = Task.isCancelled
        emit(ProgressEvent(.finished, total: summary.verified + summary.failed.count, done: summary.verified))
        return summary
    }

    func schedulerConfiguration(startedAt: Double) -> SchedulerConfiguration {
        let c = configuration
        return SchedulerConfiguration(
            users: c.users.map(\.username), outstandingPerUser: c.outstandingPerUser, limits: c.limits,
            failure: FailurePolicy(
                attempts: c.attempts, cooldownSeconds: c.cooldownSeconds, failureBudget: c.failureBudget),
            poll: PollSchedule(minimum: c.minimumPollSeconds, maximum: c.maximumPollSeconds),
            backoff: QueueBackoff(base: c.rejectionBackoff.baseDelay, cap: c.rejectionBackoff.maxDelay),
            stuckAfterSeconds: c.stuckAfterSeconds, deadline: c.deadlineSeconds.map { startedAt + $0 },
            downloadConcurrency: c.downloadConcurrency, seed: UInt64(abs(startedAt.hashValue)))
    }

    // MARK: - Performing effects

    private func perform(_ effects: [SchedulerEffect], core: Scheduler, in group: inout TaskGroup<Report>) {
        for effect in effects {
            guard fatal == nil else { return }
            switch effect {
            case .journal(.submitting):
                continue  // journaled by the submit's task, once the coordinator granted its lease
            case .journal(let step):
                do { try write(step) } catch { fail(with: error) }
            case .submit(let item, let user):
                let client = client
                let credentials = self.credentials(user)
                let slot = core.lease(of: item.id)?.id
                let holdSeconds = core.holdSeconds(of: item)
                group.addTask {
                    do {
                        try await self.prepareSubmit(chunk: item.id, user: user, slot: slot, holdSeconds: holdSeconds)
                    } catch is CancellationError {
                        return .tick
                    } catch let error as CoordinationError {
                        return .fatal(.coordination(await self.coordinationProblem(error)))
                    } catch {
                        return .fatal((error as? ExecutorError) ?? .journal(String(describing: error)))
                    }
                    do {
                        let job = try await client.submit(item.request, as: credentials)
                        return .event(.submitAnswered(chunk: item.id, job: job))
                    } catch let error as AnalyticsClientError {
                        let failure = Failure(error.failureClass(during: .submit), error.description)
                        return .event(.submitFailed(chunk: item.id, failure))
                    } catch {
                        return .tick
                    }
                }
            case .poll(let id, let job, let user):
                let client = client
                let credentials = self.credentials(user)
                group.addTask {
                    do {
                        let status = try await client.status(of: job, as: credentials)
                        let result = status.result
                        let progress =
                            "\(result.runnerState.rawValue)/\(result.detail ?? "")/\(result.currentCount ?? -1)"
                        let url = status.jobInfo.downloadUrl.flatMap { $0.isEmpty ? nil : $0 }
                        return .event(
                            .statusAnswered(
                                chunk: id, outcome: status.outcome, progress: progress, downloadURL: url,
                                running: result.showsRunning))
                    } catch let error as AnalyticsClientError {
                        let failure = Failure(error.failureClass(during: .status), error.description)
                        return .event(.statusFailed(chunk: id, failure))
                    } catch {
                        return .tick
                    }
                }
            case .download(let id, let url, let user):
                let task = downloadTask(chunk: id, url: url, credentials: credentials(user))
                group.addTask { await task() }
            case .notify(let notice):
                emit(ProgressEvent(notice))
                if notice.kind == .stuck || notice.kind == .exportStopped {
                    logger.warning("\(notice.message ?? "")")
                }
            case .stop(let reason):
                if case .deadline(let message) = reason {
                    emit(ProgressEvent(.warning, message: message))
                }
            }
        }
    }

    private func write(_ step: JournalStep) throws {
        switch step {
        case .submitting(let id, let user): try journal.markSubmitting(id, user: user)
        case .submitted(let id, let job): try journal.markSubmitted(id, job: job)
        case .completed(let id, let url, let seconds, let closedSeconds):
            try journal.markCompleted(id, downloadURL: url, jobSeconds: seconds, closedSeconds: closedSeconds)
        case .verified(let id, let rows, let bytes, let sha256, let file):
            try journal.markVerified(id, rows: rows, bytes: bytes, sha256: sha256, file: file)
        case .rejected(let id): try journal.markRejected(id)
        case .attemptFailed(let id, let error, let final): try journal.markAttemptFailed(id, error: error, final: final)
        case .split(let id, let error, let children): try journal.markSplit(id, error: error, into: children)
        case .retired(let id): try journal.retire(id)
        }
    }

    func credentials(_ user: String) -> APICredentials {
        configuration.users.first { $0.username == user } ?? configuration.users[0]
    }

    func fail(with error: any Error) {
        guard fatal == nil else { return }
        // A journal that cannot be written because its directory was removed: say that, not SQLite's words.
        if let problem = stateDirectoryProblem() {
            fatal = .stateDirectory(problem)
            return
        }
        fatal = (error as? ExecutorError) ?? .journal(String(describing: error))
    }
}

extension ProgressEvent {
    init(_ notice: Notice) {
        self.init(
            Kind(rawValue: notice.kind.rawValue) ?? .warning, chunk: notice.chunk, export: notice.export,
            user: notice.user, rows: notice.rows, bytes: notice.bytes, message: notice.message)
    }
}
