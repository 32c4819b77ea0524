import AnalyticsAPI
import ExportScheduling

/// Drives the scheduling core as the executor does, with a manual clock and no HTTP: the coordinator answers at
/// once (the reclaim, every acquire unless `grants` is off, an adopt by whether `adoptable` holds the job's run id,
/// every claim), the core's one timer fires when `advance(to:)` passes it, and every effect is kept for the test.
struct CoreDriver {
    var core: Scheduler
    /// The manual clock: API seconds.
    var now: Double = 0
    /// Every effect so far, in order.
    var log: [SchedulerEffect] = []
    /// The timer the core has armed and not cancelled.
    var timer: SchedulerTimer?
    /// Whether acquires are granted at once; when off they wait in `waiting` for `grant(_:)`.
    var grants = true
    var waiting: [String] = []
    /// Run ids the coordinator holds a lease for (an adopt of one of them finds it).
    var adoptable: Set<String> = []
    /// Leases the coordinator freed when it reclaimed what an earlier run left.
    var reclaimedFreed = 0
    /// Whether the reclaim is answered at once; when off, `answer(_:)` does it.
    var reclaims = true
    /// The coordinator's leases the core holds, by slot id: acquired, adopted or claimed, not yet released.
    var leases: [Int: Slot] = [:]

    init(
        _ configuration: SchedulerConfiguration, learned: LearnedDurations = LearnedDurations(),
        splitter: @escaping Scheduler.Splitter = { _ in nil }
    ) {
        core = Scheduler(configuration: configuration, learned: learned, splitter: splitter)
    }

    /// Starts the core at `now`; returns its effects and those of the coordinator's answers.
    mutating func start(_ chunks: [ChunkStart]) -> [SchedulerEffect] {
        absorb(core.start(chunks, now: now))
    }

    /// Feeds one event at `now`.
    mutating func send(_ event: SchedulerEvent) -> [SchedulerEffect] {
        absorb(core.handle(event, now: now))
    }

    /// Moves the clock to `time`, firing the core's timer each time it comes due on the way.
    mutating func advance(to time: Double) -> [SchedulerEffect] {
        var effects: [SchedulerEffect] = []
        while let armed = timer, armed.at <= time {
            now = max(now, armed.at)
            timer = nil
            effects += send(.timerFired(armed.id))
        }
        now = max(now, time)
        return effects
    }

    /// Grants the lease chunk `id` queues for (with `grants` off).
    mutating func grant(_ id: String) -> [SchedulerEffect] {
        waiting.removeAll { $0 == id }
        return send(.lease(.granted(chunk: id)))
    }

    /// Answers a lease step the driver held back.
    mutating func answer(_ answer: LeaseAnswer) -> [SchedulerEffect] { send(.lease(answer)) }

    private mutating func absorb(_ effects: [SchedulerEffect]) -> [SchedulerEffect] {
        log += effects
        var answers: [LeaseAnswer] = []
        for effect in effects {
            switch effect {
            case .armTimer(let armed): timer = armed
            case .cancelTimer(let id): if timer?.id == id { timer = nil }
            case .lease(.reclaim): if reclaims { answers.append(.reclaimed(freed: reclaimedFreed)) }
            case .lease(.acquire(let slot, let chunk, _)):
                if grants {
                    leases[slot.id] = slot
                    answers.append(.granted(chunk: chunk))
                } else {
                    waiting.append(chunk)
                }
            case .lease(.adopt(let slot, let chunk, let job)):
                let found = adoptable.contains(job.runId)
                if found { leases[slot.id] = slot }
                answers.append(.adopted(chunk: chunk, found: found))
            case .lease(.claim(let slot, let chunk, _, _)):
                leases[slot.id] = slot
                answers.append(.claimed(chunk: chunk))
            case .lease(.release(let slot)): leases[slot.id] = nil
            default: break
            }
        }
        var all = effects
        for answer in answers { all += send(.lease(answer)) }
        return all
    }

    // MARK: - What happened

    /// Chunks submitted in `effects`, in order.
    static func submitted(_ effects: [SchedulerEffect]) -> [String] {
        effects.compactMap { if case .submit(let item, _) = $0 { item.id } else { nil } }
    }

    /// Chunks polled in `effects`.
    static func polled(_ effects: [SchedulerEffect]) -> [String] {
        effects.compactMap { if case .poll(let id, _, _) = $0 { id } else { nil } }
    }

    /// The events of `kind` told in `effects`.
    static func told(_ kind: ProgressEvent.Kind, in effects: [SchedulerEffect]) -> [ProgressEvent] {
        effects.compactMap { if case .notify(let event) = $0, event.kind == kind { event } else { nil } }
    }

    /// The lease steps in `effects`.
    static func leaseSteps(_ effects: [SchedulerEffect]) -> [LeaseStep] {
        effects.compactMap { if case .lease(let step) = $0 { step } else { nil } }
    }

    /// Slots released in `effects`.
    static func released(_ effects: [SchedulerEffect]) -> [Slot] {
        leaseSteps(effects).compactMap { if case .release(let slot) = $0 { slot } else { nil } }
    }

    /// The journal steps in `effects`.
    static func journaled(_ effects: [SchedulerEffect]) -> [JournalStep] {
        effects.compactMap { if case .journal(let step) = $0 { step } else { nil } }
    }
}
