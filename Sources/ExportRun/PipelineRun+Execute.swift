import AnalyticsAPI
import AnalyticsClient
import ExportExecutor
import ExportPlanner
import ExportSpec
import Foundation

extension PipelineRun {
    /// Runs the plan's chunks (or `only`, for `retry`) through the executor, telling the observers what happens.
    /// - Parameter replanned: told of each verified chunk the executor exports again (its file changed or went
    ///   missing, or its window had not settled), so the outcome's `exportedAgain` names every one.
    func executeChunks(
        plan: Plan, journal: Journal, only: [ChunkRecord]?, settings: RunSettings, services: RunServices,
        replanned: ReplannedChunks, also: (@Sendable (ProgressEvent) -> Void)? = nil
    ) async throws -> ExecutionSummary {
        let timeZones = Dictionary(
            plan.exports.map { ($0.name, TimeZone(identifier: $0.timezone) ?? TimeZone(identifier: "UTC")!) },
            uniquingKeysWith: { first, _ in first })
        // A pure function: the core keeps whose halves they are (its lineage, and the journal's).
        let splitter = ChunkLineage.splitter(minimumDuration: spec.run.minChunk, timeZones: timeZones)
        var items = plan.chunks.map {
            WorkItem(
                id: $0.id, exportName: $0.exportName, request: $0.request, expectedRows: $0.expectedRows,
                expectedSeconds: $0.expectedSeconds, timeZone: timeZones[$0.exportName]?.identifier)
        }
        if let only { items = only.map(\.workItem) }
        let observers = self.observers
        let executor = Executor(
            configuration: executorConfiguration(settings: settings, services: services), client: services.client,
            journal: journal, splitter: splitter, verifier: ChunkFileVerifier.verify(path:item:),
            logger: logger,
            events: { event in
                if event.kind == .replanned { replanned.add(event) }
                for observer in observers { observer.handle(event) }
                also?(event)
            })
        return try await executor.run(items)
    }

    /// The spec's `run:` settings, the request's tuning and the services, as the executor takes them: the one place
    /// the spec's durations become seconds (`CalendarDuration.nominalSeconds`).
    func executorConfiguration(settings: RunSettings, services: RunServices) -> ExecutorConfiguration {
        let tuning = request.tuning
        let defaults = ExecutorConfiguration(users: [], stateDirectory: "")
        return ExecutorConfiguration(
            users: settings.users, outstandingPerUser: tuning.outstandingPerUser ?? spec.run.outstandingPerUser,
            limits: RunCoordination.queueLimits(spec), attempts: tuning.attempts ?? spec.run.attempts,
            cooldownSeconds: tuning.cooldownSeconds ?? defaults.cooldownSeconds, clock: services.clock,
            stateDirectory: stateDirectory.path,
            minimumPollSeconds: tuning.minimumPollSeconds ?? defaults.minimumPollSeconds,
            maximumPollSeconds: tuning.maximumPollSeconds ?? defaults.maximumPollSeconds,
            rejectionBackoff: tuning.rejectionBackoff ?? defaults.rejectionBackoff, settleSeconds: settleSeconds,
            stuckAfterSeconds: tuning.stuckAfterSeconds ?? spec.run.stuckAfter.nominalSeconds,
            deadlineSeconds: tuning.deadlineSeconds ?? spec.run.deadline?.nominalSeconds,
            coordination: services.coordination)
    }
}

/// The verified chunks the executor planned again during a run (`replanned` events), kept for its outcome.
final class ReplannedChunks: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ProgressEvent] = []

    func add(_ event: ProgressEvent) { lock.withLock { events.append(event) } }

    /// `known` and, after it, each replanned chunk it does not name yet, with its window in `plan` and the
    /// executor's reason.
    func exportedAgain(adding known: [ExportedAgain], plan: Plan) -> [ExportedAgain] {
        let windows = Dictionary(plan.chunks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var result = known
        var named = Set(known.map(\.chunk))
        for event in lock.withLock({ events }) {
            guard let id = event.chunk, named.insert(id).inserted, let chunk = windows[id] else { continue }
            result.append(
                ExportedAgain(
                    exportName: chunk.exportName, chunk: id,
                    window: TimeRange(start: chunk.request.startTime, end: chunk.request.endTime),
                    reason: event.message ?? "an earlier run verified it"))
        }
        return result
    }
}
