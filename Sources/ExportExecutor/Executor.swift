import AnalyticsAPI
import AnalyticsClient
import ExportCoordination
// The core's vocabulary (`WorkItem`, `ProgressEvent`, `ChunkState`, …) is the executor's: whoever drives a run
// speaks it.
@_exported import ExportScheduling
import Foundation
import Logging

/// Checks a downloaded chunk file (of `item`) and returns its number of data rows.
/// - Throws: when the file is not a well-formed CSV to its last record.
public typealias ChunkVerifier = @Sendable (_ path: String, _ item: WorkItem) throws -> Int64

/// Halves a failing chunk, or returns nil when it cannot be split further: a pure function of the chunk.
public typealias ChunkSplitter = Scheduler.Splitter

/// The thin driver around the pure `Scheduler`: it reads the journal into the core's starting state, performs the
/// core's effects in list order (journal writes at once; API calls, downloads, the coordinator's steps and timers
/// as child tasks) and feeds each result back as an event. Every decision (which chunk, which user, when to poll,
/// retry, split, hold, back off, stop, and which lease to acquire, claim, adopt, record or release) is the core's;
/// see docs/architecture.md § Executor.
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
    /// The coordinator's lease behind each of the core's slots (by slot id).
    var leases: [Int: Lease] = [:]
    /// The last of the records, releases and rejections on their way to the store, which go one after another.
    var bookkeeping: Task<Void, Never>?
    /// The timers the core armed and has not cancelled.
    var timers: [Int: Task<Bool, Never>] = [:]

    /// What a child task reports: an event for the core, a problem that stops the run, or nothing (cancelled).
    enum Report: Sendable {
        case event(SchedulerEvent)
        case fatal(ExecutorError)
        case none
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
            probe: Self.probe(
                client: client, credentials: configuration.users[0],
                telling: Self.orphanNotice(every: coordination.timing.orphanProbeInterval, events: events)))
    }

    var clock: any APIClock { configuration.clock }

    /// Runs `items` to completion (or until cancelled, the deadline or a fatal error), resuming whatever the
    /// journal holds for them and following the jobs it holds for chunks no longer in the plan.
    /// - Throws: `ExecutorError` when the journal or the coordinator fails or the API refuses the credentials.
    public func run(_ items: [WorkItem]) async throws -> ExecutionSummary {
        try FileManager.default.createDirectory(
            atPath: StateDirectory(configuration.stateDirectory).chunksPath, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        try journal.register(items)
        let starts = try ChunkStartReader(journal: journal, configuration: configuration, emit: emit).starts(for: items)
        let started = clock.now()
        var core = Scheduler(
            configuration: configuration.scheduler(startedAt: started), learned: try journal.learnedDurations(),
            splitter: splitter)
        var effects = core.start(starts, now: started)
        await keeper.watch(coordination.scope)
        emit(ProgressEvent(.started, total: core.totalChunks, done: core.counters.verified))

        await withTaskGroup(of: Void.self) { keeping in
            keeping.addTask { [keeper] in await keeper.run() }
            await loop(&core, &effects)
            keeping.cancelAll()
        }
        await bookkeeping?.value
        summary.counters = core.counters
        summary.lineage = core.lineage
        if let fatal { throw fatal }
        if case .credentials(let message) = core.stopped { throw ExecutorError.unauthorized(message) }
        if case .deadline = core.stopped { summary.deadlineReached = true }
        summary.interrupted = Task.isCancelled
        // Done of planned, as at the start: an interrupted run is not "3/3 done" with 3 of 13.
        emit(ProgressEvent(.finished, total: core.totalChunks, done: core.counters.verified))
        return summary
    }

    /// The driver's loop: performs the core's effects and feeds it what they answer, until it is done.
    private func loop(_ core: inout Scheduler, _ effects: inout [SchedulerEffect]) async {
        await withTaskGroup(of: Report.self) { group in
            while fatal == nil {
                perform(effects, in: &group)
                if fatal != nil || core.isFinished { break }
                if Task.isCancelled && !core.interrupted {
                    // Interrupted: the core starts nothing more and cancels its timer; the answers of requests
                    // already on the wire are still journaled as their (cancelled) tasks end.
                    effects = core.handle(.interrupt, now: clock.now())
                    continue
                }
                // Nothing in flight and no timer: nothing can change any more.
                guard let report = await group.next() else { break }
                switch report {
                case .event(let event):
                    if case .timerFired(let id) = event { timers[id] = nil }
                    effects = core.handle(event, now: clock.now())
                case .fatal(let error):
                    fail(with: error)
                case .none:
                    effects = []
                }
            }
            for timer in timers.values { timer.cancel() }
            timers = [:]
            group.cancelAll()
        }
    }

    // MARK: - Performing effects

    private func perform(_ effects: [SchedulerEffect], in group: inout TaskGroup<Report>) {
        for effect in effects {
            guard fatal == nil else { return }
            switch effect {
            case .journal(let step):
                do { try journal.write(step) } catch { fail(with: error) }
            case .submit(let item, let user):
                let (client, credentials) = (client, credentials(user))
                group.addTask {
                    do {
                        let job = try await client.submit(item.request, as: credentials)
                        return .event(.submitAnswered(chunk: item.id, job: job))
                    } catch let error as AnalyticsClientError {
                        let failure = Failure(error.failureClass(during: .submit), error.description)
                        return .event(.submitFailed(chunk: item.id, failure))
                    } catch {
                        return .none
                    }
                }
            case .poll(let id, let job, let user):
                let (client, credentials) = (client, credentials(user))
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
                                running: result.showsRunning, queued: result.showsQueued))
                    } catch let error as AnalyticsClientError {
                        let failure = Failure(error.failureClass(during: .status), error.description)
                        return .event(.statusFailed(chunk: id, failure))
                    } catch {
                        return .none
                    }
                }
            case .download(let item, let url, let user):
                let download = ChunkDownload(
                    client: client, verifier: verifier, state: StateDirectory(configuration.stateDirectory),
                    journalPath: journal.path)
                let credentials = credentials(user)
                group.addTask { await download.run(item, url: url, credentials: credentials) }
            case .notify(let event):
                emit(event)
                if event.kind == .stuck || event.kind == .exportStopped { logger.warning("\(event.message ?? "")") }
            case .stop(let reason):
                if case .deadline(let message) = reason { emit(ProgressEvent(.warning, message: message)) }
            case .lease(let step):
                perform(step, in: &group)
            case .armTimer(let timer):
                let sleeper = Task { [clock] in (try? await clock.sleep(until: timer.at)) != nil }
                timers[timer.id] = sleeper
                group.addTask {
                    await withTaskCancellationHandler {
                        await sleeper.value ? .event(.timerFired(timer.id)) : .none
                    } onCancel: {
                        sleeper.cancel()
                    }
                }
            case .cancelTimer(let id):
                timers.removeValue(forKey: id)?.cancel()
            }
        }
    }

    func credentials(_ user: String) -> APICredentials {
        configuration.users.first { $0.username == user } ?? configuration.users[0]
    }

    func fail(with error: any Error) {
        guard fatal == nil else { return }
        // A journal that cannot be written because its directory was removed: say that, not SQLite's words.
        if let problem = StateDirectory(configuration.stateDirectory).problem(journalPath: journal.path) {
            fatal = .stateDirectory(problem)
            return
        }
        fatal = (error as? ExecutorError) ?? .journal(String(describing: error))
    }
}
